"""Selection rate (how often each outcome is predicted) and its spread between groups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._classification import _BaseClassification, predicted_one_hot
from ignite.metrics.fairness.base import SubgroupDifference
from ignite.metrics.metric import _CPU, _identity

__all__ = ["DemographicParityDifference", "SelectionRate"]


class SelectionRate(_BaseClassification):
    """Rate of positive predictions; ``y`` is only used to tell the kind of input.

    Binary input (``y_pred`` of 0/1): the share of 1s, a float. Multiclass scores ``(B, C, ...)``: how often each
    class is the predicted one, a tensor ``(C,)``. Multilabel (``is_multilabel=True``): the share of 1s of each
    label, a tensor ``(C,)``.

    >>> import torch
    >>> m = SelectionRate()
    >>> m.update((torch.tensor([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.7, 0.3]]), torch.tensor([1, 1, 0, 0])))
    >>> m.compute()
    tensor([0.5000, 0.5000], dtype=torch.float64)
    """

    _num_positives: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        is_multilabel: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, is_multilabel=is_multilabel, device=device, skip_unrolling=skip_unrolling)
        # Sized on the first update, when the number of classes is known.
        self.add_state("_num_positives", torch.zeros(0, dtype=torch.int64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y, kind, num_classes = self._check(output)
        predicted, _ = predicted_one_hot(y_pred, y, kind, num_classes)
        positives = predicted.sum(dim=0).to(self._device, torch.int64)
        if self._num_positives.numel() == 0:
            self._num_positives = torch.zeros_like(positives)
        self._num_positives += positives
        self._num_examples += predicted.shape[0]

    def compute(self) -> float | torch.Tensor:
        n = int(self._num_examples)
        if n == 0:
            raise NotComputableError("SelectionRate must have at least one example before it can be computed.")
        rates = self._num_positives.to(torch.float64) / n
        return float(rates[0]) if self._type == "binary" else rates


class DemographicParityDifference(SubgroupDifference):
    """Largest difference of :class:`SelectionRate` between two groups (statistical parity; lower is fairer).

    ``update((y_pred, y, group_labels))``; for multiclass or multilabel input, the largest difference over the
    classes.

    >>> import torch
    >>> m = DemographicParityDifference(groups=[0, 1])
    >>> m.update((torch.tensor([1, 1, 1, 0]), torch.tensor([1, 0, 1, 0]), torch.tensor([0, 0, 1, 1])))
    >>> m.compute()
    0.5
    """

    def __init__(
        self,
        groups: Sequence[int],
        is_multilabel: bool = False,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
    ) -> None:
        super().__init__(SelectionRate(is_multilabel=is_multilabel, device=device), groups, output_transform, device)
