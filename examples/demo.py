"""Train a small CNN on scikit-learn's handwritten digits with the whole Ignite stack, in well under a minute on a CPU.

The 8x8 digit images ship inside scikit-learn, so nothing is downloaded. The script shows:

- an ``Engine`` with a hand-written training step, and ``create_supervised_evaluator`` with Accuracy, Precision,
  Recall, an F1 score composed by arithmetic (``P * R * 2 / (P + R)``), a ConfusionMatrix and the loss;
- validation every epoch, ``ModelCheckpoint`` of the best model by validation accuracy, a ``Checkpoint`` of the
  trainer, model, optimizer, LR scheduler and early stopping after each epoch (for ``--resume``), ``EarlyStopping``,
  a ``PiecewiseLinear`` LR schedule, a tqdm ``ProgressBar`` with the running loss, and a ``TensorboardLogger``;
- the same code on several processes (``--nproc 2``: ``idist.Parallel`` with the gloo backend, ``auto_dataloader``,
  ``auto_model``, ``auto_optim``), where only rank 0 prints and saves.

Run it with ``tools/demo`` (or ``uv run python examples/demo.py``). Options: ``--epochs N``, ``--quick`` (a few
epochs, for tests), ``--nproc 2``, ``--output-dir DIR`` (default ``runs/demo``) and ``--resume`` (continue from the
last checkpoint in the output folder, up to ``--epochs``; the LR schedule saved with it is kept, so epochs past its
end run at its final LR). A run without ``--resume`` first removes the demo's own files from the output folder. The
run ends with a summary, also written to ``DIR/summary.json``; ``tensorboard --logdir DIR/tb`` shows the curves.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from sklearn.datasets import load_digits  # type: ignore[import-untyped]
from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
from torch import nn
from torch.utils.data import TensorDataset
from torch.utils.data.distributed import DistributedSampler

import ignite.distributed as idist
from ignite.contrib.handlers import ProgressBar, TensorboardLogger
from ignite.engine import Engine, Events, create_supervised_evaluator
from ignite.handlers import (
    Checkpoint,
    DiskSaver,
    EarlyStopping,
    ModelCheckpoint,
    PiecewiseLinear,
    global_step_from_engine,
)
from ignite.metrics import Accuracy, ConfusionMatrix, Loss, Precision, Recall, RunningAverage
from ignite.utils import manual_seed

__all__ = ["Config", "main", "training"]

NUM_CLASSES = 10
QUICK_EPOCHS = 4
VALIDATION_METRICS = ["accuracy", "precision", "recall", "f1", "loss"]


@dataclass(frozen=True)
class Config:
    output_dir: str
    epochs: int
    batch_size: int = 32
    peak_lr: float = 0.1
    final_lr: float = 0.002
    patience: int = 5
    seed: int = 12


def parse_args(argv: list[str] | None = None) -> tuple[Config, int, bool]:
    parser = argparse.ArgumentParser(description="Train a small CNN on scikit-learn's digits with Ignite.")
    parser.add_argument("--epochs", type=int, default=None, help="number of epochs (default 20, 4 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a few epochs only (for tests)")
    parser.add_argument("--nproc", type=int, default=1, help="processes to spawn (gloo backend when more than 1)")
    parser.add_argument("--output-dir", default="runs/demo", help="checkpoints, TensorBoard logs and summary.json")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --output-dir")
    args = parser.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (QUICK_EPOCHS if args.quick else 20)
    if epochs < 1:
        parser.error(f"--epochs should be a positive integer, got {epochs}")
    if args.nproc < 1:
        parser.error(f"--nproc should be a positive integer, got {args.nproc}")
    return Config(output_dir=args.output_dir, epochs=epochs), args.nproc, args.resume


def say(message: str) -> None:
    # Every process runs the same script: only the first one talks.
    if idist.get_rank() == 0:
        print(message, flush=True)


def make_datasets(seed: int) -> tuple[TensorDataset, TensorDataset, TensorDataset]:
    """A fixed, stratified 64/16/20 train/validation/test split of the 1797 digits, scaled to [0, 1]."""
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    labels = torch.tensor(digits.target, dtype=torch.long)
    indices = torch.arange(len(labels)).numpy()
    rest, test = train_test_split(indices, test_size=0.2, stratify=labels.numpy(), random_state=seed)
    train, val = train_test_split(rest, test_size=0.2, stratify=labels.numpy()[rest], random_state=seed)
    return tuple(TensorDataset(images[idx], labels[idx]) for idx in (train, val, test))  # type: ignore[return-value]


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 8x8 -> 4x4
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(64, NUM_CLASSES),
    )


def make_metrics(criterion: nn.Module) -> dict[str, Any]:
    # average=False keeps one value per class, so that F1 can be built per class and then averaged.
    precision = Precision(average=False)
    recall = Recall(average=False)
    # The tiny term only keeps 0 / 0 out for a class that is never predicted (early in training).
    f1_per_class = precision * recall * 2 / (precision + recall + 1e-20)
    return {
        "accuracy": Accuracy(),
        "precision": precision.mean(),
        "recall": recall.mean(),
        "f1": f1_per_class.mean(),
        "f1_per_class": f1_per_class,
        "confusion_matrix": ConfusionMatrix(num_classes=NUM_CLASSES),
        "loss": Loss(criterion),
    }


def last_checkpoint(folder: Path) -> Path | None:
    candidates = list(folder.glob("last_checkpoint_*.pt"))
    if not candidates:
        return None
    return max(candidates, key=lambda path: int(path.stem.rsplit("_", 1)[1]))


def clear_previous_run(folder: Path) -> None:
    """Remove what an earlier run of the demo left in ``folder`` (only those files), so that a new run starts clean."""
    stale = [*folder.glob("best_model_*.pt"), *folder.glob("last_checkpoint_*.pt"), folder / "summary.json"]
    for path in stale:
        path.unlink(missing_ok=True)
    if (folder / "tb").is_dir():
        for event_file in (folder / "tb").glob("events.out.tfevents.*"):
            event_file.unlink()


def training(local_rank: int, config: Config, resume: bool) -> None:
    """Everything one process does; ``idist.Parallel`` calls it once per process."""
    rank = idist.get_rank()
    manual_seed(config.seed)
    torch.set_num_threads(1)
    output = Path(config.output_dir)
    device = idist.device()
    if not resume and rank == 0:
        clear_previous_run(output)

    train_set, val_set, test_set = make_datasets(config.seed)
    # Global batch size: with 2 processes each one gets half of it, so the result stays comparable.
    train_loader = idist.auto_dataloader(train_set, batch_size=config.batch_size, shuffle=True, drop_last=True)
    val_loader = idist.auto_dataloader(val_set, batch_size=256, shuffle=False)
    test_loader = idist.auto_dataloader(test_set, batch_size=256, shuffle=False)

    model = idist.auto_model(make_model())
    optimizer = idist.auto_optim(torch.optim.SGD(model.parameters(), lr=config.peak_lr, momentum=0.9, nesterov=True))
    criterion = nn.CrossEntropyLoss()

    def train_step(engine: Engine, batch: tuple[torch.Tensor, torch.Tensor]) -> float:
        model.train()
        x, y = (t.to(device) for t in batch)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return float(loss.item())

    trainer = Engine(train_step)
    evaluator = create_supervised_evaluator(model, metrics=make_metrics(criterion), device=device)
    # A second evaluator for the test set, so that the validation handlers (checkpoint, early stopping, logging) never
    # see test scores.
    test_evaluator = create_supervised_evaluator(model, metrics=make_metrics(criterion), device=device)

    RunningAverage(output_transform=lambda loss: loss).attach(trainer, "loss")
    if rank == 0:
        # Attached before the validation handler, so that the bar is closed when the epoch's results are printed.
        ProgressBar(persist=False).attach(trainer, metric_names=["loss"])

    @trainer.on(Events.EPOCH_STARTED)
    def reshuffle(engine: Engine) -> None:
        # A DistributedSampler draws the same order every epoch unless it is told the epoch.
        if isinstance(train_loader.sampler, DistributedSampler):
            train_loader.sampler.set_epoch(engine.state.epoch - 1)

    iterations = config.epochs * len(train_loader)
    warmup = len(train_loader)
    milestones = [(0, config.final_lr), (warmup, config.peak_lr), (iterations, config.final_lr)]
    lr_scheduler = PiecewiseLinear(optimizer, "lr", milestones_values=milestones)
    trainer.add_event_handler(Events.ITERATION_STARTED, lr_scheduler)

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        metrics = evaluator.run(val_loader).metrics
        say(
            f"epoch {engine.state.epoch:2d}  val accuracy {metrics['accuracy']:.4f}  f1 {metrics['f1']:.4f}  "
            f"loss {metrics['loss']:.4f}"
        )

    def val_accuracy(engine: Engine) -> float:
        return float(engine.state.metrics["accuracy"])

    early_stopping = EarlyStopping(patience=config.patience, score_function=val_accuracy, trainer=trainer)
    evaluator.add_event_handler(Events.COMPLETED, early_stopping)
    # Every process calls the checkpoint handlers (the state is the same everywhere); only rank 0 writes.
    best_model = ModelCheckpoint(
        output,
        filename_prefix="best",
        score_function=val_accuracy,
        score_name="val_accuracy",
        n_saved=1,
        require_empty=False,
        global_step_transform=global_step_from_engine(trainer),
    )
    evaluator.add_event_handler(Events.COMPLETED, best_model, {"model": model})
    to_save = {
        "trainer": trainer,
        "model": model,
        "optimizer": optimizer,
        "lr_scheduler": lr_scheduler,
        "early_stopping": early_stopping,
        "best_model": best_model,
    }
    # include_self: the handler's own list of files goes into the checkpoint, so that a resumed run deletes them.
    saver = DiskSaver(output, require_empty=False)
    last = Checkpoint(to_save, saver, filename_prefix="last", n_saved=1, include_self=True)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, last)

    tb_logger: TensorboardLogger | None = None
    if rank == 0:
        tb_logger = TensorboardLogger(log_dir=str(output / "tb"))
        tb_logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED(every=5), tag="training", output_transform=lambda loss: {"loss": loss}
        )
        tb_logger.attach_output_handler(
            evaluator,
            Events.COMPLETED,
            tag="validation",
            metric_names=VALIDATION_METRICS,
            global_step_transform=global_step_from_engine(trainer, Events.EPOCH_COMPLETED),
        )
        tb_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED(every=5), optimizer)

    start_epoch = 0
    if resume:
        path = last_checkpoint(output)
        if path is None:
            raise FileNotFoundError(f"--resume: no last_checkpoint_*.pt in {output}")
        Checkpoint.load_objects(to_load={**to_save, "checkpointer": last}, checkpoint=path)
        start_epoch = trainer.state.epoch
        if config.epochs <= start_epoch:
            raise ValueError(f"--epochs should be greater than the epoch of the checkpoint ({start_epoch}) to resume")
        # The saved run may have completed its own max_epochs: raising it makes `run` continue instead of restart.
        trainer.state.max_epochs = config.epochs
        say(f"resuming from {path} (epoch {start_epoch})")

    say(
        f"training on {len(train_set)} digits ({idist.get_world_size()} process(es), {len(train_loader)} iterations "
        f"per epoch), validating on {len(val_set)}, testing on {len(test_set)}"
    )
    started = time.perf_counter()
    trainer.run(train_loader, max_epochs=config.epochs)
    elapsed = time.perf_counter() - started
    if tb_logger is not None:
        tb_logger.close()

    # The held-out test set is scored once, with the best model by validation accuracy; rank 0 writes that file, so
    # the other processes wait until it is there.
    idist.barrier()
    best_path = best_model.last_checkpoint
    if best_path is None:
        raise RuntimeError("no best checkpoint was written")
    Checkpoint.load_objects(to_load={"model": model}, checkpoint=best_path)
    test_metrics = test_evaluator.run(test_loader).metrics
    summary = {
        "test_accuracy": float(test_metrics["accuracy"]),
        "test_f1": float(test_metrics["f1"]),
        "test_f1_per_class": [round(float(v), 4) for v in test_metrics["f1_per_class"]],
        "test_confusion_matrix": test_metrics["confusion_matrix"].long().tolist(),
        "start_epoch": start_epoch,
        "last_epoch": trainer.state.epoch,
        "iterations": trainer.state.iteration,
        "world_size": idist.get_world_size(),
        "seconds": round(elapsed, 2),
        "best_checkpoint": str(best_path),
        "last_checkpoint": str(last.last_checkpoint),
        "tensorboard_dir": str(output / "tb"),
        "config": asdict(config),
    }
    if rank == 0:
        print_summary(summary)
        (output / "summary.json").write_text(json.dumps(summary, indent=2))


def print_summary(summary: dict[str, Any]) -> None:
    print(f"\ntrained epochs {summary['start_epoch'] + 1}..{summary['last_epoch']} in {summary['seconds']:.1f}s")
    print(f"test accuracy {summary['test_accuracy']:.4f}, macro F1 {summary['test_f1']:.4f}")
    print("per-class F1:  " + "  ".join(f"{k}:{v:.3f}" for k, v in enumerate(summary["test_f1_per_class"])))
    print("confusion matrix (rows: true digit, columns: predicted):")
    for digit, row in enumerate(summary["test_confusion_matrix"]):
        print(f"  {digit}: " + " ".join(f"{count:3d}" for count in row))
    print(f"best model checkpoint: {summary['best_checkpoint']}")
    print(f"last checkpoint (for --resume): {summary['last_checkpoint']}")
    print(f"TensorBoard logs: {summary['tensorboard_dir']}  (tensorboard --logdir {summary['tensorboard_dir']})")


def main(argv: list[str] | None = None) -> None:
    config, nproc, resume = parse_args(argv)
    backend = "gloo" if nproc > 1 else None
    with idist.Parallel(backend=backend, nproc_per_node=nproc if nproc > 1 else None) as parallel:
        parallel.run(training, config, resume)


if __name__ == "__main__":
    main()
