"""Checkpointing on 2 real gloo ranks (run by test_checkpoint_distributed.py).

Usage: ``python dist_checkpoint.py OUTDIR``. Both ranks train the same tiny model and call the same Checkpoint; only
rank 1 (``save_on_rank=1``) writes. Each rank then loads the newest checkpoint and writes what it saw to
``OUTDIR/rank-<r>.json``. Part of the state is a ZeroRedundancyOptimizer, whose shards (one parameter per rank) are
consolidated on the writing rank: the file must hold the momentum buffers of both shards.
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
from torch.distributed.optim import ZeroRedundancyOptimizer

import ignite.distributed as idist
from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint


class RankTag:
    """Saves the rank that produced the state: tells which process wrote a checkpoint file."""

    def state_dict(self) -> OrderedDict[str, Any]:
        return OrderedDict(rank=idist.get_rank())

    def load_state_dict(self, state_dict: Any) -> None:
        self.loaded_rank = int(state_dict["rank"])


def job(local_rank: int, outdir: str) -> None:
    directory = Path(outdir) / "checkpoints"
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    # Two parameters (weight, bias) on two ranks: each rank's shard holds one of them.
    optimizer = ZeroRedundancyOptimizer(model.parameters(), optimizer_class=torch.optim.SGD, lr=0.1, momentum=0.9)

    def step(engine: Engine, batch: Any) -> None:
        optimizer.zero_grad()
        model(torch.ones(4, 2)).sum().backward()
        optimizer.step()

    trainer = Engine(step)
    tag = RankTag()
    to_save = {"model": model, "tag": tag, "optimizer": optimizer}
    checkpoint = Checkpoint(to_save, directory, n_saved=2, save_on_rank=1)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run(range(3), max_epochs=3)
    idist.barrier()
    files = sorted(p.name for p in directory.iterdir()) if directory.exists() else []
    loaded = RankTag()
    assert checkpoint.last_checkpoint is not None
    Checkpoint.load_objects({"model": torch.nn.Linear(2, 1), "tag": loaded}, checkpoint.last_checkpoint)
    saved = torch.load(checkpoint.last_checkpoint, weights_only=True)
    momentum = [saved["optimizer"]["state"][i]["momentum_buffer"].tolist() for i in sorted(saved["optimizer"]["state"])]
    report = {
        "files": files,
        "writer": loaded.loaded_rank,
        "last": str(checkpoint.last_checkpoint),
        "momentum": momentum,
        "iterations": trainer.state.iteration,
    }
    (Path(outdir) / f"rank-{idist.get_rank()}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    with idist.Parallel(backend="gloo", nproc_per_node=2, timeout=timedelta(seconds=60)) as parallel:
        parallel.run(job, sys.argv[1])
