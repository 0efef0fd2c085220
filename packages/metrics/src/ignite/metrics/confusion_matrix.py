"""Confusion matrix for multiclass input and the scores derived from it (IoU, mIoU, Dice, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity
from ignite.metrics.metrics_lambda import MetricsLambda

__all__ = [
    "ConfusionMatrix",
    "DiceCoefficient",
    "IoU",
    "JaccardIndex",
    "cmAccuracy",
    "cmPrecision",
    "cmRecall",
    "confusion_matrix_counts",
    "mIoU",
]

_EPS = 1e-15
_AVERAGES = (None, "samples", "recall", "precision")


def confusion_matrix_counts(y_pred: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(num_classes, num_classes)`` int64 counts, rows = true class, columns = predicted class (argmax of
    ``y_pred`` ``(B, C, ...)`` over dimension 1). Targets outside ``[0, num_classes)`` are ignored (e.g. 255 masks).

    >>> import torch
    >>> confusion_matrix_counts(torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0]), 2)
    tensor([[1, 1],
            [0, 0]])
    """
    predicted = y_pred.argmax(dim=1).reshape(-1)
    target = y.reshape(-1).long()
    if target.numel():
        low, high = (int(v) for v in torch.aminmax(target))
        if low < 0 or high >= num_classes:
            keep = (target >= 0) & (target < num_classes)
            target, predicted = target[keep], predicted[keep]
    index = target * num_classes + predicted
    return torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


class ConfusionMatrix(Metric):
    """Confusion matrix of multiclass (or segmentation) predictions.

    ``update((y_pred, y))``: ``y_pred`` ``(B, num_classes, ...)`` scores, ``y`` ``(B, ...)`` class indices;
    targets outside ``[0, num_classes)`` are ignored. ``average``: None (counts, int64), ``"samples"`` (divided by
    the total), ``"recall"`` (rows sum to 1) or ``"precision"`` (columns sum to 1).

    >>> import torch
    >>> cm = ConfusionMatrix(num_classes=2)
    >>> cm.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    >>> cm.compute()
    tensor([[1, 1],
            [0, 1]])
    """

    confusion_matrix: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        num_classes: int,
        average: str | None = None,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"Argument num_classes should be a positive int, got {num_classes!r}")
        if average not in _AVERAGES:
            raise ValueError(f"Argument average should be one of {_AVERAGES}, got {average!r}")
        self.num_classes = num_classes
        self.average = average
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("confusion_matrix", torch.zeros(num_classes, num_classes, dtype=torch.int64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        if y_pred.ndim < 2 or y_pred.shape[1] != self.num_classes:
            raise ValueError(
                f"Argument y_pred should have shape (B, num_classes={self.num_classes}, ...), got {tuple(y_pred.shape)}"
            )
        expected = (y_pred.shape[0], *y_pred.shape[2:])
        if tuple(y.shape) != expected:
            raise ValueError(
                f"Argument y should have shape {expected} for y_pred {tuple(y_pred.shape)}, got {tuple(y.shape)}"
            )
        if y.is_floating_point() or y.dtype == torch.bool:
            raise TypeError(f"Argument y should be an integer tensor of class indices, got dtype {y.dtype}")
        check_not_nan("y_pred", y_pred)
        self.confusion_matrix += confusion_matrix_counts(y_pred, y, self.num_classes).to(self._device)
        self._num_examples += y_pred.shape[0]

    def compute(self) -> torch.Tensor:
        if self._num_examples == 0:
            raise NotComputableError("Confusion matrix must have at least one example before it can be computed.")
        return normalize_confusion_matrix(self.confusion_matrix, self.average)


def normalize_confusion_matrix(cm: torch.Tensor, average: str | None) -> torch.Tensor:
    if average is None:
        return cm.clone()
    cm = cm.double()
    if average == "samples":
        return cm / cm.sum()
    if average == "recall":
        return cm / (cm.sum(dim=1, keepdim=True) + _EPS)
    return cm / (cm.sum(dim=0, keepdim=True) + _EPS)


def _check_cm(cm: Any, ignore_index: int | None = None) -> None:
    if not isinstance(cm, ConfusionMatrix):
        raise TypeError(f"Argument cm should be a ConfusionMatrix, got {type(cm).__name__}")
    if cm.average not in (None, "samples"):
        raise ValueError(f"Argument cm should have average None or 'samples', got {cm.average!r}")
    if ignore_index is not None and (
        isinstance(ignore_index, bool) or not isinstance(ignore_index, int) or not 0 <= ignore_index < cm.num_classes
    ):
        raise ValueError(f"Argument ignore_index should be an int in [0, {cm.num_classes}), got {ignore_index!r}")


def _drop(values: torch.Tensor, ignore_index: int | None) -> torch.Tensor:
    if ignore_index is None:
        return values
    keep = [i for i in range(values.shape[0]) if i != ignore_index]
    return values[keep]


def _iou(cm: torch.Tensor, ignore_index: int | None) -> torch.Tensor:
    cm = cm.double()
    diag = cm.diag()
    return _drop(diag / (cm.sum(dim=1) + cm.sum(dim=0) - diag + _EPS), ignore_index)


def _dice(cm: torch.Tensor, ignore_index: int | None) -> torch.Tensor:
    cm = cm.double()
    return _drop(2.0 * cm.diag() / (cm.sum(dim=1) + cm.sum(dim=0) + _EPS), ignore_index)


def IoU(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:
    """Per-class intersection over union ``TP / (TP + FP + FN)`` from ``cm`` (class ``ignore_index`` left out).

    >>> import torch
    >>> cm = ConfusionMatrix(num_classes=2)
    >>> cm.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    >>> IoU(cm).compute()
    tensor([0.5000, 0.5000], dtype=torch.float64)
    """
    _check_cm(cm, ignore_index)
    return MetricsLambda(_iou, cm, ignore_index)


def mIoU(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:
    """Mean of :func:`IoU` over the classes."""
    return IoU(cm, ignore_index).mean()


def JaccardIndex(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:
    """Same as :func:`IoU`."""
    return IoU(cm, ignore_index)


def DiceCoefficient(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:
    """Per-class Dice score ``2 TP / (2 TP + FP + FN)`` from ``cm``."""
    _check_cm(cm, ignore_index)
    return MetricsLambda(_dice, cm, ignore_index)


def cmAccuracy(cm: ConfusionMatrix) -> MetricsLambda:
    """Accuracy from ``cm``: trace over total."""
    _check_cm(cm)
    return MetricsLambda(lambda m: (m.double().diag().sum() / (m.double().sum() + _EPS)).item(), cm)


def cmPrecision(cm: ConfusionMatrix, average: bool = True) -> MetricsLambda:
    """Per-class precision from ``cm`` (columns), or its mean when ``average``."""
    _check_cm(cm)
    precision = MetricsLambda(lambda m: m.double().diag() / (m.double().sum(dim=0) + _EPS), cm)
    return precision.mean() if average else precision


def cmRecall(cm: ConfusionMatrix, average: bool = True) -> MetricsLambda:
    """Per-class recall from ``cm`` (rows), or its mean when ``average``."""
    _check_cm(cm)
    recall = MetricsLambda(lambda m: m.double().diag() / (m.double().sum(dim=1) + _EPS), cm)
    return recall.mean() if average else recall
