"""NeptuneLogger: training loss, validation metrics and learning rate in a Neptune run, here in offline mode.

Needs ``pip install "ignite-contrib-loggers[neptune]"``. Offline mode needs no account: the run is kept under
``.neptune/offline/`` (or ``$NEPTUNE_DATA_DIRECTORY``) and can be uploaded later with ``neptune sync``. With an account,
pass ``api_token`` and ``project`` and leave the mode out.

Run: ``uv run python examples/loggers/neptune_logger.py [--epochs 3]``
"""

from __future__ import annotations

import argparse
import os

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ignite.contrib.handlers.neptune_logger import NeptuneLogger, global_step_from_engine
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
    parser = argparse.ArgumentParser(description="Log a small training run with neptune.")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    trainer, evaluator, optimizer, train_loader = setup(args.epochs)
    # Nothing but the logged values: no hardware monitoring threads, no captured console, no git information.
    logger = NeptuneLogger(
        mode="offline",
        capture_hardware_metrics=False,
        capture_stdout=False,
        capture_stderr=False,
        git_ref=False,
        source_files=[],
    )
    # The same three calls for every logger: training loss, validation metrics (at the trainer's epoch), the LR.
    logger.attach_output_handler(
        trainer, Events.ITERATION_COMPLETED(every=4), tag="training", output_transform=lambda loss: {"loss": loss}
    )
    logger.attach_output_handler(
        evaluator,
        Events.COMPLETED,
        tag="validation",
        metric_names=["accuracy", "loss"],
        global_step_transform=global_step_from_engine(trainer),
    )
    logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED(every=4), optimizer)

    trainer.run(train_loader, max_epochs=args.epochs)
    logger.close()
    print(f"validation accuracy {evaluator.state.metrics['accuracy']:.4f}")
    print(f"logged to: {os.environ.get('NEPTUNE_DATA_DIRECTORY', '.neptune')}/offline")


if __name__ == "__main__":
    main()
