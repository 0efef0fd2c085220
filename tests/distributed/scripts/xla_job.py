"""torch_xla launchers around idist, run by tests/distributed/test_xla_tier.py with ``PJRT_DEVICE=CPU``.

Usage: ``python xla_job.py MODE OUTDIR``. Processes that run the job write ``OUTDIR/rank-<r>.json``; a launcher
that raises writes ``OUTDIR/parent.json``. Modes:

- ``launch``: ``torch_xla.launch(fn)`` starts the processes (one per local device) and ``fn`` joins them with
  ``Parallel(backend="xla-tpu")``;
- ``xmp``: the same through ``xmp.spawn(fn, nprocs=1)``;
- ``too_many``: ``Parallel(backend="xla-tpu", nproc_per_node=2)`` where torch_xla can start only one process.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import torch

import ignite.distributed as idist


def check(local_rank: int, outdir: str) -> None:
    device = idist.device()
    rank = idist.get_rank()
    result: dict[str, Any] = {
        "pid": os.getpid(),
        "run_local_rank": local_rank,
        "rank": rank,
        "world_size": idist.get_world_size(),
        "nproc_per_node": idist.get_nproc_per_node(),
        "backend": idist.backend(),
        "model": idist.model_name(),
        "device_type": device.type,
        "sum": idist.all_reduce(torch.full((2,), float(rank + 1), device=device)).cpu().tolist(),
        "gather": idist.all_gather(rank),
    }
    idist.barrier()
    Path(outdir, f"rank-{rank}.json").write_text(json.dumps(result))


def joined(index: int, outdir: str) -> None:
    with idist.Parallel(backend="xla-tpu") as parallel:
        parallel.run(check, outdir)


def main() -> None:
    mode, outdir = sys.argv[1], sys.argv[2]
    Path(outdir, "launcher.json").write_text(json.dumps({"pid": os.getpid()}))
    if mode == "launch":
        importlib.import_module("torch_xla").launch(joined, args=(outdir,))
    elif mode == "xmp":
        xmp = importlib.import_module("torch_xla.distributed.xla_multiprocessing")
        xmp.spawn(joined, args=(outdir,), nprocs=1)
    elif mode == "too_many":
        try:
            with idist.Parallel(backend="xla-tpu", nproc_per_node=2) as parallel:
                parallel.run(check, outdir)
        except ValueError as error:
            Path(outdir, "parent.json").write_text(json.dumps({"type": "ValueError", "message": str(error)}))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(f"xla_job {mode}: done after {idist.model_name()}", flush=True)


if __name__ == "__main__":
    main()
