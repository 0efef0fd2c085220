"""Supervised training in a few lines: ``create_supervised_trainer``, ``create_supervised_evaluator`` and metrics.

A small MLP learns to tell apart four Gaussian blobs drawn with a fixed seed (nothing is downloaded). After each
epoch the evaluator computes Accuracy and Loss on a validation set, and a handler prints them.

Run: ``uv run python examples/supervised_basics.py [--epochs 5]``
"""

from __future__ import annotations

import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ignite.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer
from ignite.metrics import Accuracy, Loss


def blobs(n: int, generator: torch.Generator) -> TensorDataset:
    """Four classes, each a Gaussian cloud around one corner of a square."""
    centers = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [-2.0, -2.0], [2.0, -2.0]])
    labels = torch.randint(0, 4, (n,), generator=generator)
    points = centers[labels] + torch.randn(n, 2, generator=generator)
    return TensorDataset(points, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description="Supervised training with create_supervised_trainer.")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()

    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    train_loader = DataLoader(blobs(2000, generator), batch_size=64, shuffle=True, generator=generator)
    val_loader = DataLoader(blobs(500, generator), batch_size=250)

    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 4))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()

    trainer = create_supervised_trainer(model, optimizer, criterion)
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "loss": Loss(criterion)})

    @trainer.on(Events.ITERATION_COMPLETED(every=10))
    def log_training_loss(engine: Engine) -> None:
        print(f"epoch {engine.state.epoch} iteration {engine.state.iteration}: loss {engine.state.output:.4f}")

    @trainer.on(Events.EPOCH_COMPLETED)
    def log_validation(engine: Engine) -> None:
        metrics = evaluator.run(val_loader).metrics
        accuracy, loss = metrics["accuracy"], metrics["loss"]
        print(f"validation after epoch {engine.state.epoch}: accuracy {accuracy:.4f} loss {loss:.4f}")

    trainer.run(train_loader, max_epochs=args.epochs)
    print(f"final validation accuracy: {evaluator.state.metrics['accuracy']:.4f}")


if __name__ == "__main__":
    main()
