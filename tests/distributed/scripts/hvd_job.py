"""A job on a real Horovod (gloo) world, run by tests/distributed/test_horovod_tier.py.

Usage: ``python hvd_job.py MODE OUTDIR``. Each rank writes what it observed to ``OUTDIR/rank-<r>.json``. Modes:

- ``launched``: horovodrun started this process; ``Parallel(backend="horovod")`` joins the world;
- ``user_init``: horovodrun started this process and the script calls ``hvd.init()`` itself: idist finds it;
- ``spawn``: ``Parallel(backend="horovod", nproc_per_node=2)`` starts the ranks from this parent;
- ``fail``: horovodrun started this process; the last rank raises while the others wait in a collective;
- ``spawn_fail``: like ``fail`` but spawned by ``Parallel``; the parent writes the error it got to ``parent.json``.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import TensorDataset

import ignite.distributed as idist


def _as_list(value: object) -> Any:
    assert isinstance(value, torch.Tensor), type(value)
    return value.tolist()


def _process_sets(rank: int) -> dict[str, Any]:
    # One set per rank: every rank registers both (Horovod registers sets collectively), each reduces in its own.
    try:
        groups = [idist.new_group([0]), idist.new_group([1])]
    except RuntimeError as error:
        return {"process_sets_error": str(error)}
    return {
        "own_set_sum": idist.all_reduce(rank + 10, group=groups[rank]),
        "own_set_gather": idist.all_gather(rank, group=[rank]),
    }


def _observe(rank: int, world_size: int) -> dict[str, Any]:
    group = idist.new_group([0, 1])
    return {
        **_process_sets(rank),
        "sum": idist.all_reduce(rank + 1),
        "product": idist.all_reduce(float(rank + 2), op="PRODUCT"),
        "min": _as_list(idist.all_reduce(torch.tensor([rank, -rank]), op="MIN")),
        "max": _as_list(idist.all_reduce(torch.tensor([rank, -rank]), op="MAX")),
        "and": _as_list(idist.all_reduce(torch.tensor([True, rank == 0]), op="AND")),
        "or": _as_list(idist.all_reduce(torch.tensor([False, rank == 0]), op="OR")),
        "bitand": _as_list(idist.all_reduce(torch.tensor([7 - rank]), op="AND")),
        "bitor": _as_list(idist.all_reduce(torch.tensor([1 << rank]), op="OR")),
        "gather_uneven": _as_list(idist.all_gather(torch.arange(rank + 1).float().unsqueeze(1).repeat(1, 2))),
        "gather_0d": _as_list(idist.all_gather(torch.tensor(rank * 10))),
        "gather_numbers": idist.all_gather(rank + 0.5),
        "gather_strings": idist.all_gather("é" * rank),
        "gather_objects": idist.all_gather({"rank": rank, "items": list(range(rank))}),
        "broadcast_tensor": _as_list(idist.broadcast(torch.full((3,), float(rank)), src=world_size - 1)),
        "broadcast_number": idist.broadcast(rank * 2, src=1),
        "broadcast_safe_str": idist.broadcast("config" if rank == 0 else None, src=0, safe_mode=True),
        "broadcast_safe_tensor": _as_list(
            idist.broadcast(torch.arange(4) if rank == 1 else None, src=1, safe_mode=True)
        ),
        "group_sum": idist.all_reduce(rank + 1, group=group),
        "group_gather": idist.all_gather(rank, group=[0, 1]),
    }


def _train(rank: int) -> dict[str, Any]:
    # Different seeds per rank: only auto_model's broadcast can make the initial weights equal.
    torch.manual_seed(rank)
    model: nn.Module = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    local_initial = torch.cat([p.detach().flatten() for p in model.parameters()])
    model = idist.auto_model(model)
    initial = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    initial_everywhere = _as_list(idist.all_gather(initial.unsqueeze(0)))
    optimizer = idist.auto_optim(torch.optim.SGD(model.parameters(), lr=0.1))
    dataset = TensorDataset(torch.arange(32, dtype=torch.float32).reshape(16, 2) / 16, torch.ones(16, 1))
    loader = idist.auto_dataloader(dataset, batch_size=8, num_workers=0, shuffle=False)
    seen = []
    for x, y in loader:
        seen.extend((x[:, 0] * 8).round().long().tolist())
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    final = torch.cat([p.detach().flatten() for p in model.parameters()])
    return {
        "initial_was_local": bool(torch.equal(initial, local_initial)),
        "initial_everywhere": initial_everywhere,
        "final_everywhere": _as_list(idist.all_gather(final.unsqueeze(0))),
        "optimizer_type": type(optimizer).__name__,
        "optimizer_is_sgd": isinstance(optimizer, torch.optim.SGD),
        "optimizer_is_wrapped": type(optimizer) is not torch.optim.SGD and hasattr(optimizer, "synchronize"),
        "sampler": type(loader.sampler).__name__,
        "batch_size": loader.batch_size,
        "seen": sorted(seen),
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
            "device": str(idist.device()),
        }
    }
    result.update(_observe(rank, world_size))
    result.update(_train(rank))
    idist.barrier()
    Path(outdir, f"rank-{rank}.json").write_text(json.dumps(result))


def failing(local_rank: int, outdir: str) -> None:
    idist.barrier()
    if idist.get_rank() == idist.get_world_size() - 1:
        raise ValueError(f"bad batch on rank {idist.get_rank()}")
    # The other ranks block here: the failing rank never joins.
    idist.all_reduce(torch.ones(1))
    time.sleep(120)


def _user_init(outdir: str) -> None:
    hvd = importlib.import_module("horovod.torch")
    hvd.init()
    # No idist.initialize(): the first idist call must find Horovod's context on its own.
    layout = {"model": idist.model_name(), "backend": idist.backend(), "world_size": idist.get_world_size()}
    total = idist.all_reduce(idist.get_rank() + 1)
    Path(outdir, f"rank-{hvd.rank()}.json").write_text(json.dumps({"layout": layout, "sum": total}))
    idist.finalize()


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
    if mode == "user_init":
        _user_init(outdir)
        return
    job = failing if mode in ("fail", "spawn_fail") else check
    if mode in ("launched", "fail"):
        # Dynamic process sets here; the spawned job runs without them and must get a clear error instead.
        with idist.Parallel(backend="horovod", process_sets="dynamic") as parallel:
            parallel.run(job, outdir)
        return
    try:
        with idist.Parallel(backend="horovod", nproc_per_node=2) as parallel:
            parallel.run(job, outdir)
    except Exception as error:
        _report_parent_error(outdir, error)
        if mode != "spawn_fail":
            raise


if __name__ == "__main__":
    main()
