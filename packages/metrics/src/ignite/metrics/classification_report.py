"""Per-class precision, recall and F-beta with their macro averages, as a dict or a JSON string."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import torch

from ignite.metrics.metric import _CPU
from ignite.metrics.metrics_lambda import MetricsLambda
from ignite.metrics.precision import Precision
from ignite.metrics.recall import Recall

__all__ = ["ClassificationReport"]


def ClassificationReport(
    beta: int = 1,
    output_dict: bool = False,
    output_transform: Callable[..., Any] = lambda x: x,
    device: str | torch.device = _CPU,
    is_multilabel: bool = False,
    labels: list[str] | None = None,
) -> MetricsLambda:
    """``{label: {"precision", "recall", "f<beta>-score"}, "macro avg": {...}}`` for multiclass or multilabel
    input, as a dict (``output_dict=True``) or a JSON string. ``labels`` names the classes (default "0", "1", ...).

    >>> import torch
    >>> report = ClassificationReport(output_dict=True)
    >>> report.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    >>> {key: round(value, 4) for key, value in report.compute()["0"].items()}
    {'precision': 1.0, 'recall': 0.5, 'f1-score': 0.6667}
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta <= 0:
        raise ValueError(f"Argument beta should be a positive number, got {beta!r}")
    precision = Precision(output_transform=output_transform, average=False, is_multilabel=is_multilabel, device=device)
    recall = Recall(output_transform=output_transform, average=False, is_multilabel=is_multilabel, device=device)
    b2 = float(beta) ** 2
    f_key = f"f{beta}-score"

    def report(p: torch.Tensor, r: torch.Tensor) -> dict[str, Any] | str:
        f = (1 + b2) * p * r / (b2 * p + r + 1e-15)
        names = labels if labels is not None else [str(i) for i in range(p.numel())]
        if len(names) != p.numel():
            raise ValueError(f"Argument labels should name the {p.numel()} classes, got {len(names)} names")
        result: dict[str, Any] = {
            name: {"precision": p[i].item(), "recall": r[i].item(), f_key: f[i].item()} for i, name in enumerate(names)
        }
        result["macro avg"] = {"precision": p.mean().item(), "recall": r.mean().item(), f_key: f.mean().item()}
        return result if output_dict else json.dumps(result)

    return MetricsLambda(report, precision, recall)
