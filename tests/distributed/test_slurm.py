"""idist.Parallel under a real SLURM cluster: ``srun -N1 -n2`` tasks join one gloo group from SLURM's variables.

The cluster is the single-node one ``tools/slurm up`` starts (config in ``.build/slurm/slurm.conf``, found through
SLURM_CONF). These tests carry the ``slurm`` marker and run in their own step (``run_tests.py --only slurm``), which
brings the cluster up first; they are skipped only where ``srun`` is not installed at all. Every srun has both a
SLURM time limit and a subprocess timeout, so a broken cluster fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ignite.distributed._spawn import check_not_in_multi_task_slurm_step

_SCRIPT = Path(__file__).parent / "scripts" / "dist_job.py"
_SRUN_TIME_LIMIT_MIN = 3
_TIMEOUT_S = 240
_CONF = Path(".build") / "slurm" / "slurm.conf"


def _find_conf() -> Path | None:
    # Walk up from this file: the isolation step runs a copy of tests/ from a folder inside the repository.
    for folder in Path(__file__).resolve().parents:
        if (folder / _CONF).is_file():
            return folder / _CONF
    return None


@pytest.fixture(scope="module")
def slurm_env() -> dict[str, str]:
    """The environment for srun: this one, without any launcher's layout, pointing at tools/slurm's cluster."""
    if shutil.which("srun") is None:
        pytest.skip("srun is not installed: `tools/slurm up` installs SLURM and starts a single-node cluster")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLURM_", "OMPI_", "PMI_"))}
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    conf = os.environ.get("SLURM_CONF") or _find_conf()
    if conf is not None:
        env["SLURM_CONF"] = str(conf)
    try:
        probe = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("sinfo did not answer within 30 s: is the cluster up? run `tools/slurm up`")
    if probe.returncode != 0 or not probe.stdout.strip():
        pytest.fail(f"no SLURM cluster answers (SLURM_CONF={conf}); run `tools/slurm up`. sinfo said: {probe.stderr}")
    return env


def _srun(env: dict[str, str], ntasks: int, cpus_per_task: int, *args: str) -> str:
    command = [
        "srun",
        "-N1",
        f"-n{ntasks}",
        f"--cpus-per-task={cpus_per_task}",
        f"--time={_SRUN_TIME_LIMIT_MIN}",
        "--kill-on-bad-exit=1",
        sys.executable,
        str(_SCRIPT),
        *args,
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = process.communicate(timeout=_TIMEOUT_S)[0]
    except subprocess.TimeoutExpired:
        # SIGTERM lets srun cancel its job step; SIGKILL would leave the tasks running until the time limit.
        process.send_signal(signal.SIGTERM)
        try:
            output = process.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0]
        pytest.fail(f"{' '.join(command)} did not finish within {_TIMEOUT_S}s; output:\n{output}")
    assert process.returncode == 0, f"{' '.join(command)} exited {process.returncode}; output:\n{output}"
    return output


def _rank_results(outdir: Path, world_size: int) -> list[dict[str, Any]]:
    files = sorted(path.name for path in outdir.glob("rank-*.json"))
    assert files == [f"rank-{rank}.json" for rank in range(world_size)]
    return [json.loads((outdir / f"rank-{rank}.json").read_text()) for rank in range(world_size)]


def _check_group(results: list[dict[str, Any]], nproc_per_node: int) -> None:
    world_size = len(results)
    for rank, observed in enumerate(results):
        assert observed["layout"] == {
            "rank": rank,
            "local_rank": rank % nproc_per_node,
            "run_local_rank": rank % nproc_per_node,
            "world_size": world_size,
            "nproc_per_node": nproc_per_node,
            "nnodes": 1,
            "node_rank": 0,
            "backend": "gloo",
            "model": "native-dist",
        }, f"rank {rank}"
        # Collectives across the tasks: one group, not several groups of one.
        assert observed["sum"] == world_size * (world_size + 1) // 2
        assert observed["gather_objects"] == [{"rank": q, "items": list(range(q))} for q in range(world_size)]
        assert observed["broadcast_tensor"] == [float(world_size - 1)] * 3
        # auto_dataloader/auto_model under srun: each task sees its own shard and DDP keeps the weights equal.
        assert observed["sampler"] == "DistributedSampler"
        assert observed["seen"] == list(range(rank, 16, world_size))
        assert observed["all_seen"] == list(range(16))
        assert observed["model"] == "DistributedDataParallel"
        assert observed["params_in_sync"] is True


@pytest.mark.slurm
def test_srun_two_tasks_join_one_gloo_group(slurm_env: dict[str, str], tmp_path: Path) -> None:
    _srun(slurm_env, 2, 1, "launched", str(tmp_path))
    _check_group(_rank_results(tmp_path, 2), nproc_per_node=2)


@pytest.mark.slurm
def test_parallel_spawning_inside_two_task_srun_is_refused(slurm_env: dict[str, str], tmp_path: Path) -> None:
    # dist_job.py's spawn mode writes the error the parent got instead of exiting non-zero.
    _srun(slurm_env, 2, 1, "spawn", str(tmp_path), "3")
    assert not list(tmp_path.glob("rank-*.json")), "ranks ran although each srun task spawned its own group"
    report = json.loads((tmp_path / "parent.json").read_text())
    assert report["type"] == "RuntimeError"
    assert "nproc_per_node=3" in report["message"]
    assert "SLURM_NTASKS=2 tasks on SLURM_JOB_NUM_NODES=1" in report["message"]
    assert "srun --ntasks-per-node=1" in report["message"]


@pytest.mark.slurm
def test_parallel_spawns_from_a_single_srun_task(slurm_env: dict[str, str], tmp_path: Path) -> None:
    _srun(slurm_env, 1, 2, "spawn", str(tmp_path), "2")
    assert not (tmp_path / "parent.json").exists(), (tmp_path / "parent.json").read_text()
    _check_group(_rank_results(tmp_path, 2), nproc_per_node=2)


_JOB = {"SLURM_JOB_ID": "42", "SLURM_NTASKS": "2", "SLURM_JOB_NUM_NODES": "1"}


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {**_JOB, "SLURM_NTASKS": "1"},
        {**_JOB, "SLURM_JOB_NUM_NODES": "2"},
        {key: value for key, value in _JOB.items() if key != "SLURM_JOB_ID"},
        {**_JOB, "SLURM_NTASKS": "two"},
    ],
    ids=["no-slurm", "one-task", "one-task-per-node", "no-job", "malformed"],
)
def test_spawn_check_accepts_one_task_per_node(environ: dict[str, str]) -> None:
    check_not_in_multi_task_slurm_step(environ, 4)


@pytest.mark.parametrize(("ntasks", "nnodes"), [("2", "1"), ("3", "2")])
def test_spawn_check_refuses_several_tasks_per_node(ntasks: str, nnodes: str) -> None:
    environ = {**_JOB, "SLURM_NTASKS": ntasks, "SLURM_JOB_NUM_NODES": nnodes}
    with pytest.raises(RuntimeError, match=rf"nproc_per_node=4 .* SLURM_NTASKS={ntasks} tasks on SLURM_JOB_NUM_NODES="):
        check_not_in_multi_task_slurm_step(environ, 4)
