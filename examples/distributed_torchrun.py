"""Distributed data-parallel training launched by ``torchrun``: the processes exist before the script starts.

``idist.Parallel(backend="gloo")`` without ``nproc_per_node`` reads the rank, world size and master address that
``torchrun`` puts in the environment, and creates the process group. The training code is the same as in
``distributed_spawn.py``: per-process data shards, a DDP model, metrics reduced over the processes, rank 0 prints.

Run: ``uv run torchrun --nproc_per_node=2 examples/distributed_torchrun.py [--epochs 3]``
(or ``python -m torch.distributed.run --nproc_per_node=2 ...``).
"""

from __future__ import annotations

import argparse
from typing import Any

import torch
from torch import nn
from torch.utils.data import TensorDataset

import ignite.distributed as idist
from ignite.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer
from ignite.metrics import Accuracy, Loss
from ignite.utils import manual_seed


def dataset(n: int, seed: int) -> TensorDataset:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 10, generator=generator)
    y = (x[:, :5].sum(dim=1) > x[:, 5:].sum(dim=1)).long()
    return TensorDataset(x, y)


def training(local_rank: int, config: dict[str, Any]) -> None:
    rank, world_size = idist.get_rank(), idist.get_world_size()
    manual_seed(0)
    torch.set_num_threads(1)
    train_loader = idist.auto_dataloader(dataset(2048, seed=1), batch_size=64, shuffle=True)
    val_loader = idist.auto_dataloader(dataset(512, seed=2), batch_size=128)
    model = idist.auto_model(nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2)))
    optimizer = idist.auto_optim(torch.optim.Adam(model.parameters(), lr=0.01))
    criterion = nn.CrossEntropyLoss()

    trainer = create_supervised_trainer(model, optimizer, criterion, device=idist.device())
    evaluator = create_supervised_evaluator(
        model, metrics={"accuracy": Accuracy(), "loss": Loss(criterion)}, device=idist.device()
    )

    @trainer.on(Events.EPOCH_STARTED)
    def reshuffle(engine: Engine) -> None:
        sampler = getattr(train_loader, "sampler", None)
        if isinstance(sampler, torch.utils.data.distributed.DistributedSampler):
            sampler.set_epoch(engine.state.epoch - 1)

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        metrics = evaluator.run(val_loader).metrics
        if rank == 0:
            print(f"epoch {engine.state.epoch}: val accuracy {metrics['accuracy']:.4f} loss {metrics['loss']:.4f}")

    trainer.run(train_loader, max_epochs=config["epochs"])
    # Every rank ran its own share of the iterations; all_reduce sums them.
    total_batches = idist.all_reduce(float(trainer.state.iteration))
    if rank == 0:
        print(f"world size {world_size}, backend {idist.backend()}, batches over all ranks {int(total_batches)}")
        print(f"final val accuracy: {evaluator.state.metrics['accuracy']:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Data-parallel training on processes started by torchrun.")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    with idist.Parallel(backend="gloo") as parallel:
        parallel.run(training, {"epochs": args.epochs})


if __name__ == "__main__":
    main()
