"""F-beta score, composed from :class:`Precision` and :class:`Recall`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.metrics.metric import _CPU
from ignite.metrics.metrics_lambda import MetricsLambda
from ignite.metrics.precision import Precision
from ignite.metrics.recall import Recall

__all__ = ["Fbeta"]


def _mean_value(t: torch.Tensor | float) -> float:
    return t.mean().item() if isinstance(t, torch.Tensor) else float(t)


def Fbeta(
    beta: float,
    average: bool = True,
    precision: Precision | None = None,
    recall: Recall | None = None,
    output_transform: Callable[..., Any] | None = None,
    device: str | torch.device = _CPU,
) -> MetricsLambda:
    """``(1 + beta^2) * P * R / (beta^2 * P + R)`` per class, or its mean over classes when ``average`` is True.

    ``precision`` / ``recall`` may be given (created with ``average=False``) to share them with other metrics;
    then ``output_transform`` must be None.

    >>> import torch
    >>> f1 = Fbeta(1.0)
    >>> f1.update((torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]]), torch.tensor([0, 1, 1])))
    >>> round(f1.compute(), 4)
    0.6667
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta > 0:
        raise ValueError(f"Argument beta should be a positive number, got {beta!r}")
    if output_transform is not None and (precision is not None or recall is not None):
        raise ValueError("Argument output_transform should be None when precision or recall is given")
    transform = output_transform if output_transform is not None else (lambda x: x)
    if precision is None:
        precision = Precision(output_transform=transform, average=False, device=device)
    elif precision._average not in (False, None):
        raise ValueError(f"Argument precision should be created with average=False, got average={precision._average!r}")
    if recall is None:
        recall = Recall(output_transform=transform, average=False, device=device)
    elif recall._average not in (False, None):
        raise ValueError(f"Argument recall should be created with average=False, got average={recall._average!r}")
    b2 = float(beta) ** 2
    fbeta = (1.0 + b2) * precision * recall / (b2 * precision + recall + 1e-15)
    if average:
        return MetricsLambda(_mean_value, fbeta)
    return fbeta
