"""examples/demo.py end to end: accuracy, checkpoints, TensorBoard scalars read back, resume, and 2 processes."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # type: ignore[import-untyped]

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))
_examples = importlib.import_module("_examples")

ITERATIONS_PER_EPOCH = 35  # 1149 training digits, batches of 32, last partial batch dropped
QUICK_EPOCHS = 4


def _summary(folder: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((folder / "summary.json").read_text())
    return summary


def _scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    # A directory holds one event file per run; the accumulator reads them in order.
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    accumulator.Reload()
    return {tag: [(e.step, e.value) for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}


def _checkpoints(folder: Path, prefix: str) -> list[Path]:
    return sorted(folder.glob(f"{prefix}_*.pt"))


def test_quick_run_then_resume(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    stdout = _examples.run_example("demo.py", "--quick", "--output-dir", str(out), cwd=tmp_path)

    summary = _summary(out)
    assert summary["test_accuracy"] >= 0.95, stdout
    assert summary["start_epoch"] == 0
    assert summary["last_epoch"] == QUICK_EPOCHS
    assert summary["iterations"] == QUICK_EPOCHS * ITERATIONS_PER_EPOCH
    assert len(summary["test_f1_per_class"]) == 10
    matrix = torch.tensor(summary["test_confusion_matrix"])
    assert matrix.shape == (10, 10) and int(matrix.sum()) == 360
    assert int(matrix.trace()) == round(summary["test_accuracy"] * 360)
    assert f"test accuracy {summary['test_accuracy']:.4f}" in stdout
    assert str(out / "tb") in stdout

    [best] = _checkpoints(out, "best_model")
    [last] = _checkpoints(out, "last_checkpoint")
    assert str(best) == summary["best_checkpoint"] and str(last) == summary["last_checkpoint"]
    weights = torch.load(best, weights_only=True)
    assert {k for k in weights if k.endswith("weight")} == {"0.weight", "2.weight", "6.weight", "9.weight"}
    saved = torch.load(last, weights_only=True)
    assert {"trainer", "model", "optimizer", "lr_scheduler", "early_stopping", "best_model", "checkpointer"} <= set(
        saved
    )
    assert saved["trainer"]["iteration"] == QUICK_EPOCHS * ITERATIONS_PER_EPOCH

    scalars = _scalars(out / "tb")
    assert {"training/loss", "lr/group_0", "validation/accuracy", "validation/f1", "validation/loss"} <= set(scalars)
    accuracy = scalars["validation/accuracy"]
    assert [step for step, _ in accuracy] == list(range(1, QUICK_EPOCHS + 1))
    # The best checkpoint is named after the best validation accuracy that TensorBoard recorded.
    best_epoch, best_value = max(accuracy, key=lambda point: point[1])
    assert f"best_model_{best_epoch}_val_accuracy={best_value:.4f}.pt" == best.name
    learning_rates = [value for _, value in scalars["lr/group_0"]]
    assert max(learning_rates) == pytest.approx(0.1, rel=0.05) and learning_rates[0] < 0.02  # warm-up, then decay

    stdout = _examples.run_example(
        "demo.py", "--resume", "--epochs", str(QUICK_EPOCHS + 2), "--output-dir", str(out), cwd=tmp_path
    )
    assert f"resuming from {last} (epoch {QUICK_EPOCHS})" in stdout
    summary = _summary(out)
    assert summary["start_epoch"] == QUICK_EPOCHS
    assert summary["last_epoch"] == QUICK_EPOCHS + 2
    assert summary["iterations"] == (QUICK_EPOCHS + 2) * ITERATIONS_PER_EPOCH
    # Epochs 1-4 come from the first run's event file and 5-6 from the resumed one: no epoch was trained twice.
    steps = [step for step, _ in _scalars(out / "tb")["validation/accuracy"]]
    assert steps == list(range(1, QUICK_EPOCHS + 3))
    # The resumed handlers know the files of the first run: still one file of each kind.
    assert len(_checkpoints(out, "best_model")) == 1
    assert [p.name for p in _checkpoints(out, "last_checkpoint")] == [
        f"last_checkpoint_{(QUICK_EPOCHS + 2) * ITERATIONS_PER_EPOCH}.pt"
    ]

    # A new run (no --resume) in the same folder replaces the demo's files there, and only those.
    (out / "notes.txt").write_text("not the demo's")
    _examples.run_example("demo.py", "--epochs", "1", "--output-dir", str(out), cwd=tmp_path)
    assert _summary(out)["last_epoch"] == 1
    assert [p.name for p in _checkpoints(out, "last_checkpoint")] == [f"last_checkpoint_{ITERATIONS_PER_EPOCH}.pt"]
    assert [p.name for p in _checkpoints(out, "best_model")] == [Path(_summary(out)["best_checkpoint"]).name]
    assert [step for step, _ in _scalars(out / "tb")["validation/accuracy"]] == [1]
    assert (out / "notes.txt").read_text() == "not the demo's"


@pytest.mark.slow
def test_two_processes(tmp_path: Path) -> None:
    out = tmp_path / "demo2"
    stdout = _examples.run_example("demo.py", "--quick", "--nproc", "2", "--output-dir", str(out), cwd=tmp_path)
    summary = _summary(out)
    assert summary["world_size"] == 2
    assert summary["test_accuracy"] >= 0.9, stdout
    # Each process runs half of the iterations (half of the global batch size each): 1149 // 2 // 16 per epoch.
    assert summary["iterations"] == QUICK_EPOCHS * 35
    # Only rank 0 prints: the one-off lines appear once.
    assert stdout.count("test accuracy") == 1
    assert stdout.count("training on 1149 digits (2 process(es)") == 1
    assert len(_checkpoints(out, "best_model")) == 1 and len(_checkpoints(out, "last_checkpoint")) == 1
    assert [step for step, _ in _scalars(out / "tb")["validation/accuracy"]] == list(range(1, QUICK_EPOCHS + 1))
