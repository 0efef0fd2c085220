"""MLflowLogger: training loss, validation metrics and learning rate in an MLflow run with a local sqlite store.

Needs ``pip install "ignite-contrib-loggers[mlflow]"``. Browse the run with ``mlflow ui --backend-store-uri URI``.

Run: ``uv run python examples/loggers/mlflow_logger.py [--tracking-uri sqlite:///runs/mlflow.db] [--epochs 3]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ignite.contrib.handlers.mlflow_logger import MLflowLogger, global_step_from_engine
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
    parser = argparse.ArgumentParser(description="Log a small training run with mlflow.")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--tracking-uri", default="sqlite:///runs/mlflow.db", help="where MLflow stores the run")
    args = parser.parse_args()
    trainer, evaluator, optimizer, train_loader = setup(args.epochs)
    if args.tracking_uri.startswith("sqlite:///"):
        Path(args.tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    logger = MLflowLogger(tracking_uri=args.tracking_uri)
    logger.log_params({"epochs": args.epochs, "lr": optimizer.param_groups[0]["lr"]})
    run_id = logger.active_run.info.run_id
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
    print(f"logged to: {args.tracking_uri} run {run_id}")


if __name__ == "__main__":
    main()
