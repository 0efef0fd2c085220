"""Accuracy for binary, multiclass and multilabel input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._classification import _BaseClassification, class_argmax, flatten_classes
from ignite.metrics._inputs import InputKind, check_classification
from ignite.metrics.metric import _CPU, _identity

__all__ = ["Accuracy", "accuracy_counts"]


def accuracy_counts(
    y_pred: torch.Tensor, y: torch.Tensor, kind: InputKind, num_classes: int
) -> tuple[torch.Tensor, int]:
    """``(number of correct samples, number of samples)`` of one checked batch.

    A multilabel sample is correct when all its labels are.

    >>> import torch
    >>> accuracy_counts(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1]), "multiclass", 2)
    (tensor(1), 2)
    """
    if kind == "multiclass":
        correct = class_argmax(y_pred) == y
    elif kind == "multilabel":
        correct = (flatten_classes(y_pred, num_classes) == flatten_classes(y, num_classes)).all(dim=-1)
    else:
        correct = y_pred.to(y.dtype) == y
    return correct.sum(), correct.numel()


def accuracy(y_pred: torch.Tensor, y: torch.Tensor, is_multilabel: bool = False) -> float:
    """Accuracy of one batch (functional form of :class:`Accuracy`)."""
    y_pred, y, kind, num_classes = check_classification(y_pred, y, is_multilabel)
    correct, total = accuracy_counts(y_pred, y, kind, num_classes)
    if total == 0:
        raise ValueError("Arguments y_pred and y should hold at least one sample, got empty tensors")
    return correct.item() / total


class Accuracy(_BaseClassification):
    """Fraction of correctly classified samples.

    ``update((y_pred, y))``: binary -- both ``(B, ...)`` with 0/1 values; multiclass -- ``y_pred`` ``(B, C, ...)``
    scores and ``y`` ``(B, ...)`` indices; multilabel (``is_multilabel=True``) -- both ``(B, C, ...)`` 0/1, a sample
    counting as correct only when all its labels match. ``compute()`` returns a float.

    >>> import torch
    >>> acc = Accuracy()
    >>> acc.update((torch.tensor([[0.2, 0.8], [0.6, 0.4], [0.1, 0.9]]), torch.tensor([1, 1, 1])))
    >>> round(acc.compute(), 4)
    0.6667
    """

    _num_correct: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        is_multilabel: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, is_multilabel=is_multilabel, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_num_correct", torch.tensor(0, dtype=torch.int64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y, kind, num_classes = self._check(output)
        correct, total = accuracy_counts(y_pred, y, kind, num_classes)
        self._num_correct += correct.to(self._device)
        # fill_ with a Python sum: cheaper per batch than `tensor += number`.
        self._num_examples.fill_(self._num_examples.item() + total)

    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("Accuracy must have at least one example before it can be computed.")
        return self._num_correct.item() / self._num_examples.item()
