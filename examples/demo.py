"""Train a tiny MLP on a generated two-class problem with the Ignite Engine.

Nothing is downloaded: the data are two interleaved half-moons drawn with a fixed seed. The script shows
`create_supervised_trainer` / `create_supervised_evaluator`, handlers on events with filters (`every`, `once`,
`event_filter`), a small duck-typed metric (ignite.metrics is not needed: any object with `attach(engine, name)`
works), and early termination. Run it with `tools/demo` (or `uv run python examples/demo.py`).
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ignite.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer

EPOCHS = 12
BATCH_SIZE = 32
TARGET_ACCURACY = 0.99


def make_moons(n: int, noise: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved half circles, labels 0 and 1, with Gaussian noise."""
    half = n // 2
    angle = torch.rand(n, generator=generator) * math.pi
    upper = torch.stack([torch.cos(angle[:half]), torch.sin(angle[:half])], dim=1)
    lower = torch.stack([1.0 - torch.cos(angle[half:]), 0.5 - torch.sin(angle[half:])], dim=1)
    x = torch.cat([upper, lower]) + noise * torch.randn(n, 2, generator=generator)
    y = torch.cat([torch.zeros(half, dtype=torch.long), torch.ones(n - half, dtype=torch.long)])
    return x, y


class Accuracy:
    """A minimal metric: counts correct argmax predictions from the evaluator's `(y_pred, y)` output."""

    def __init__(self) -> None:
        self.correct = 0
        self.seen = 0

    def reset(self, engine: Engine) -> None:
        self.correct, self.seen = 0, 0

    def update(self, engine: Engine) -> None:
        y_pred, y = engine.state.output
        self.correct += int((y_pred.argmax(dim=1) == y).sum())
        self.seen += y.numel()

    def complete(self, engine: Engine, name: str) -> None:
        engine.state.metrics[name] = self.correct / max(self.seen, 1)

    def attach(self, engine: Engine, name: str) -> None:
        engine.add_event_handler(Events.EPOCH_STARTED, self.reset)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.update)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.complete, name)


def main() -> None:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    x_train, y_train = make_moons(1024, noise=0.1, generator=generator)
    x_val, y_val = make_moons(512, noise=0.1, generator=generator)
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=BATCH_SIZE, shuffle=True, generator=generator)
    val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=256)

    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    trainer = create_supervised_trainer(model, optimizer, nn.CrossEntropyLoss())
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy()})

    losses: list[float] = []
    history: list[tuple[int, float, float]] = []

    @trainer.on(Events.STARTED)
    def announce(engine: Engine) -> None:
        print(f"training on {len(x_train)} points, {len(train_loader)} iterations per epoch")

    @trainer.on(Events.EPOCH_STARTED)
    def clear_losses(engine: Engine) -> None:
        losses.clear()

    @trainer.on(Events.ITERATION_COMPLETED)
    def record_loss(engine: Engine) -> None:
        losses.append(float(engine.state.output))

    @trainer.on(Events.ITERATION_COMPLETED(every=16))
    def report_progress(engine: Engine) -> None:
        print(f"  iteration {engine.state.iteration:4d}  loss {engine.state.output:.4f}")

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        state = evaluator.run(val_loader)
        mean_loss = sum(losses) / len(losses)
        accuracy = float(state.metrics["accuracy"])
        history.append((engine.state.epoch, mean_loss, accuracy))
        print(f"epoch {engine.state.epoch:2d}  train loss {mean_loss:.4f}  val accuracy {accuracy:.3f}")

    def after_warmup(engine: Any, epoch: int) -> bool:
        return epoch >= 3

    @trainer.on(Events.EPOCH_COMPLETED(event_filter=after_warmup))
    def stop_when_good_enough(engine: Engine) -> None:
        if history[-1][2] >= TARGET_ACCURACY:
            print(f"validation accuracy reached {TARGET_ACCURACY}: stopping early")
            engine.terminate()

    @trainer.on(Events.EPOCH_COMPLETED(once=1))
    def first_epoch_done(engine: Engine) -> None:
        print("  (first epoch done: the handlers with `every`/`once`/`event_filter` filters fire as expected)")

    started = time.perf_counter()
    state = trainer.run(train_loader, max_epochs=EPOCHS)
    elapsed = time.perf_counter() - started

    best_epoch, _, best_accuracy = max(history, key=lambda row: row[2])
    print(
        f"summary: {state.epoch} epochs, {state.iteration} iterations in {elapsed:.1f}s; "
        f"final train loss {history[-1][1]:.4f}; best val accuracy {best_accuracy:.3f} (epoch {best_epoch})"
    )


if __name__ == "__main__":
    main()
