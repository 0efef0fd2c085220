"""Throughput of the clustering metrics on ``--points`` points; prints JSON.

Each case feeds ``--points`` points of ``--dims`` features with ``--clusters`` labels, in batches of
``--batch-size``, through ``update`` and calls ``compute`` once; the figure is the best of ``--repeats`` runs on CPU
with one thread, in points/s. SilhouetteScore is quadratic in the points (all pairwise distances): ours computes them
in float64 blocks in torch, PyTorch-Ignite 0.5 hands the whole epoch to scikit-learn.

Anchors, in the same run: torchmetrics when importable (``uv run --with torchmetrics python bench/...``; it has
DaviesBouldinScore and CalinskiHarabaszScore, no silhouette), and PyTorch-Ignite through
``--anchor-python "$(tools/anchor)"``, which re-runs this script with ``--only-ignite`` in that venv. Ratios above 1
mean we are faster. The values of all implementations are reported too.

Usage: ``uv run python bench/metrics_clustering.py [--points N] [--dims D] [--clusters K] [--batch-size B]
[--repeats R] [--anchor-python PATH]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import subprocess
import time
from collections.abc import Callable
from typing import Any

import torch

CASES = ["SilhouetteScore", "DaviesBouldinScore", "CalinskiHarabaszScore"]


def _data(points: int, dims: int, clusters: int, batch_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(clusters, dims, generator=g) * 3
    labels = torch.randint(0, clusters, (points,), generator=g)
    features = centres[labels] + torch.randn(points, dims, generator=g)
    return [(features[i : i + batch_size], labels[i : i + batch_size]) for i in range(0, points, batch_size)]


def _best(make: Callable[[], Any], batches: list[Any], repeats: int) -> tuple[float, float]:
    best, value = float("inf"), float("nan")
    for _ in range(repeats):
        metric = make()
        start = time.perf_counter()
        for batch in batches:
            metric.update(batch)
        value = float(metric.compute())
        best = min(best, time.perf_counter() - start)
    return best, value


def _ignite_factories() -> dict[str, Callable[[], Any]]:
    from ignite.metrics.clustering import CalinskiHarabaszScore, DaviesBouldinScore, SilhouetteScore

    return {
        "SilhouetteScore": SilhouetteScore,
        "DaviesBouldinScore": DaviesBouldinScore,
        "CalinskiHarabaszScore": CalinskiHarabaszScore,
    }


class _TorchmetricsAdapter:
    """torchmetrics' clustering metrics take ``update(data, labels)``; ours take one ``(features, labels)`` pair."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric

    def update(self, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
        self.metric.update(*batch)

    def compute(self) -> Any:
        return self.metric.compute()


def _torchmetrics_factories() -> dict[str, Callable[[], Any]]:
    from torchmetrics import clustering

    return {
        "DaviesBouldinScore": lambda: _TorchmetricsAdapter(clustering.DaviesBouldinScore()),
        "CalinskiHarabaszScore": lambda: _TorchmetricsAdapter(clustering.CalinskiHarabaszScore()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--dims", type=int, default=16)
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--anchor-python", help="python of a venv with pytorch-ignite, measured in the same run")
    parser.add_argument("--only-ignite", action="store_true", help="measure only the ignite.metrics classes")
    args = parser.parse_args()
    torch.set_num_threads(1)
    batches = _data(args.points, args.dims, args.clusters, args.batch_size)
    ours = _ignite_factories()
    if args.only_ignite:
        print(json.dumps({name: _best(ours[name], batches, args.repeats) for name in CASES}))
        return
    anchor: dict[str, list[float]] = {}
    if args.anchor_python:
        command = [args.anchor_python, __file__, "--only-ignite", "--points", str(args.points), "--dims"]
        command += [str(args.dims), "--clusters", str(args.clusters), "--batch-size", str(args.batch_size)]
        command += ["--repeats", str(args.repeats)]
        anchor = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    torchmetrics = _torchmetrics_factories() if importlib.util.find_spec("torchmetrics") else {}
    results = []
    for name in CASES:
        seconds, value = _best(ours[name], batches, args.repeats)
        row: dict[str, Any] = {"metric": name, "points_per_s": round(args.points / seconds), "value": value}
        if name in torchmetrics:
            tm_seconds, tm_value = _best(torchmetrics[name], batches, args.repeats)
            row.update(speedup_vs_torchmetrics=round(tm_seconds / seconds, 3), torchmetrics_value=tm_value)
        if name in anchor:
            ig_seconds, ig_value = anchor[name]
            row.update(speedup_vs_pytorch_ignite=round(ig_seconds / seconds, 3), pytorch_ignite_value=ig_value)
        results.append(row)
    report = {
        "benchmark": "metrics_clustering",
        "points": args.points,
        "dims": args.dims,
        "clusters": args.clusters,
        "threads": 1,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "torchmetrics": "measured" if torchmetrics else "not installed",
        "pytorch_ignite": "measured" if anchor else "not measured (no --anchor-python)",
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
