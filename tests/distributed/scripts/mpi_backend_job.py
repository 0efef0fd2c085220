"""Ask for ``Parallel(backend="mpi")`` under ``mpirun``, run by tests/distributed/test_mpirun_tier.py.

Usage: ``python mpi_backend_job.py OUTDIR``. Each process writes the error it got (or that it got none) to
``OUTDIR/rank-<OMPI_COMM_WORLD_RANK>.json`` and exits 0: the test reads what every rank saw.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import torch.distributed as dist

import ignite.distributed as idist


def main() -> None:
    outdir = sys.argv[1]
    rank = os.environ.get("OMPI_COMM_WORLD_RANK", "unknown")
    report: dict[str, Any] = {"torch_has_mpi": dist.is_mpi_available(), "error": None}
    try:
        with idist.Parallel(backend="mpi") as parallel:
            report["world_size"] = parallel.run(lambda local_rank: idist.get_world_size())
    except Exception as error:
        report["error"] = {"type": type(error).__name__, "message": str(error)}
    Path(outdir, f"rank-{rank}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main()
