"""Agreement scores from label counts: Cohen's kappa and the Matthews correlation coefficient."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._classification import _BaseClassification
from ignite.metrics._inputs import InputKind
from ignite.metrics.metric import _CPU, _identity

__all__ = ["CohenKappa", "MatthewsCorrCoef", "cohen_kappa_from_counts", "label_counts", "matthews_from_counts"]


def label_counts(y_pred: torch.Tensor, y: torch.Tensor, kind: InputKind, num_classes: int) -> torch.Tensor:
    """``(K, K)`` int64 counts (rows: true label, columns: predicted label) of a checked binary (K = 2) or
    multiclass (K = C, prediction = argmax) batch.
    """
    if kind == "multiclass":
        k, predicted = num_classes, y_pred.argmax(dim=1).reshape(-1)
    elif kind == "binary":
        k, predicted = 2, y_pred.reshape(-1).long()
    else:
        raise ValueError("Argument y_pred should be binary (B,) or multiclass (B, C) input, got multilabel input")
    return torch.bincount(y.reshape(-1) * k + predicted, minlength=k * k).reshape(k, k)


def cohen_kappa_from_counts(counts: torch.Tensor, weights: str | None = None) -> float:
    """Cohen's kappa of a label-count matrix, over the labels that occur (as scikit-learn does)."""
    present = (counts.sum(0) + counts.sum(1)) > 0
    cm = counts[present][:, present].to(torch.float64)
    n = cm.shape[0]
    expected = torch.outer(cm.sum(1), cm.sum(0)) / cm.sum()
    index = torch.arange(n, dtype=torch.float64)
    if weights is None:
        w = 1.0 - torch.eye(n, dtype=torch.float64)
    elif weights == "linear":
        w = (index[:, None] - index[None, :]).abs()
    else:
        w = (index[:, None] - index[None, :]) ** 2
    return 1.0 - float((w * cm).sum() / (w * expected).sum())


def matthews_from_counts(counts: torch.Tensor) -> float:
    """Matthews correlation coefficient (multiclass form) of a label-count matrix; 0 when undefined."""
    cm = counts.to(torch.float64)
    t_sum, p_sum = cm.sum(1), cm.sum(0)
    n, correct = cm.sum(), cm.trace()
    cov_tp = correct * n - (t_sum * p_sum).sum()
    cov_pp = n * n - (p_sum * p_sum).sum()
    cov_tt = n * n - (t_sum * t_sum).sum()
    denominator = float(cov_pp * cov_tt)
    return 0.0 if denominator == 0 else float(cov_tp) / math.sqrt(denominator)


class _LabelCountMetric(_BaseClassification):
    _counts: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)
        # A scalar zero that the first batch broadcasts to the (K, K) count matrix.
        self.add_state("_counts", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y, kind, num_classes = self._check(output)
        self._counts = self._counts + label_counts(y_pred, y, kind, num_classes).to(self._device)

    def _checked_counts(self) -> torch.Tensor:
        if self._counts.ndim == 0:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        return self._counts


class CohenKappa(_LabelCountMetric):
    """Cohen's kappa between predicted and true labels; ``weights``: None, ``"linear"`` or ``"quadratic"``.

    Input: binary ``(B,)`` 0/1 predictions, or multiclass ``(B, C)`` scores (argmax), with labels ``y`` ``(B,)``.
    Accumulated as label counts, so it is exact across ranks without gathering predictions.

    >>> import torch
    >>> k = CohenKappa()
    >>> k.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1])))
    >>> k.compute()
    0.5
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        weights: str | None = None,
        check_compute_fn: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if weights not in (None, "linear", "quadratic"):
            raise ValueError(f"Argument weights should be None, 'linear' or 'quadratic', got {weights!r}")
        self.weights = weights
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    def compute(self) -> float:
        return cohen_kappa_from_counts(self._checked_counts(), self.weights)


class MatthewsCorrCoef(_LabelCountMetric):
    """Matthews correlation coefficient of binary ``(B,)`` 0/1 or multiclass ``(B, C)`` predictions.

    >>> import torch
    >>> m = MatthewsCorrCoef()
    >>> m.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1])))
    >>> round(m.compute(), 4)
    0.5774
    """

    def compute(self) -> float:
        return matthews_from_counts(self._checked_counts())
