"""Time of ignite-metrics' detection and mean-average-precision metrics: every ``update`` plus one ``compute``.

Prints JSON. Cases, each the best of ``--repeats`` runs on one CPU thread:

- ``CommonObjectDetectionMetrics`` (the 12 COCO numbers) on ``--images`` generated images (80 classes, ~7 ground
  truths and ~20 detections per image, some crowd), fed ``--images-per-batch`` at a time; against torchmetrics'
  ``MeanAveragePrecision(iou_type="bbox")`` (which also returns the 12 COCO numbers) with the "faster_coco_eval"
  backend when it is installed, else "pycocotools";
- ``ObjectDetectionAvgPrecisionRecall`` alone on the same images;
- ``MeanAveragePrecision`` (macro) on a stream of multiclass score batches, against torchmetrics'
  ``MulticlassAveragePrecision(average="macro")``.

Anchors in the same run: torchmetrics when importable (``uv run --with torchmetrics --with faster-coco-eval python
bench/metrics_detection.py``), PyTorch-Ignite 0.5.5 through ``--anchor-python "$(tools/anchor)"`` (it re-runs this
script there with ``--only-ignite``; Ignite's detection metrics need torchvision, and are reported as unavailable
when that venv lacks it). Ratios above 1 mean we are faster.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import platform
import subprocess
import time
from collections.abc import Callable
from typing import Any

import torch

NUM_CLASSES = 80
MAP_CLASSES = 10


def _best(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _run(make: Callable[[], Any], batches: list[Any]) -> Callable[[], Any]:
    def run() -> Any:
        metric = make()
        for batch in batches:
            metric.update(batch)
        return metric.compute()

    return run


def _images(n: int, seed: int = 0) -> tuple[list[dict[str, torch.Tensor]], list[dict[str, torch.Tensor]]]:
    g = torch.Generator().manual_seed(seed)
    preds, targets = [], []
    for _ in range(n):
        m = int(torch.randint(1, 14, (1,), generator=g))
        corner = torch.rand(m, 2, generator=g) * 500
        gt = torch.cat([corner, corner + torch.rand(m, 2, generator=g) * 200 + 4], 1)
        labels = torch.randint(0, NUM_CLASSES, (m,), generator=g)
        crowd = torch.rand(m, generator=g) < 0.05
        k = int(torch.randint(m, 3 * m + 1, (1,), generator=g))
        source = torch.randint(0, m, (k,), generator=g)
        boxes = gt[source] + torch.randn(k, 4, generator=g) * 10
        boxes = torch.cat([boxes[:, :2], torch.maximum(boxes[:, 2:], boxes[:, :2] + 1)], 1)
        wrong = torch.rand(k, generator=g) < 0.2
        det_labels = torch.where(wrong, torch.randint(0, NUM_CLASSES, (k,), generator=g), labels[source])
        preds.append({"bbox": boxes, "scores": torch.rand(k, generator=g), "labels": det_labels})
        targets.append({"bbox": gt, "labels": labels, "iscrowd": crowd})
    return preds, targets


def _detection_batches(images: int, per_batch: int) -> list[Any]:
    preds, targets = _images(images)
    return [(preds[i : i + per_batch], targets[i : i + per_batch]) for i in range(0, images, per_batch)]


def _score_batches(batches: int, batch_size: int) -> list[Any]:
    g = torch.Generator().manual_seed(1)
    return [
        (torch.rand(batch_size, MAP_CLASSES, generator=g), torch.randint(0, MAP_CLASSES, (batch_size,), generator=g))
        for _ in range(batches)
    ]


class _Adapter:
    """Gives a torchmetrics metric our ``update((y_pred, y))`` form."""

    def __init__(self, metric: Any, prepare: Callable[[Any], tuple[Any, Any]] | None = None) -> None:
        self.metric, self.prepare = metric, prepare

    def update(self, batch: Any) -> None:
        self.metric.update(*(self.prepare(batch) if self.prepare else batch))

    def compute(self) -> Any:
        return self.metric.compute()


def _to_torchmetrics(batch: Any) -> tuple[Any, Any]:
    preds, targets = batch
    return (
        [{"boxes": p["bbox"], "scores": p["scores"], "labels": p["labels"]} for p in preds],
        [{"boxes": t["bbox"], "labels": t["labels"], "iscrowd": t["iscrowd"].long()} for t in targets],
    )


def _torchmetrics_cases() -> tuple[dict[str, Callable[[], Any]], str]:
    from torchmetrics.classification import MulticlassAveragePrecision
    from torchmetrics.detection import MeanAveragePrecision as DetectionMAP

    backend = "faster_coco_eval" if importlib.util.find_spec("faster_coco_eval") else "pycocotools"
    cases: dict[str, Callable[[], Any]] = {
        "MeanAveragePrecision(macro)": lambda: _Adapter(MulticlassAveragePrecision(MAP_CLASSES, average="macro")),
    }
    if importlib.util.find_spec(backend):
        cases["CommonObjectDetectionMetrics"] = lambda: _Adapter(
            DetectionMAP(iou_type="bbox", backend=backend), _to_torchmetrics
        )
    else:
        backend = "none installed"
    return cases, backend


def _ignite_cases() -> dict[str, tuple[str, Callable[[], Any]]]:
    from ignite.metrics.mean_average_precision import MeanAveragePrecision

    cases: dict[str, tuple[str, Callable[[], Any]]] = {"MeanAveragePrecision(macro)": ("scores", MeanAveragePrecision)}
    try:
        from ignite.metrics.vision.object_detection_average_precision_recall import (
            CommonObjectDetectionMetrics,
            ObjectDetectionAvgPrecisionRecall,
        )

        ObjectDetectionAvgPrecisionRecall()  # PyTorch-Ignite's raises here without torchvision
    except (ImportError, ModuleNotFoundError):
        return cases
    cases["CommonObjectDetectionMetrics"] = ("detections", CommonObjectDetectionMetrics)
    cases["ObjectDetectionAvgPrecisionRecall"] = ("detections", ObjectDetectionAvgPrecisionRecall)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--images-per-batch", type=int, default=16)
    parser.add_argument("--score-batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--anchor-python", help="python of a venv with pytorch-ignite, measured in the same run")
    parser.add_argument("--only-ignite", action="store_true", help="measure only the ignite.metrics classes")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = {
        "detections": _detection_batches(args.images, args.images_per_batch),
        "scores": _score_batches(args.score_batches, args.batch_size),
    }
    cases = _ignite_cases()
    if args.only_ignite:
        print(json.dumps({name: _best(_run(make, data[kind]), args.repeats) for name, (kind, make) in cases.items()}))
        return
    torchmetrics: dict[str, Callable[[], Any]] = {}
    backend = "torchmetrics not installed"
    if importlib.util.find_spec("torchmetrics"):
        torchmetrics, backend = _torchmetrics_cases()
    anchor: dict[str, float] = {}
    if args.anchor_python:
        command = [args.anchor_python, __file__, "--only-ignite", "--repeats", str(args.repeats)]
        command += ["--images", str(args.images), "--images-per-batch", str(args.images_per_batch)]
        command += ["--score-batches", str(args.score_batches), "--batch-size", str(args.batch_size)]
        anchor = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    results = []
    for name, (kind, make) in cases.items():
        seconds = _best(_run(make, data[kind]), args.repeats)
        row: dict[str, Any] = {"metric": name, "input": kind, "ignite_metrics_s": round(seconds, 4)}
        if name in torchmetrics:
            theirs = _best(_run(torchmetrics[name], data[kind]), args.repeats)
            row["torchmetrics_s"] = round(theirs, 4)
            row["speedup_vs_torchmetrics"] = round(theirs / seconds, 3)
        if name in anchor:
            row["pytorch_ignite_s"] = round(anchor[name], 4)
            row["speedup_vs_pytorch_ignite"] = round(anchor[name] / seconds, 3)
        elif args.anchor_python:
            row["pytorch_ignite"] = "unavailable (its detection metrics need torchvision)"
        results.append(row)
    report = {
        "benchmark": "metrics_detection",
        "images": args.images,
        "images_per_batch": args.images_per_batch,
        "score_batches": f"{args.score_batches} x {args.batch_size} x {MAP_CLASSES} classes",
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "torchmetrics_detection_backend": backend,
        "pytorch_ignite": "measured" if anchor else "not given (--anchor-python)",
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
