"""Checkpoint and resume: a run that crashes mid-way continues from its last checkpoint and ends where an
uninterrupted run ends.

A ``Checkpoint`` of the trainer, model, optimizer and LR scheduler is written at the end of each epoch. The script
trains three times with the same seed:

1. without interruption, for reference;
2. with an exception raised in the middle of epoch ``--crash-epoch`` (the checkpoint of the epoch before survives);
3. a fresh process state that loads that checkpoint with ``Checkpoint.load_objects`` and runs to the end.

Run 3 ends with exactly the weights of run 1, which the script checks (exit status 1 if not). Resuming exactly needs
the data order of each epoch to depend on the epoch alone: ``EpochShuffle`` draws its permutation from
``seed + epoch``, and the trainer tells it the epoch at each ``EPOCH_STARTED``.

Run: ``uv run python examples/checkpoint_resume.py [--epochs 4] [--crash-epoch 3] [--output-dir DIR]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, Sampler, TensorDataset

from ignite.engine import Engine, Events, create_supervised_trainer
from ignite.handlers import Checkpoint, DiskSaver, PiecewiseLinear

SEED = 0


class SimulatedCrash(RuntimeError):
    pass


class EpochShuffle(Sampler[int]):
    """A shuffling sampler whose order is a function of ``(seed, epoch)`` only, like ``DistributedSampler``'s.

    A ``RandomSampler`` with a re-seeded generator is not enough: finishing its exhausted iterator at the next epoch
    still draws from the generator.
    """

    def __init__(self, size: int, seed: int) -> None:
        self.size, self.seed, self.epoch = size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(self.size, generator=generator).tolist())

    def __len__(self) -> int:
        return self.size


def build(
    output_dir: Path, epochs: int
) -> tuple[Engine, nn.Module, dict[str, object], DataLoader[tuple[torch.Tensor, ...]]]:
    torch.manual_seed(SEED)
    x = torch.randn(256, 5)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0]) + 0.1 * torch.randn(256)
    sampler = EpochShuffle(len(x), SEED)
    loader = DataLoader(TensorDataset(x, y.unsqueeze(1)), batch_size=32, sampler=sampler)

    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    trainer = create_supervised_trainer(model, optimizer, nn.MSELoss())
    total = epochs * len(loader)
    lr_scheduler = PiecewiseLinear(optimizer, "lr", milestones_values=[(0, 0.05), (total, 0.005)])
    trainer.add_event_handler(Events.ITERATION_STARTED, lr_scheduler)

    @trainer.on(Events.EPOCH_STARTED)
    def reshuffle(engine: Engine) -> None:
        sampler.set_epoch(engine.state.epoch)

    to_save: dict[str, object] = {
        "trainer": trainer,
        "model": model,
        "optimizer": optimizer,
        "lr_scheduler": lr_scheduler,
    }
    checkpoint = Checkpoint(to_save, DiskSaver(output_dir, require_empty=False), filename_prefix="last", n_saved=1)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    return trainer, model, to_save, loader


def weights(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def main() -> int:
    parser = argparse.ArgumentParser(description="Crash, resume from the last checkpoint, and compare.")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--crash-epoch", type=int, default=3, help="the epoch in the middle of which the run fails")
    parser.add_argument("--output-dir", type=Path, default=None, help="checkpoint folder (default: a temporary one)")
    args = parser.parse_args()
    if not 2 <= args.crash_epoch <= args.epochs:
        parser.error(f"--crash-epoch should be between 2 and --epochs={args.epochs}, got {args.crash_epoch}")
    root = args.output_dir or Path(tempfile.mkdtemp(prefix="ignite-resume-"))

    trainer, model, _, loader = build(root / "reference", args.epochs)
    trainer.run(loader, max_epochs=args.epochs)
    reference = weights(model)
    print(f"1. uninterrupted: {trainer.state.epoch} epochs, final loss {trainer.state.output:.6f}")

    trainer, model, _, loader = build(root / "crashing", args.epochs)
    crash_at = (args.crash_epoch - 1) * len(loader) + len(loader) // 2

    @trainer.on(Events.ITERATION_COMPLETED(once=crash_at))
    def crash(engine: Engine) -> None:
        raise SimulatedCrash(f"simulated failure at iteration {engine.state.iteration}")

    try:
        trainer.run(loader, max_epochs=args.epochs)
    except SimulatedCrash as error:
        print(f"2. crashed: {error} (epoch {trainer.state.epoch})")
    [saved] = (root / "crashing").glob("last_*.pt")

    trainer, model, to_load, loader = build(root / "crashing", args.epochs)
    Checkpoint.load_objects(to_load=to_load, checkpoint=saved)
    resumed_from = trainer.state.epoch
    trainer.run(loader, max_epochs=args.epochs)
    print(f"3. resumed from {saved.name} at epoch {resumed_from}: final loss {trainer.state.output:.6f}")

    same = all(torch.equal(a, b) for a, b in zip(reference, weights(model), strict=True))
    print(f"resumed run matches the uninterrupted run: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
