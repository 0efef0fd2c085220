"""Real gloo process groups of 2 and 4 processes, started by idist.Parallel, torchrun and mpirun's variables.

Every test runs ``scripts/dist_job.py`` in subprocesses with a hard timeout, so a hang fails the test instead of
blocking CI; the ranks write what they observed as JSON, compared here with what the collectives must give.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

_SCRIPT = Path(__file__).parent / "scripts" / "dist_job.py"
_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "OMPI_", "PMI_"))}
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    env.update(extra)
    return env


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        env=env if env is not None else _clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(*processes: subprocess.Popen[str]) -> None:
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=_TIMEOUT_S)[0])
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output


def _expected(rank: int, world_size: int) -> dict[str, Any]:
    in_group = rank < 2
    return {
        "gather_mismatch_reported": True,
        "sum": world_size * (world_size + 1) // 2,
        "product": float(math.factorial(world_size)),
        "min": [0, -(world_size - 1)],
        "max": [world_size - 1, 0],
        "and": [True, False],
        "or": [False, True],
        "bitand": [7 & 6] if world_size == 2 else [7 & 6 & 5 & 4],
        "gather_uneven": [[float(i), float(i)] for q in range(world_size) for i in range(q + 1)],
        "gather_0d": [10 * q for q in range(world_size)],
        "gather_numbers": [q + 0.5 for q in range(world_size)],
        "gather_strings": ["é" * q for q in range(world_size)],
        "gather_objects": [{"rank": q, "items": list(range(q))} for q in range(world_size)],
        "broadcast_tensor": [float(world_size - 1)] * 3,
        "broadcast_number": 2,
        "broadcast_safe_str": "config",
        "broadcast_safe_tensor": [0, 1, 2, 3],
        # Ranks outside the group get their own value back.
        "gather_with_shapes": [[[float(q)] * (2 - q % 2)] * (q + 1) for q in range(world_size)],
        "gather_with_shapes_group": [[0], [1, 1]] if in_group else [[rank] * (rank + 1)],
        "group_sum": 2 if in_group else 1,
        "group_gather": [0, 1] if in_group else [rank],
        "model": "DistributedDataParallel",
        "batch_size": 8 // world_size,
        "sampler": "DistributedSampler",
        "seen": list(range(rank, 16, world_size)),
        "all_seen": list(range(16)),
        "params_in_sync": True,
    }


def _check_ranks(outdir: Path, world_size: int, nproc_per_node: int) -> None:
    for rank in range(world_size):
        observed = json.loads((outdir / f"rank-{rank}.json").read_text())
        layout = observed.pop("layout")
        assert layout == {
            "rank": rank,
            "local_rank": rank % nproc_per_node,
            "run_local_rank": rank % nproc_per_node,
            "world_size": world_size,
            "nproc_per_node": nproc_per_node,
            "nnodes": world_size // nproc_per_node,
            "node_rank": rank // nproc_per_node,
            "backend": "gloo",
            "model": "native-dist",
        }
        assert observed == _expected(rank, world_size), f"rank {rank}"


@pytest.mark.parametrize("nproc", [2, 4])
def test_parallel_spawns_gloo_group(tmp_path: Path, nproc: int) -> None:
    _wait(_run(str(_SCRIPT), "spawn", str(tmp_path), str(nproc)))
    assert not (tmp_path / "parent.json").exists()
    _check_ranks(tmp_path, nproc, nproc)


def test_torchrun_two_processes(tmp_path: Path) -> None:
    port = str(_free_port())
    launcher = ["-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={port}"]
    _wait(_run(*launcher, str(_SCRIPT), "launched", str(tmp_path)))
    _check_ranks(tmp_path, 2, 2)


def test_torchrun_two_nodes_on_localhost(tmp_path: Path) -> None:
    port = str(_free_port())
    nodes = [
        _run(
            "-m",
            "torch.distributed.run",
            "--nnodes=2",
            "--nproc_per_node=1",
            f"--node_rank={node_rank}",
            "--master_addr=127.0.0.1",
            f"--master_port={port}",
            str(_SCRIPT),
            "launched",
            str(tmp_path),
        )
        for node_rank in (0, 1)
    ]
    _wait(*nodes)
    _check_ranks(tmp_path, 2, 1)


def test_mpirun_environment_forms_gloo_group(tmp_path: Path) -> None:
    # mpirun is not installed here: give two plain processes the variables Open MPI would export.
    port = str(_free_port())
    ranks = [
        _run(
            str(_SCRIPT),
            "launched",
            str(tmp_path),
            env=_clean_env(
                OMPI_COMM_WORLD_RANK=str(rank),
                OMPI_COMM_WORLD_LOCAL_RANK=str(rank),
                OMPI_COMM_WORLD_SIZE="2",
                OMPI_COMM_WORLD_LOCAL_SIZE="2",
                MASTER_PORT=port,
            ),
        )
        for rank in (0, 1)
    ]
    _wait(*ranks)
    _check_ranks(tmp_path, 2, 2)


def _assert_all_dead(outdir: Path, count: int) -> None:
    for rank in range(count):
        pid = int((outdir / f"pid-{rank}").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline")
        # Gone, or the pid was reused by a process that is not one of our spawned workers.
        assert not cmdline.exists() or b"multiprocessing" not in cmdline.read_bytes(), f"rank {rank} still runs"


@pytest.mark.parametrize("nproc", [2, 4])
def test_failing_rank_stops_every_rank_and_is_named(tmp_path: Path, nproc: int) -> None:
    _wait(_run(str(_SCRIPT), "fail", str(tmp_path), str(nproc)))
    report = json.loads((tmp_path / "parent.json").read_text())
    last = nproc - 1
    assert report["type"] == "ValueError"
    assert report["message"] == f"bad batch on rank {last}"
    assert report["cause_type"] == "RankFailure"
    assert report["cause_rank"] == last
    assert f"rank {last} (pid" in report["cause_text"]
    assert 'raise ValueError(f"bad batch on rank' in report["cause_text"]
    if sys.version_info >= (3, 11):
        [note] = report["notes"]
        assert re.fullmatch(rf"raised by rank {last} of {nproc} \(pid \d+\), re-raised by the parent process", note)
    _assert_all_dead(tmp_path, nproc)


def test_timeout_bounds_a_collective_with_a_stalled_rank(tmp_path: Path) -> None:
    # Rank 1 sleeps for two minutes; rank 0's all_reduce gives up after the 3 s timeout given to Parallel.
    _wait(_run(str(_SCRIPT), "timeout", str(tmp_path), "2"))
    report = json.loads((tmp_path / "parent.json").read_text())
    assert report["type"] == "RuntimeError"
    assert "Timed out" in report["message"] or "timed out" in report["message"].lower()
    assert report["cause_rank"] == 0
    _assert_all_dead(tmp_path, 2)
