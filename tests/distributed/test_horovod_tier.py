"""The Horovod context on a real Horovod world: ``horovodrun -np 2 --gloo`` and ``Parallel(backend="horovod")``.

Runs in ``tools/horovod_tier``'s venv (horovod 0.28.1 built CPU-only against the workspace's torch). Every job is
``scripts/hvd_job.py`` in a subprocess with a hard timeout, so a hang fails the test instead of blocking the step;
the ranks write what they observed as JSON, compared here with what the collectives must give. The tests carry the
``horovod`` marker: the default test step deselects them, and inside the tier (``IGNITE_TEST_TIER=horovod``) a
missing Horovod fails them instead of skipping.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.horovod

_SCRIPT = Path(__file__).parent / "scripts" / "hvd_job.py"
_TIMEOUT_S = 240
_WORLD_SIZE = 2


@pytest.fixture(scope="module")
def horovodrun() -> str:
    """The horovodrun of this interpreter's environment, with horovod.torch importable."""
    problem = None
    if importlib.util.find_spec("horovod") is None:
        problem = "horovod is not installed"
    else:
        try:
            importlib.import_module("horovod.torch")
        except ImportError as error:
            problem = f"horovod.torch does not import: {error}"
    runner = Path(sys.executable).parent / "horovodrun"
    if problem is None and not runner.exists():
        found = shutil.which("horovodrun")
        problem = None if found else "horovodrun is not on PATH"
        runner = Path(found) if found else runner
    if problem is not None:
        message = f"{problem}; tools/horovod_tier builds the environment that has it"
        if os.environ.get("IGNITE_TEST_TIER") == "horovod":
            pytest.fail(message)
        pytest.skip(message)
    return str(runner)


def _clean_env() -> dict[str, str]:
    # No launcher's layout may leak in: the job must take it from horovod alone.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "OMPI_", "PMI_", "HOROVOD_", "PJRT_"))}
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    # horovod.run's workers start `python` from PATH: make it this environment's interpreter.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _text(output: str | bytes | None) -> str:
    # TimeoutExpired carries what was read so far; with text=True it is a str, or None when nothing came.
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            command, env=_clean_env(), capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(
            f"{' '.join(command)} did not finish within {_TIMEOUT_S}s; output:\n"
            f"{_text(error.stdout)}{_text(error.stderr)}"
        )
    return result


