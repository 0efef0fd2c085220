"""A job run on real gloo process groups by tests/distributed/test_multiprocess.py, under every launcher.

Usage: ``python dist_job.py MODE OUTDIR [NPROC]``. Each rank writes what it observed to ``OUTDIR/rank-<r>.json``;
the test compares it with what the collectives should give. Modes:

- ``spawn``: ``Parallel(backend="gloo", nproc_per_node=NPROC)`` spawns the ranks;
- ``launched``: a launcher (torchrun, or mpirun's variables) started this process; ``Parallel(backend="gloo")``;
- ``fail``: spawned ranks where the last rank raises while the others wait in a collective;
- ``timeout``: spawned ranks where rank 1 never joins the collective; the ``timeout`` option must end it.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import TensorDataset

import ignite.distributed as idist


def _as_tensor(value: object) -> torch.Tensor:
    assert isinstance(value, torch.Tensor), type(value)
    return value


def _mismatch_is_reported() -> bool:
    # Shapes that disagree beyond dimension 0 must raise the same error on every rank, never hang one of them.
    try:
        idist.all_gather(torch.zeros(2, idist.get_rank() + 1))
    except ValueError as error:
        return "same dtype, number of dimensions and sizes after dimension 0" in str(error)
    return False


def _observe(rank: int, world_size: int) -> dict[str, Any]:
    return {
        "gather_mismatch_reported": _mismatch_is_reported(),
        "sum": idist.all_reduce(rank + 1),
        "product": idist.all_reduce(float(rank + 1), op="PRODUCT"),
        "min": idist.all_reduce(torch.tensor([rank, -rank]), op="MIN").tolist(),
        "max": idist.all_reduce(torch.tensor([rank, -rank]), op="MAX").tolist(),
        "and": idist.all_reduce(torch.tensor([True, rank == 0]), op="AND").tolist(),
        "or": idist.all_reduce(torch.tensor([False, rank == 0]), op="OR").tolist(),
        "bitand": idist.all_reduce(torch.tensor([7 - rank]), op="AND").tolist(),
        "gather_uneven": idist.all_gather(torch.arange(rank + 1).float().unsqueeze(1).repeat(1, 2)).tolist(),
        "gather_0d": idist.all_gather(torch.tensor(rank * 10)).tolist(),
        "gather_numbers": idist.all_gather(rank + 0.5),
        "gather_strings": idist.all_gather("é" * rank),
        "gather_objects": idist.all_gather({"rank": rank, "items": list(range(rank))}),
        "broadcast_tensor": idist.broadcast(torch.full((3,), float(rank)), src=world_size - 1).tolist(),
        "broadcast_number": idist.broadcast(rank * 2, src=1),
        "broadcast_safe_str": idist.broadcast("config" if rank == 0 else None, src=0, safe_mode=True),
        "broadcast_safe_tensor": _as_tensor(
            idist.broadcast(torch.arange(4) if rank == 1 else None, src=1, safe_mode=True)
        ).tolist(),
        "gather_with_shapes": [
            t.tolist()
            for t in idist.all_gather_tensors_with_shapes(
                torch.full((rank + 1, 2 - rank % 2), float(rank)), [[r + 1, 2 - r % 2] for r in range(world_size)]
            )
        ],
        "gather_with_shapes_group": [
            t.tolist()
            for t in idist.all_gather_tensors_with_shapes(
                torch.full((rank + 1,), rank), [[r + 1] for r in range(world_size)], group=[0, 1]
            )
        ],
        "group_sum": idist.all_reduce(1, group=[0, 1]),
        "group_gather": idist.all_gather(rank, group=idist.new_group([0, 1])),
    }


def _train(world_size: int) -> dict[str, Any]:
    torch.manual_seed(0)
    dataset = TensorDataset(torch.arange(32, dtype=torch.float32).reshape(16, 2), torch.ones(16, 1))
    loader = idist.auto_dataloader(dataset, batch_size=8, num_workers=0, shuffle=False)
    # SyncBatchNorm needs CUDA under DDP: the conversion itself is covered by the unit tests.
    model = idist.auto_model(nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1)), find_unused_parameters=False)
    optimizer = idist.auto_optim(torch.optim.SGD(model.parameters(), lr=0.01))
    seen = []
    for x, y in loader:
        seen.extend(x[:, 0].div(2).long().tolist())
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    everyone = idist.all_gather(flat.unsqueeze(0))
    return {
        "model": type(model).__name__,
        "batch_size": loader.batch_size,
        "sampler": type(loader.sampler).__name__,
        "seen": sorted(seen),
        "all_seen": sorted(index for part in idist.all_gather(seen) for index in part),
        "params_in_sync": bool(torch.allclose(everyone, everyone[0].expand_as(everyone))),
    }


def check(local_rank: int, outdir: str) -> None:
    rank, world_size = idist.get_rank(), idist.get_world_size()
    result: dict[str, Any] = {
        "layout": {
            "rank": rank,
            "local_rank": idist.get_local_rank(),
            "run_local_rank": local_rank,
            "world_size": world_size,
            "nproc_per_node": idist.get_nproc_per_node(),
            "nnodes": idist.get_nnodes(),
            "node_rank": idist.get_node_rank(),
            "backend": idist.backend(),
            "model": idist.model_name(),
        }
    }
    result.update(_observe(rank, world_size))
    result.update(_train(world_size))
    idist.barrier()
    Path(outdir, f"rank-{rank}.json").write_text(json.dumps(result))


def failing(local_rank: int, outdir: str) -> None:
    Path(outdir, f"pid-{idist.get_rank()}").write_text(str(os.getpid()))
    idist.barrier()
    if idist.get_rank() == idist.get_world_size() - 1:
        raise ValueError(f"bad batch on rank {idist.get_rank()}")
    # The others block here: the failing rank never joins.
    idist.all_reduce(torch.ones(1))
    time.sleep(120)


def stalling(local_rank: int, outdir: str) -> None:
    Path(outdir, f"pid-{idist.get_rank()}").write_text(str(os.getpid()))
    idist.barrier()
    if idist.get_rank() == 1:
        time.sleep(120)
    idist.all_reduce(torch.ones(1))


def _report_parent_error(outdir: str, error: BaseException) -> None:
    cause = error.__cause__
    report = {
        "type": type(error).__name__,
        "message": str(error),
        "notes": list(getattr(error, "__notes__", [])),
        "cause_type": type(cause).__name__,
        "cause_rank": getattr(cause, "rank", None),
        "cause_text": str(cause),
        "formatted": "".join(traceback.format_exception(error)),
    }
    Path(outdir, "parent.json").write_text(json.dumps(report))


def main() -> None:
    mode, outdir = sys.argv[1], sys.argv[2]
    nproc = int(sys.argv[3]) if len(sys.argv) > 3 else None
    if mode == "launched":
        with idist.Parallel(backend="gloo", timeout=timedelta(seconds=60)) as parallel:
            parallel.run(check, outdir)
        return
    job = {"spawn": check, "fail": failing, "timeout": stalling}[mode]
    options: dict[str, Any] = {"timeout": timedelta(seconds=3)} if mode == "timeout" else {}
    try:
        with idist.Parallel(backend="gloo", nproc_per_node=nproc, **options) as parallel:
            parallel.run(job, outdir)
    except Exception as error:
        _report_parent_error(outdir, error)


if __name__ == "__main__":
    main()
