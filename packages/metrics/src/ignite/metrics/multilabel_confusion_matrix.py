"""Per-class 2x2 confusion matrices of multilabel input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._classification import flatten_classes
from ignite.metrics._inputs import check_classification, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["MultiLabelConfusionMatrix", "multilabel_confusion_counts"]


def multilabel_confusion_counts(y_pred: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(C, 2, 2)`` int64 counts ``[[tn, fp], [fn, tp]]`` per class of 0/1 tensors ``(B, C, ...)``."""
    pred = flatten_classes(y_pred, num_classes).long()
    true = flatten_classes(y, num_classes).long()
    tp = (pred & true).sum(0)
    fp = (pred & (1 - true)).sum(0)
    fn = ((1 - pred) & true).sum(0)
    tn = pred.shape[0] - tp - fp - fn
    return torch.stack([tn, fp, fn, tp], dim=1).reshape(num_classes, 2, 2)


class MultiLabelConfusionMatrix(Metric):
    """For each of ``num_classes`` labels, the 2x2 matrix ``[[tn, fp], [fn, tp]]`` (scikit-learn's layout);
    ``normalized=True`` divides each by its total. Input: 0/1 ``y_pred`` and ``y`` of shape ``(B, C, ...)``.

    >>> import torch
    >>> m = MultiLabelConfusionMatrix(num_classes=2)
    >>> m.update((torch.tensor([[1, 0], [1, 1]]), torch.tensor([[1, 1], [0, 1]])))
    >>> m.compute().tolist()
    [[[0, 1], [0, 1]], [[0, 0], [1, 1]]]
    """

    confusion_matrix: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        num_classes: int,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        normalized: bool = False,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"Argument num_classes should be an int > 1, got {num_classes!r}")
        self.num_classes = num_classes
        self.normalized = normalized
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("confusion_matrix", torch.zeros(num_classes, 2, 2, dtype=torch.int64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        y_pred, y, _, num_classes = check_classification(y_pred, y, is_multilabel=True)
        if num_classes != self.num_classes:
            raise ValueError(
                f"Argument y_pred should have shape (B, num_classes={self.num_classes}, ...), got {tuple(y_pred.shape)}"
            )
        self.confusion_matrix += multilabel_confusion_counts(y_pred, y, num_classes).to(self._device)
        self._num_examples += y.shape[0]

    def compute(self) -> torch.Tensor:
        if self._num_examples == 0:
            raise NotComputableError("Confusion matrix must have at least one example before it can be computed.")
        if self.normalized:
            cm = self.confusion_matrix.double()
            return cm / cm.sum(dim=(1, 2), keepdim=True)
        return self.confusion_matrix.clone()
