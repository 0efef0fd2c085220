"""Metric arithmetic: build new metrics from existing ones with ``+ - * /``, tensor methods and ``MetricsLambda``.

``Precision(average=False)`` and ``Recall(average=False)`` give one value per class; ``P * R * 2 / (P + R)`` is then
the per-class F1 score, ``.mean()`` its macro average, and ``Accuracy() * 100`` a percentage. Such composed metrics
are ``MetricsLambda`` objects: attached to an engine, they update their parts and compute at the end of the run. The
F1 built by hand is printed beside ``Fbeta(1.0)`` (the library's own), and they agree.

Run: ``uv run python examples/metric_arithmetic.py``
"""

from __future__ import annotations

import torch

from ignite.engine import Engine
from ignite.metrics import Accuracy, Fbeta, MetricsLambda, Precision, Recall


def main() -> None:
    generator = torch.Generator().manual_seed(0)
    num_classes, batches = 3, 8
    # Fake model outputs: scores that lean towards the right class, so the numbers are neither 0 nor 1.
    data = []
    for _ in range(batches):
        y = torch.randint(0, num_classes, (32,), generator=generator)
        scores = torch.randn(32, num_classes, generator=generator) + 1.5 * nn_one_hot(y, num_classes)
        data.append((scores, y))

    precision = Precision(average=False)
    recall = Recall(average=False)
    f1_per_class = precision * recall * 2 / (precision + recall + 1e-20)
    metrics = {
        "accuracy_percent": Accuracy() * 100,
        "precision_per_class": precision,
        "f1_per_class": f1_per_class,
        "f1_macro": f1_per_class.mean(),
        "fbeta_1": Fbeta(1.0),
        # Any function of metrics: here the worst class's recall.
        "worst_recall": MetricsLambda(lambda r: r.min(), recall),
    }

    # The evaluator's step passes the (scores, labels) pairs through unchanged.
    evaluator = Engine(lambda engine, batch: batch)
    for name, metric in metrics.items():
        metric.attach(evaluator, name)
    results = evaluator.run(data).metrics

    print(f"accuracy_percent: {results['accuracy_percent']:.2f}")
    print(f"precision_per_class: {[round(float(v), 4) for v in results['precision_per_class']]}")
    print(f"f1_per_class: {[round(float(v), 4) for v in results['f1_per_class']]}")
    print(f"f1_macro: {float(results['f1_macro']):.6f}")
    print(f"fbeta_1: {float(results['fbeta_1']):.6f}")
    print(f"worst_recall: {float(results['worst_recall']):.4f}")


def nn_one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(labels, num_classes).float()


if __name__ == "__main__":
    main()
