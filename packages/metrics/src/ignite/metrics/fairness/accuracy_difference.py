"""Largest accuracy gap between groups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.metrics.accuracy import Accuracy
from ignite.metrics.fairness.base import SubgroupDifference
from ignite.metrics.metric import _CPU, _identity

__all__ = ["SubgroupAccuracyDifference"]


class SubgroupAccuracyDifference(SubgroupDifference):
    """Largest difference of :class:`~ignite.metrics.Accuracy` between two groups (overall accuracy equality).

    ``update((y_pred, y, group_labels))`` with the inputs of :class:`~ignite.metrics.Accuracy` and ``group_labels``
    ``(B,)``.

    >>> import torch
    >>> m = SubgroupAccuracyDifference(groups=[0, 1])
    >>> m.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1]), torch.tensor([0, 0, 1, 1])))
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
        super().__init__(Accuracy(is_multilabel=is_multilabel, device=device), groups, output_transform, device)
