"""Cost of a metric's distributed ``compute()`` on 2 gloo ranks; prints one JSON object.

- ``accuracy_compute``: microseconds per ``Accuracy.compute()`` (after one small ``update`` each time, so that the
  synced copy is never cached) next to a bare ``dist.all_reduce`` of a tensor holding the same state (two int64
  counters). Target: ratio <= 1.3.
- ``attached_sync``: microseconds spent in the ``EPOCH_COMPLETED`` handlers of an evaluator engine with 10 attached
  metrics next to the same engine with 1 (the metrics' states are synced in one coalesced collective per reduction
  and dtype family). Measured between two timing handlers registered around the metrics. Target: ratio <= 2.

Every figure is the median over interleaved blocks measured in the same two processes.

Usage: ``uv run python bench/metrics_sync.py [--blocks N] [--iters N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist


def _batch(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(64, 10, generator=g), torch.randint(0, 10, (64,), generator=g)


def _median_us(fn: Callable[[], Any], iters: int, blocks: int) -> float:
    times = []
    for _ in range(blocks):
        dist.barrier()
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        times.append((time.perf_counter() - start) / iters * 1e6)
    return statistics.median(times)


def _ten_metrics() -> dict[str, Any]:
    from ignite.metrics import (
        Accuracy,
        ConfusionMatrix,
        Loss,
        MeanAbsoluteError,
        MeanSquaredError,
        Precision,
        Recall,
        TopKCategoricalAccuracy,
    )

    def onehot_pair(output: Any) -> Any:
        y_pred, y = output
        return y_pred.softmax(1), torch.nn.functional.one_hot(y, 10).float()

    return {
        "acc": Accuracy(),
        "precision": Precision(average="macro"),
        "recall": Recall(average="macro"),
        "precision_per_class": Precision(),
        "recall_per_class": Recall(),
        "top3": TopKCategoricalAccuracy(3),
        "cm": ConfusionMatrix(10),
        "loss": Loss(torch.nn.functional.cross_entropy),
        "mse": MeanSquaredError(output_transform=onehot_pair),
        "mae": MeanAbsoluteError(output_transform=onehot_pair),
    }


def _epoch_completed_us(metrics: dict[str, Any], batch: Any, iters: int, blocks: int) -> float:
    from ignite.engine import Engine, Events

    engine = Engine(lambda engine, b: b)
    marks: dict[str, float] = {}
    durations: list[float] = []
    engine.add_event_handler(Events.EPOCH_COMPLETED, lambda _: marks.__setitem__("start", time.perf_counter()))
    for name, metric in metrics.items():
        metric.attach(engine, name)
    engine.add_event_handler(Events.EPOCH_COMPLETED, lambda _: durations.append(time.perf_counter() - marks["start"]))
    per_block = []
    for _ in range(blocks):
        dist.barrier()
        durations.clear()
        for _ in range(iters):
            engine.run([batch])
        per_block.append(statistics.median(durations) * 1e6)
    return statistics.median(per_block)


def _worker(local_rank: int, blocks: int, iters: int, out_file: str) -> None:
    import ignite.distributed as idist
    from ignite.metrics import Accuracy

    # Two ranks on a 2-core machine: more intra-op threads per rank only make them fight over the cores (torchrun
    # sets OMP_NUM_THREADS=1 for the same reason).
    torch.set_num_threads(1)
    batch = _batch(idist.get_rank())
    acc = Accuracy()
    small = (batch[0][:2], batch[1][:2])

    def compute_once() -> None:
        acc.update(small)
        acc.compute()

    state = torch.zeros(2, dtype=torch.int64)

    def bare_all_reduce() -> None:
        dist.all_reduce(state)

    # Warm up both paths, then measure the update alone so that it can be subtracted from compute_once.
    _median_us(compute_once, iters, 1)
    _median_us(bare_all_reduce, iters, 1)
    compute_us, raw_us, update_us = [], [], []
    for _ in range(blocks):
        compute_us.append(_median_us(compute_once, iters, 1))
        raw_us.append(_median_us(bare_all_reduce, iters, 1))
        update_us.append(_median_us(lambda: acc.update(small), iters, 1))
    acc_compute = statistics.median(compute_us) - statistics.median(update_us)
    raw = statistics.median(raw_us)

    one = _epoch_completed_us({"acc": Accuracy()}, batch, iters, blocks)
    ten = _epoch_completed_us(_ten_metrics(), batch, iters, blocks)
    if idist.get_rank() == 0:
        result = {
            "accuracy_compute": {
                "compute_us": round(acc_compute, 1),
                "bare_all_reduce_us": round(raw, 1),
                "ratio": round(acc_compute / raw, 3),
                "target_ratio_max": 1.3,
            },
            "attached_sync": {
                "one_metric_us": round(one, 1),
                "ten_metrics_us": round(ten, 1),
                "ratio": round(ten / one, 3),
                "target_ratio_max": 2.0,
            },
        }
        Path(out_file).write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--iters", type=int, default=200)
    args = parser.parse_args()

    import ignite.distributed as idist

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sync.json"
        with idist.Parallel(backend="gloo", nproc_per_node=2) as parallel:
            parallel.run(_worker, args.blocks, args.iters, str(out))
        result = json.loads(out.read_text())
    report = {"benchmark": "metrics_sync", "world_size": 2, "backend": "gloo", "python": sys.version.split()[0]}
    report.update(result)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
