"""Precision and recall, per class or averaged (macro, micro, weighted, samples)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._classification import _BaseClassification, class_counts, predicted_one_hot
from ignite.metrics.metric import _CPU, _identity

__all__ = ["Precision", "multiclass_counts", "precision_recall_counts"]

_AVERAGES = (False, None, True, "macro", "micro", "weighted", "samples")
_EPS = 1e-20


def precision_recall_counts(
    pred: torch.Tensor, true: torch.Tensor, is_precision: bool, average: str | bool | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(numerator, denominator, support)`` of one batch from 0/1 matrices ``(N, C)`` of predicted and true
    classes. Per class unless ``average`` is ``"micro"`` (summed over classes) or ``"samples"`` (numerator: sum of
    per-sample fractions, denominator: number of samples).
    """
    true_positives = (pred * true).sum(dim=0, dtype=torch.float64)
    positives = (pred if is_precision else true).sum(dim=0, dtype=torch.float64)
    support = true.sum(dim=0, dtype=torch.float64)
    if average == "micro":
        return true_positives.sum(), positives.sum(), support.sum()
    if average == "samples":
        per_sample_tp = (pred * true).sum(dim=1, dtype=torch.float64)
        per_sample_pos = (pred if is_precision else true).sum(dim=1, dtype=torch.float64)
        fraction = per_sample_tp / (per_sample_pos + _EPS)
        return fraction.sum(), torch.tensor(float(pred.shape[0]), dtype=torch.float64), support.sum()
    return true_positives, positives, support


def multiclass_counts(
    y_pred: torch.Tensor, y: torch.Tensor, num_classes: int, is_precision: bool, average: str | bool | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Same as :func:`precision_recall_counts` (as int64 counts) for multiclass scores ``(B, C, ...)`` and labels,
    by counting labels instead of building one-hot matrices.
    """
    true_positives, predicted, support = class_counts(y_pred, y, num_classes)
    positives = predicted if is_precision else support
    if average == "micro":
        return true_positives.sum(), positives.sum(), support.sum()
    return true_positives, positives, support


class _BasePrecisionRecall(_BaseClassification):
    _numerator: torch.Tensor
    _denominator: torch.Tensor
    _weight: torch.Tensor
    _num_examples: torch.Tensor

    _is_precision = True

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        average: bool | str | None = False,
        is_multilabel: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        valid = average is None or isinstance(average, bool) or (isinstance(average, str) and average in _AVERAGES)
        if not valid:
            raise ValueError(
                f"Argument average should be one of False, None, True, 'macro', 'micro', 'weighted', 'samples', "
                f"got {average!r}"
            )
        if average == "samples" and not is_multilabel:
            raise ValueError("Argument average='samples' is only for multilabel input (is_multilabel=True)")
        self._average: bool | str | None = "macro" if average is True else average
        super().__init__(output_transform, is_multilabel=is_multilabel, device=device, skip_unrolling=skip_unrolling)
        zero = torch.tensor(0.0, dtype=torch.float64)
        self.add_state("_numerator", zero, "sum")
        self.add_state("_denominator", zero, "sum")
        self.add_state("_weight", zero, "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y, kind, num_classes = self._check(output)
        average = None if kind == "binary" else self._average
        if kind == "multiclass" and average != "samples":
            numerator, denominator, support = multiclass_counts(y_pred, y, num_classes, self._is_precision, average)
        else:
            pred, true = predicted_one_hot(y_pred, y, kind, num_classes)
            numerator, denominator, support = precision_recall_counts(pred, true, self._is_precision, average)
        pred_rows = y.numel() // (num_classes if kind == "multilabel" else 1)
        # The first batch turns the scalar zeros into per-class vectors (broadcasting).
        # The float64 states absorb int64 counts without a separate conversion.
        self._numerator = self._numerator + numerator.to(self._device)
        self._denominator = self._denominator + denominator.to(self._device)
        self._weight = self._weight + support.to(self._device)
        self._num_examples += pred_rows

    def compute(self) -> torch.Tensor | float:
        if self._num_examples == 0:
            name = type(self).__name__
            raise NotComputableError(f"{name} must have at least one example before it can be computed.")
        if self._type == "binary":
            return (self._numerator / (self._denominator + _EPS)).item()
        if self._average == "samples":
            return (self._numerator / self._denominator).item()
        fraction = self._numerator / (self._denominator + _EPS)
        if self._average in (False, None):
            return fraction
        if self._average == "weighted":
            return ((fraction * self._weight).sum() / (self._weight.sum() + _EPS)).item()
        if self._average == "micro":
            return fraction.item()
        return fraction.mean().item()


class Precision(_BasePrecisionRecall):
    """Precision: of the samples predicted as a class, the fraction that belong to it.

    Inputs as for :class:`~ignite.metrics.Accuracy`. ``average``: ``False`` (per-class tensor for multiclass and
    multilabel input), ``"macro"`` (or ``True``: unweighted mean over classes), ``"micro"`` (from global counts),
    ``"weighted"`` (mean weighted by support), ``"samples"`` (multilabel only: mean of per-sample precision).
    Binary input gives the precision of the positive class. Averaged values are floats. A class never predicted has
    precision 0.

    >>> import torch
    >>> p = Precision(average="macro")
    >>> p.update((torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]]), torch.tensor([0, 1, 1])))
    >>> p.compute()
    0.75
    """

    _is_precision = True