def _horovodrun(runner: str, mode: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    return _run([runner, "-np", str(_WORLD_SIZE), "--gloo", sys.executable, str(_SCRIPT), mode, str(outdir)])


def _results(outdir: Path) -> list[dict[str, Any]]:
    files = sorted(path.name for path in outdir.glob("rank-*.json"))
    assert files == [f"rank-{rank}.json" for rank in range(_WORLD_SIZE)]
    return [json.loads((outdir / f"rank-{rank}.json").read_text()) for rank in range(_WORLD_SIZE)]


def _check_job(outdir: Path, dynamic_process_sets: bool) -> None:
    results = _results(outdir)
    for rank, observed in enumerate(results):
        assert observed["layout"] == {
            "rank": rank,
            "local_rank": rank,
            "run_local_rank": rank,
            "world_size": 2,
            "nproc_per_node": 2,
            "nnodes": 1,
            "node_rank": 0,
            "backend": "horovod",
            "model": "horovod-dist",
            "device": "cpu",
        }, f"rank {rank}"
        expected = {
            "sum": 3,
            "product": 6.0,
            "min": [0, -1],
            "max": [1, 0],
            "and": [True, False],
            "or": [False, True],
            "bitand": [7 & 6],
            "bitor": [3],
            "gather_uneven": [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]],
            "gather_0d": [0, 10],
            "gather_numbers": [0.5, 1.5],
            "gather_strings": ["", "é"],
            "gather_objects": [{"rank": 0, "items": []}, {"rank": 1, "items": [0]}],
            "broadcast_tensor": [1.0, 1.0, 1.0],
            "broadcast_number": 2,
            "broadcast_safe_str": "config",
            "broadcast_safe_tensor": [0, 1, 2, 3],
            "group_sum": 3,
            "group_gather": [0, 1],
        }
        assert {key: observed[key] for key in expected} == expected, f"rank {rank}"
        if dynamic_process_sets:
            # Real one-rank process sets, registered by both ranks, each reducing in its own.
            assert (observed["own_set_sum"], observed["own_set_gather"]) == (rank + 10, [rank])
        else:
            assert observed["process_sets_error"] == (
                "Argument ranks=[0] asks for a Horovod process set, which needs dynamic process sets: initialize "
                'with idist.initialize("horovod", process_sets="dynamic") (or Parallel(backend="horovod", '
                'process_sets="dynamic")), or set HOROVOD_DYNAMIC_PROCESS_SETS=1 before Horovod starts'
            )
        # auto_model broadcast rank 0's weights: rank 1 started from other ones (another seed).
        assert observed["initial_was_local"] is (rank == 0)
        first_initial, second_initial = observed["initial_everywhere"]
        assert first_initial == second_initial
        # DistributedOptimizer averages the gradients: different shards, same weights after every step.
        first_final, second_final = observed["final_everywhere"]
        assert first_final == second_final
        assert first_final != first_initial
        assert observed["optimizer_type"] == "SGD"
        assert observed["optimizer_is_sgd"] is True
        assert observed["optimizer_is_wrapped"] is True
        assert observed["sampler"] == "DistributedSampler"
        assert observed["batch_size"] == 4
        assert observed["seen"] == list(range(rank, 16, 2))


def test_horovodrun_launch(horovodrun: str, tmp_path: Path) -> None:
    result = _horovodrun(horovodrun, "launched", tmp_path)
    assert result.returncode == 0, f"horovodrun exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    _check_job(tmp_path, dynamic_process_sets=True)


def test_context_initialized_by_the_user_is_found(horovodrun: str, tmp_path: Path) -> None:
    result = _horovodrun(horovodrun, "user_init", tmp_path)
    assert result.returncode == 0, f"horovodrun exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    for observed in _results(tmp_path):
        assert observed == {"layout": {"model": "horovod-dist", "backend": "horovod", "world_size": 2}, "sum": 3}


def test_parallel_spawns_horovod_ranks(horovodrun: str, tmp_path: Path) -> None:
    result = _run([sys.executable, str(_SCRIPT), "spawn", str(tmp_path)])
    assert result.returncode == 0, f"hvd_job.py spawn exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    assert not (tmp_path / "parent.json").exists()
    _check_job(tmp_path, dynamic_process_sets=False)


def test_failing_rank_ends_the_horovodrun_job(horovodrun: str, tmp_path: Path) -> None:
    result = _horovodrun(horovodrun, "fail", tmp_path)
    assert result.returncode != 0
    assert "ValueError: bad batch on rank 1" in result.stdout + result.stderr


def test_failing_rank_is_reraised_by_parallel(horovodrun: str, tmp_path: Path) -> None:
    result = _run([sys.executable, str(_SCRIPT), "spawn_fail", str(tmp_path)])
    assert result.returncode == 0, (
        f"hvd_job.py spawn_fail exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    report = json.loads((tmp_path / "parent.json").read_text())
    assert report["type"] == "ValueError"
    assert report["message"] == "bad batch on rank 1"
    assert report["cause_type"] == "RankFailure"
    assert report["cause_rank"] == 1
    # cloudpickle ships the job's function by value, so its frame shows without source lines.
    assert re.search(r"line \d+, in failing\n", report["cause_text"])
    assert report["cause_text"].endswith("ValueError: bad batch on rank 1\n")
    [note] = report["notes"]
    assert re.fullmatch(r"raised by rank 1 of 2 \(pid \d+\), re-raised by the parent process", note)
