"""Mean absolute error, mean squared error and its root."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError"]


class _SumOfErrors(Metric):
    _sum_of_errors: torch.Tensor
    _num_examples: torch.Tensor

    _power = 1

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_sum_of_errors", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        if y_pred.shape != y.shape and y_pred.numel() != y.numel():
            raise ValueError(
                f"Arguments y_pred and y should have the same shape, got {tuple(y_pred.shape)} and {tuple(y.shape)}"
            )
        diff = (y_pred - y.view_as(y_pred)).reshape(-1)
        if diff.dtype not in (torch.float32, torch.float64):
            # Integer and half-precision inputs: sum their errors in float64 rather than in their own type.
            diff = diff.to(torch.float64)
        # One kernel per batch: a dot product for squares, an L1 norm for absolute values (float32 within a batch, as
        # PyTorch-Ignite; the running total across batches is float64).
        batch_sum = (torch.dot(diff, diff) if self._power == 2 else torch.linalg.vector_norm(diff, 1)).item()
        if math.isnan(batch_sum):  # NaN anywhere in the inputs shows up here: no extra pass otherwise
            check_not_nan("y_pred", y_pred)
            check_not_nan("y", y)
        # Python-side additions written back with fill_: cheaper per batch than `tensor += number`.
        self._sum_of_errors.fill_(self._sum_of_errors.item() + batch_sum)
        self._num_examples.fill_(self._num_examples.item() + (y.shape[0] if y.ndim else 1))

    def _mean(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        return (self._sum_of_errors / self._num_examples).item()


class MeanAbsoluteError(_SumOfErrors):
    """Sum of ``|y_pred - y|`` divided by the number of samples (rows) seen.

    >>> import torch
    >>> m = MeanAbsoluteError()
    >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0])))
    >>> m.compute()
    1.5
    """

    _power = 1

    def compute(self) -> float:
        return self._mean()


class MeanSquaredError(_SumOfErrors):
    """Sum of ``(y_pred - y)^2`` divided by the number of samples (rows) seen.

    >>> import torch
    >>> m = MeanSquaredError()
    >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0])))
    >>> m.compute()
    2.5
    """

    _power = 2

    def compute(self) -> float:
        return self._mean()


class RootMeanSquaredError(MeanSquaredError):
    """Square root of :class:`MeanSquaredError`."""

    def compute(self) -> float:
        return math.sqrt(self._mean())
