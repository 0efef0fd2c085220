"""Throughput of the GAN metrics (FID, InceptionScore) with small custom feature extractors; prints JSON.

Each case feeds ``--samples`` samples of 64 inputs in batches of ``--batch-size`` through ``update`` and calls
``compute`` once; the figure is the best of at least ``--repeats`` runs (and of 2 s of runs) on CPU with one thread,
as samples/s (for FID a sample is one generated plus one real input). ``compute_ms`` is the time of ``compute``
alone in the best run.

- ``FID(64->128)``, ``FID(64->512)``: a fixed ``Linear(64, D)`` extractor. Ours accumulates in float64 with one
  matrix product per batch and takes the trace of the matrix square root from symmetric eigen-decompositions.
- ``InceptionScore(64->10)``: ``Linear(64, 10)`` + softmax.

Anchors, in the same run: torchmetrics when importable (``uv run --with torchmetrics python bench/metrics_gan.py``;
its FrechetInceptionDistance and InceptionScore take the same extractor module, InceptionScore with ``splits=1``),
and PyTorch-Ignite through ``--anchor-python "$(tools/anchor)"``, which re-runs this script with ``--only-ignite``
in that venv. Ratios above 1 mean we are faster. The values of all implementations are reported too.

Usage: ``uv run python bench/metrics_gan.py [--samples N] [--batch-size B] [--repeats R] [--anchor-python PATH]``
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import platform
import subprocess
import time
import warnings
from collections.abc import Callable
from typing import Any

import torch

from ignite.metrics.gan import FID, InceptionScore

IN_FEATURES = 64
_MIN_SECONDS = 2.0


class _Extractor(torch.nn.Sequential):
    """A fixed random linear map (optionally followed by a softmax); ``num_features`` is read by torchmetrics."""

    def __init__(self, out_features: int, softmax: bool) -> None:
        torch.manual_seed(out_features)
        layers: list[torch.nn.Module] = [torch.nn.Linear(IN_FEATURES, out_features)]
        if softmax:
            layers.append(torch.nn.Softmax(dim=1))
        super().__init__(*layers)
        self.num_features = out_features
        self.requires_grad_(False)


CASES: list[tuple[str, str, int]] = [("FID(64->128)", "fid", 128), ("FID(64->512)", "fid", 512)]
CASES += [("InceptionScore(64->10)", "is", 10)]


def _data(samples: int, batch_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    mixing = torch.randn(IN_FEATURES, IN_FEATURES, generator=g) / IN_FEATURES**0.5
    return [
        (
            torch.randn(batch_size, IN_FEATURES, generator=g) + 0.2,
            torch.randn(batch_size, IN_FEATURES, generator=g) @ mixing,
        )
        for _ in range(samples // batch_size)
    ]


def _time(
    make: Callable[[], Any], feed: Callable[[Any, Any], None], batches: list[Any], repeats: int
) -> dict[str, Any]:
    best, best_compute, value = float("inf"), float("inf"), None
    # At least `repeats` runs and at least _MIN_SECONDS of them, so that a fast case is not judged on a few
    # milliseconds of a busy machine. The collector runs once before, not between runs: a full collection of the
    # heap of torch (and torchmetrics) costs more than a whole run of a fast case.
    gc.collect()
    gc.disable()
    try:
        runs, deadline = 0, time.perf_counter() + _MIN_SECONDS
        while runs < repeats or (time.perf_counter() < deadline and runs < 1000):
            runs += 1
            start = time.perf_counter()
            metric = make()
            for batch in batches:
                feed(metric, batch)
            before_compute = time.perf_counter()
            value = metric.compute()
            end = time.perf_counter()
            if end - start < best:
                best, best_compute = end - start, end - before_compute
    finally:
        gc.enable()
    value = float(value.item() if isinstance(value, torch.Tensor) else value)  # type: ignore[arg-type]
    return {"seconds": best, "compute_ms": round(best_compute * 1e3, 2), "value": value}


def _ignite_case(kind: str, width: int) -> tuple[Callable[[], Any], Callable[[Any, Any], None]]:
    if kind == "fid":
        return lambda: FID(num_features=width, feature_extractor=_Extractor(width, False)), _feed_pair
    return lambda: InceptionScore(num_features=width, feature_extractor=_Extractor(width, True)), _feed_fake


def _feed_pair(metric: Any, batch: Any) -> None:
    metric.update(batch)


def _feed_fake(metric: Any, batch: Any) -> None:
    metric.update(batch[0])


def _torchmetrics_case(kind: str, width: int) -> tuple[Callable[[], Any], Callable[[Any, Any], None]]:
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.inception import InceptionScore as TMInceptionScore

    if kind == "fid":

        def feed_fid(metric: Any, batch: Any) -> None:
            metric.update(batch[0], real=False)
            metric.update(batch[1], real=True)

        return lambda: FrechetInceptionDistance(feature=_Extractor(width, False)), feed_fid

    def feed_is(metric: Any, batch: Any) -> None:
        metric.update(batch[0])

    # torchmetrics applies the softmax itself: its extractor returns the logits.
    return lambda: _MeanOnly(TMInceptionScore(feature=_Extractor(width, False), splits=1)), feed_is


class _MeanOnly:
    """torchmetrics' InceptionScore returns (mean, std) over splits: keep the mean, the quantity Ignite returns."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric

    def update(self, x: Any) -> None:
        self.metric.update(x)

    def compute(self) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the std of a single split is undefined, and torch says so
            return self.metric.compute()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--anchor-python", help="python of a venv with pytorch-ignite, measured in the same run")
    parser.add_argument("--only-ignite", action="store_true", help="measure only the ignite.metrics.gan classes")
    args = parser.parse_args()
    torch.set_num_threads(1)
    batches = _data(args.samples, args.batch_size)
    samples = len(batches) * args.batch_size

    if args.only_ignite:
        print(json.dumps({name: _time(*_ignite_case(kind, w), batches, args.repeats) for name, kind, w in CASES}))
        return
    has_torchmetrics = importlib.util.find_spec("torchmetrics") is not None
    anchor: dict[str, Any] = {}
    if args.anchor_python:
        command = [args.anchor_python, __file__, "--only-ignite", "--samples", str(args.samples)]
        command += ["--batch-size", str(args.batch_size), "--repeats", str(args.repeats)]
        anchor = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    results = []
    for name, kind, width in CASES:
        ours = _time(*_ignite_case(kind, width), batches, args.repeats)
        row: dict[str, Any] = {
            "metric": name,
            "samples": samples,
            "ignite_metrics_samples_per_s": round(samples / ours["seconds"]),
            "ignite_metrics_compute_ms": ours["compute_ms"],
            "ignite_metrics_value": ours["value"],
        }
        if has_torchmetrics:
            theirs = _time(*_torchmetrics_case(kind, width), batches, args.repeats)
            row["torchmetrics_samples_per_s"] = round(samples / theirs["seconds"])
            row["torchmetrics_compute_ms"] = theirs["compute_ms"]
            row["torchmetrics_value"] = theirs["value"]
            row["speedup_vs_torchmetrics"] = round(theirs["seconds"] / ours["seconds"], 3)
        if name in anchor:
            row["pytorch_ignite_samples_per_s"] = round(samples / anchor[name]["seconds"])
            row["pytorch_ignite_compute_ms"] = anchor[name]["compute_ms"]
            row["pytorch_ignite_value"] = anchor[name]["value"]
            row["speedup_vs_pytorch_ignite"] = round(anchor[name]["seconds"] / ours["seconds"], 3)
        results.append(row)
    report = {
        "benchmark": "metrics_gan",
        "samples": samples,
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
