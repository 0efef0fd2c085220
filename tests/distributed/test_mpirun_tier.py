"""``mpirun -np 2`` (Open MPI) starting scripts that join a gloo group through ``idist.Parallel(backend="gloo")``.

Run by ``tools/mpirun_tier``, which installs Debian's openmpi-bin when ``mpirun`` is missing. Open MPI exports
``OMPI_COMM_WORLD_RANK/LOCAL_RANK/SIZE`` to each process; ``Parallel`` must read them and form one group of two
(``scripts/dist_job.py launched``). torch from PyPI has no MPI backend, so ``backend="mpi"`` must fail with a clear
error on every rank. The tests carry the ``mpirun`` marker: the default test step deselects them, and inside the tier
(``IGNITE_TEST_TIER=mpirun``) a missing mpirun fails them instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch.distributed as dist

pytestmark = pytest.mark.mpirun

_SCRIPTS = Path(__file__).parent / "scripts"
_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def mpirun() -> str:
    found = shutil.which("mpirun")
    if found is None:
        message = "mpirun is not installed; tools/mpirun_tier installs Debian's openmpi-bin"
        if os.environ.get("IGNITE_TEST_TIER") == "mpirun":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _text(output: str | bytes | None) -> str:
    # TimeoutExpired carries what was read so far; with text=True it is a str, or None when nothing came.
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def _run(mpirun: str, nproc: int, script: str, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "OMPI_", "PMI_"))}
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR"):
        env.pop(key, None)
    env["MASTER_PORT"] = str(_free_port())
    command = [
        mpirun,
        "--allow-run-as-root",
        "--oversubscribe",
        "-np",
        str(nproc),
        "-x",
        "MASTER_PORT",
        sys.executable,
        str(_SCRIPTS / script),
        *args,
    ]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as error:
        pytest.fail(
            f"{' '.join(command)} did not finish within {_TIMEOUT_S}s; output:\n"
            f"{_text(error.stdout)}{_text(error.stderr)}"
        )
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"


def _rank_files(outdir: Path, nproc: int) -> list[dict[str, Any]]:
    names = sorted(path.name for path in outdir.glob("rank-*.json"))
    assert names == [f"rank-{rank}.json" for rank in range(nproc)]
    return [json.loads((outdir / f"rank-{rank}.json").read_text()) for rank in range(nproc)]


def test_mpirun_ranks_form_one_gloo_group(mpirun: str, tmp_path: Path) -> None:
    _run(mpirun, 2, "dist_job.py", "launched", str(tmp_path))
    for rank, observed in enumerate(_rank_files(tmp_path, 2)):
        assert observed["layout"] == {
            "rank": rank,
            "local_rank": rank,
            "run_local_rank": rank,
            "world_size": 2,
            "nproc_per_node": 2,
            "nnodes": 1,
            "node_rank": 0,
            "backend": "gloo",
            "model": "native-dist",
        }, f"rank {rank}"
        # Collectives across the two mpirun processes: one group, not two groups of one.
        assert observed["sum"] == 3
        assert observed["product"] == 2.0
        assert observed["gather_objects"] == [{"rank": 0, "items": []}, {"rank": 1, "items": [0]}]
        assert observed["gather_strings"] == ["", "é"]
        assert observed["broadcast_tensor"] == [1.0, 1.0, 1.0]
        assert observed["broadcast_safe_str"] == "config"
        assert observed["seen"] == list(range(rank, 16, 2))
        assert observed["all_seen"] == list(range(16))
        assert observed["model"] == "DistributedDataParallel"
        assert observed["params_in_sync"] is True


def test_mpi_backend_without_torch_mpi_is_a_clear_error(mpirun: str, tmp_path: Path) -> None:
    if dist.is_mpi_available():
        pytest.skip("this torch has the MPI backend: the error for a torch without it cannot happen here")
    _run(mpirun, 2, "mpi_backend_job.py", str(tmp_path))
    for observed in _rank_files(tmp_path, 2):
        assert observed == {
            "torch_has_mpi": False,
            "error": {
                "type": "ValueError",
                "message": "Backend 'mpi' is not available: this torch build has no MPI support; got 'mpi'",
            },
        }
