"""Throughput of ignite-metrics: samples/s of ``update`` on every batch plus one ``compute``, next to a raw-torch
floor (the same maths with no validation, no state bookkeeping) and torchmetrics when it is installed.

Prints JSON. Each case is the best of ``--repeats`` runs over ``--batches`` batches of ``--batch-size`` samples,
on CPU with one thread. ``ratio_to_floor`` is our time over the floor's (target: <= 1.5).

Anchors, in the same run: torchmetrics when importable (``uv run --with torchmetrics python bench/...``; it is not
a dependency of the project), and PyTorch-Ignite through ``--anchor-python PATH``: the interpreter of a separate venv
holding ``pytorch-ignite`` (plus scikit-learn, which its ROC_AUC/AveragePrecision need). That venv runs this script
with ``--only-ignite``, which measures the same constructors through the public ``ignite.metrics`` API. Ratios above
1 mean we are faster than the anchor.

Usage: ``uv run python bench/metrics_throughput.py [--batches N] [--batch-size B] [--repeats R]
[--anchor-python PATH]``
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib.util
import json
import platform
import subprocess
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from ignite.metrics import (
    PSNR,
    ROC_AUC,
    SSIM,
    Accuracy,
    AveragePrecision,
    ConfusionMatrix,
    Fbeta,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    Precision,
    Recall,
    TopKCategoricalAccuracy,
)

NUM_CLASSES = 10


def _best(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _run_metric(make: Callable[[], Any], batches: list[Any]) -> Callable[[], Any]:
    def run() -> Any:
        metric = make()
        for batch in batches:
            metric.update(batch)
        return metric.compute()

    return run


# --- raw-torch floors: the same quantity, computed directly -------------------------------------------------


def _floor_accuracy(batches: list[Any]) -> Any:
    correct = torch.zeros((), dtype=torch.int64)
    for y_pred, y in batches:
        correct += (y_pred.argmax(1) == y).sum()
    return correct.item() / (len(batches) * batches[0][1].shape[0])


def _per_class_counts(batches: list[Any]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    tp = torch.zeros(NUM_CLASSES, dtype=torch.int64)
    pred_pos = torch.zeros(NUM_CLASSES, dtype=torch.int64)
    true_pos = torch.zeros(NUM_CLASSES, dtype=torch.int64)
    for y_pred, y in batches:
        pred = y_pred.argmax(1)
        tp += torch.bincount(y[pred == y], minlength=NUM_CLASSES)
        pred_pos += torch.bincount(pred, minlength=NUM_CLASSES)
        true_pos += torch.bincount(y, minlength=NUM_CLASSES)
    return tp, pred_pos, true_pos


def _floor_precision(batches: list[Any]) -> Any:
    tp, pred_pos, _ = _per_class_counts(batches)
    return tp / pred_pos.clamp(min=1)


def _floor_fbeta(batches: list[Any]) -> Any:
    tp, pred_pos, true_pos = _per_class_counts(batches)
    p, r = tp / pred_pos.clamp(min=1), tp / true_pos.clamp(min=1)
    return (2 * p * r / (p + r + 1e-15)).mean().item()


def _floor_topk(batches: list[Any]) -> Any:
    correct = torch.zeros((), dtype=torch.int64)
    for y_pred, y in batches:
        correct += (y_pred.topk(5, dim=1).indices == y[:, None]).any(1).sum()
    return correct.item()


def _floor_cm(batches: list[Any]) -> Any:
    cm = torch.zeros(100 * 100, dtype=torch.int64)
    for y_pred, y in batches:
        cm += torch.bincount(y * 100 + y_pred.argmax(1), minlength=100 * 100)
    return cm.reshape(100, 100)


def _floor_loss(batches: list[Any]) -> Any:
    total = torch.zeros((), dtype=torch.float64)
    for y_pred, y in batches:
        total += F.cross_entropy(y_pred, y) * y.shape[0]
    return total.item()


def _floor_errors(power: int) -> Callable[[list[Any]], Any]:
    def floor(batches: list[Any]) -> Any:
        total = torch.zeros((), dtype=torch.float64)
        for y_pred, y in batches:
            d = y_pred - y
            total += (d.abs() if power == 1 else d * d).sum()
        return total.item()

    return floor


def _floor_epoch(name: str) -> Callable[[list[Any]], Any]:
    def floor(batches: list[Any]) -> Any:
        # Imported here so that --only-ignite also runs under PyTorch-Ignite, which has no ignite.metrics.functional.
        from ignite.metrics import functional

        fn = getattr(functional, name)
        return fn(torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches]))

    return floor


def _floor_psnr(batches: list[Any]) -> Any:
    total = torch.zeros((), dtype=torch.float64)
    for y_pred, y in batches:
        mse = (y_pred.double() - y.double()).pow(2).flatten(1).mean(1)
        total += (10 * torch.log10(1.0 / (mse + 1e-10))).sum()
    return total.item()


def _floor_ssim(batches: list[Any]) -> Any:
    from ignite.metrics.functional import ssim_per_sample

    total = torch.zeros((), dtype=torch.float64)
    for y_pred, y in batches:
        total += ssim_per_sample(y_pred, y, 1.0, (11, 11), (1.5, 1.5)).sum()
    return total.item()


def _data(n_batches: int, batch_size: int, seed: int = 0) -> dict[str, list[Any]]:
    g = torch.Generator().manual_seed(seed)
    logits = [
        (torch.randn(batch_size, NUM_CLASSES, generator=g), torch.randint(0, NUM_CLASSES, (batch_size,), generator=g))
        for _ in range(n_batches)
    ]
    cm = [
        (torch.randn(batch_size, 100, generator=g), torch.randint(0, 100, (batch_size,), generator=g))
        for _ in range(n_batches)
    ]
    regression = [
        (torch.randn(batch_size, generator=g), torch.randn(batch_size, generator=g)) for _ in range(n_batches)
    ]
    scores = [
        (torch.rand(batch_size, generator=g), torch.randint(0, 2, (batch_size,), generator=g)) for _ in range(n_batches)
    ]
    # Images: the batch size counts pixels-rows worth of work; 4 images of 1x32x32 per batch keep SSIM affordable.
    images = [(torch.rand(4, 1, 32, 32, generator=g), torch.rand(4, 1, 32, 32, generator=g)) for _ in range(n_batches)]
    return {"logits": logits, "cm": cm, "regression": regression, "scores": scores, "images": images}


def _f1_by_arithmetic() -> Any:
    p, r = Precision(average=False), Recall(average=False)
    return (p * r * 2 / (p + r + 1e-15)).mean()


class _TorchmetricsAdapter:
    """Gives a torchmetrics metric the ``update((y_pred, y))`` form of ours, so both run through ``_run_metric``."""

    def __init__(self, metric: Any, prepare: Callable[[Any, Any], tuple[Any, Any]] | None = None) -> None:
        self.metric, self.prepare = metric, prepare

    def update(self, batch: Any) -> None:
        y_pred, y = batch if self.prepare is None else self.prepare(*batch)
        self.metric.update(y_pred, y)

    def compute(self) -> Any:
        return self.metric.compute()


def _torchmetrics_factories() -> dict[str, Callable[[], Any]]:
    """The torchmetrics counterpart of each case, configured to compute the same quantity (None: it has none)."""
    import torchmetrics as tm
    from torchmetrics import classification as tc

    def wrap(
        make: Callable[[], Any], prepare: Callable[[Any, Any], tuple[Any, Any]] | None = None
    ) -> Callable[[], Any]:
        return lambda: _TorchmetricsAdapter(make(), prepare)

    n = NUM_CLASSES
    return {
        "Accuracy": wrap(lambda: tc.MulticlassAccuracy(n, average="micro")),
        "Precision(macro)": wrap(lambda: tc.MulticlassPrecision(n, average="macro")),
        "Precision(per-class)": wrap(lambda: tc.MulticlassPrecision(n, average=None)),
        "Recall(macro)": wrap(lambda: tc.MulticlassRecall(n, average="macro")),
        "Recall(per-class)": wrap(lambda: tc.MulticlassRecall(n, average=None)),
        "Fbeta(1)": wrap(lambda: tc.MulticlassF1Score(n, average="macro")),
        # torchmetrics has no metric arithmetic: its F1 metric is the closest equivalent.
        "F1 by arithmetic": wrap(lambda: tc.MulticlassF1Score(n, average="macro")),
        "TopKCategoricalAccuracy(5)": wrap(lambda: tc.MulticlassAccuracy(n, top_k=5, average="micro")),
        "ConfusionMatrix(100)": wrap(lambda: tc.MulticlassConfusionMatrix(100)),
        "MeanSquaredError": wrap(tm.MeanSquaredError),
        "MeanAbsoluteError": wrap(tm.MeanAbsoluteError),
        "ROC_AUC": wrap(tc.BinaryAUROC),
        "AveragePrecision": wrap(tc.BinaryAveragePrecision),
        # Per-image PSNR averaged over images, as ignite's PSNR does.
        "PSNR": wrap(lambda: tm.image.PeakSignalNoiseRatio(data_range=1.0, dim=(1, 2, 3))),
        "SSIM": wrap(lambda: tm.image.StructuralSimilarityIndexMeasure(data_range=1.0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--anchor-python", help="python of a venv with pytorch-ignite, measured in the same run")
    parser.add_argument("--only-ignite", action="store_true", help="measure only the ignite.metrics classes")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = _data(args.batches, args.batch_size)

    cases: list[tuple[str, str, Callable[[], Any], Callable[[list[Any]], Any]]] = [
        ("Accuracy", "logits", Accuracy, _floor_accuracy),
        ("Precision(macro)", "logits", lambda: Precision(average="macro"), _floor_precision),
        ("Precision(per-class)", "logits", Precision, _floor_precision),
        ("Recall(macro)", "logits", lambda: Recall(average="macro"), _floor_precision),
        ("Recall(per-class)", "logits", Recall, _floor_precision),
        ("Fbeta(1)", "logits", lambda: Fbeta(1.0), _floor_fbeta),
        ("F1 by arithmetic", "logits", _f1_by_arithmetic, _floor_fbeta),
        ("TopKCategoricalAccuracy(5)", "logits", TopKCategoricalAccuracy, _floor_topk),
        ("ConfusionMatrix(100)", "cm", lambda: ConfusionMatrix(100), _floor_cm),
        ("Loss(cross_entropy)", "logits", lambda: Loss(F.cross_entropy), _floor_loss),
        ("MeanSquaredError", "regression", MeanSquaredError, _floor_errors(2)),
        ("MeanAbsoluteError", "regression", MeanAbsoluteError, _floor_errors(1)),
        ("ROC_AUC", "scores", ROC_AUC, _floor_epoch("roc_auc")),
        ("AveragePrecision", "scores", AveragePrecision, _floor_epoch("average_precision")),
        ("PSNR", "images", lambda: PSNR(1.0), _floor_psnr),
        ("SSIM", "images", lambda: SSIM(1.0), _floor_ssim),
    ]
    if args.only_ignite:
        measured = {name: _best(_run_metric(make, data[kind]), args.repeats) for name, kind, make, _ in cases}
        print(
            json.dumps(
                {
                    name: round(sum(int(b[1].shape[0]) for b in data[kind]) / measured[name])
                    for name, kind, _, _ in cases
                }
            )
        )
        return
    has_torchmetrics = importlib.util.find_spec("torchmetrics") is not None
    torchmetrics = _torchmetrics_factories() if has_torchmetrics else {}
    anchor: dict[str, int] = {}
    if args.anchor_python:
        command = [args.anchor_python, __file__, "--only-ignite", "--batches", str(args.batches)]
        command += ["--batch-size", str(args.batch_size), "--repeats", str(args.repeats)]
        anchor = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    results = []
    for name, kind, make, floor in cases:
        batches = data[kind]
        samples = sum(int(b[1].shape[0]) for b in batches)
        ours = _best(_run_metric(make, batches), args.repeats)
        raw = _best(functools.partial(floor, batches), args.repeats)
        row: dict[str, Any] = {
            "metric": name,
            "samples": samples,
            "ignite_metrics_samples_per_s": round(samples / ours),
            "raw_torch_floor_samples_per_s": round(samples / raw),
            "ratio_to_floor": round(ours / raw, 3),
        }
        if name in torchmetrics:
            theirs = samples / _best(_run_metric(torchmetrics[name], batches), args.repeats)
            row["torchmetrics_samples_per_s"] = round(theirs)
            row["speedup_vs_torchmetrics"] = round(samples / ours / theirs, 3)
        if name in anchor:
            row["pytorch_ignite_samples_per_s"] = anchor[name]
            row["speedup_vs_pytorch_ignite"] = round(samples / ours / anchor[name], 3)
        results.append(row)
    report = {
        "benchmark": "metrics_throughput",
        "batches": args.batches,
        "batch_size": args.batch_size,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "torchmetrics": "measured" if has_torchmetrics else "not installed",
        "pytorch_ignite": "measured" if anchor else "not given (--anchor-python)",
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
