"""Top-k categorical accuracy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["TopKCategoricalAccuracy", "top_k_correct"]


def top_k_correct(y_pred: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
    """Number of samples whose true class is among the ``k`` highest scores of ``y_pred`` ``(B, C)``."""
    top = torch.topk(y_pred, min(k, y_pred.shape[1]), dim=1).indices
    return (top == y.reshape(-1, 1)).any(dim=1).sum()


class TopKCategoricalAccuracy(Metric):
    """Fraction of samples whose true class is among the ``k`` best scored (``y_pred`` ``(B, C)``, ``y`` ``(B,)``).

    >>> import torch
    >>> m = TopKCategoricalAccuracy(k=2)
    >>> m.update((torch.tensor([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]]), torch.tensor([2, 2])))
    >>> m.compute()
    0.5
    """

    _num_correct: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        k: int = 5,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"Argument k should be a positive int, got {k!r}")
        self._k = k
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_num_correct", torch.tensor(0, dtype=torch.int64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        if y_pred.ndim != 2 or y.shape != (y_pred.shape[0],):
            raise ValueError(
                f"Arguments y_pred and y should have shapes (B, C) and (B,), got {tuple(y_pred.shape)} and "
                f"{tuple(y.shape)}"
            )
        check_not_nan("y_pred", y_pred)
        self._num_correct += top_k_correct(y_pred, y, self._k).to(self._device)
        self._num_examples += y.shape[0]

    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError(
                "TopKCategoricalAccuracy must have at least one example before it can be computed."
            )
        return self._num_correct.item() / self._num_examples.item()
