"""Accumulating metrics: ``VariableAccumulation`` and its ``Average`` / ``GeometricAverage``."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["Average", "GeometricAverage", "VariableAccumulation"]


class VariableAccumulation(Metric):
    """Folds every output into an accumulator with ``op(accumulator, output)`` and counts the samples.

    A tensor output of 2+ dimensions counts ``output.shape[0]`` samples, anything else one. ``compute()`` returns
    ``[accumulator, num_examples]``. Across ranks both are summed, so ``op`` must be additive.
    """

    accumulator: torch.Tensor
    num_examples: torch.Tensor

    required_output_keys = None

    def __init__(
        self,
        op: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if not callable(op):
            raise TypeError(f"Argument op should be callable, got {type(op).__name__}")
        self._op = op
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("accumulator", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def _check_output(self, output: Any) -> torch.Tensor:
        if isinstance(output, numbers.Number) and not isinstance(output, bool):
            return torch.tensor(output, dtype=torch.float64, device=self._device)
        if not isinstance(output, torch.Tensor):
            raise TypeError(f"Argument output should be a number or a torch.Tensor, got {type(output).__name__}")
        check_not_nan("output", output)
        return output.detach().to(self._device)

    def update(self, output: Any) -> None:
        value = self._check_output(output)
        self.accumulator = self._op(self.accumulator, value)
        self.num_examples += value.shape[0] if value.ndim > 1 else 1

    def compute(self) -> list[Any]:
        return [self.accumulator, self.num_examples.item()]


def _sum_op(accumulator: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    if value.ndim > 1:
        value = value.sum(dim=0)
    return accumulator + value.to(torch.float64)


def _log_sum_op(accumulator: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    value = torch.log(value.to(torch.float64))
    if value.ndim > 1:
        value = value.sum(dim=0)
    return accumulator + value


class Average(VariableAccumulation):
    """Arithmetic mean of the outputs (numbers, or tensors averaged over dimension 0 for 2+ dimensions).

    >>> import torch
    >>> avg = Average()
    >>> for x in (1.0, 2.0, 6.0):
    ...     avg.update(x)
    >>> avg.compute()
    tensor(3., dtype=torch.float64)
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(_sum_op, output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def compute(self) -> Any:
        if self.num_examples == 0:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        return self.accumulator / self.num_examples


class GeometricAverage(VariableAccumulation):
    """Geometric mean of the (positive) outputs; a float for scalar outputs, else a tensor.

    >>> avg = GeometricAverage()
    >>> for x in (1.0, 4.0):
    ...     avg.update(x)
    >>> avg.compute()
    2.0
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(_log_sum_op, output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def compute(self) -> Any:
        if self.num_examples == 0:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        value = torch.exp(self.accumulator / self.num_examples)
        return value.item() if value.ndim == 0 else value
