"""WandBLogger: training loss, validation metrics and learning rate in a Weights & Biases run, here offline.

Needs ``pip install "ignite-contrib-loggers[wandb]"``. Offline mode needs no account: the run is written under
``DIR/wandb/offline-run-*`` and can be uploaded later with ``wandb sync``.

Run: ``uv run python examples/loggers/wandb_logger.py [--dir runs] [--epochs 3]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ignite.contrib.handlers.wandb_logger import WandBLogger, global_step_from_engine
from ignite.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer
from ignite.metrics import Accuracy, Loss


def setup(epochs: int) -> tuple[Engine, Engine, torch.optim.Optimizer, DataLoader[tuple[torch.Tensor, ...]]]:
    """A small classifier on generated data, a trainer, and an evaluator run on the validation set every epoch."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1024, 8, generator=generator)
    y = (x[:, 0] + x[:, 1] > 0).long()
    train_loader = DataLoader(TensorDataset(x[:768], y[:768]), batch_size=32, shuffle=True, generator=generator)
    val_loader = DataLoader(TensorDataset(x[768:], y[768:]), batch_size=128)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    trainer = create_supervised_trainer(model, optimizer, criterion)
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "loss": Loss(criterion)})
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda engine: evaluator.run(val_loader))
    return trainer, evaluator, optimizer, train_loader


def main() -> None:
    parser = argparse.ArgumentParser(description="Log a small training run with wandb.")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dir", default="runs", help="folder under which wandb writes the run")
    args = parser.parse_args()
    trainer, evaluator, optimizer, train_loader = setup(args.epochs)
    Path(args.dir).mkdir(parents=True, exist_ok=True)
    logger = WandBLogger(project="ignite-examples", mode="offline", dir=args.dir, config={"epochs": args.epochs})
    # The same three calls for every logger: training loss, validation metrics (at the trainer's epoch), the LR.
    logger.attach_output_handler(
        trainer, Events.ITERATION_COMPLETED(every=4), tag="training", output_transform=lambda loss: {"loss": loss}
    )
    logger.attach_output_handler(
        evaluator,
        Events.COMPLETED,
        tag="validation",
        metric_names=["accuracy", "loss"],
        # W&B drops values logged at a step lower than one it has seen: the validation metrics go at the trainer's
        # iteration, not at its epoch as with the other loggers.
        global_step_transform=global_step_from_engine(trainer, Events.ITERATION_COMPLETED),
    )
    logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED(every=4), optimizer)

    trainer.run(train_loader, max_epochs=args.epochs)
    logger.close()
    print(f"validation accuracy {evaluator.state.metrics['accuracy']:.4f}")
    print(f"logged to: {args.dir}/wandb")


if __name__ == "__main__":
    main()
