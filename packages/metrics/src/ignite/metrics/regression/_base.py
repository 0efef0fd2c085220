"""Shared input handling of the regression family: ``y_pred`` and ``y`` of shape ``(N,)`` or ``(N, 1)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["_RegressionSums", "check_regression"]


def check_regression(output: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate a batch and return ``(y_pred, y)`` flattened to float64 ``(N,)``."""
    y_pred, y = check_tensors(output)
    if y_pred.shape != y.shape:
        raise ValueError(
            f"Arguments y_pred and y should have the same shape, got {tuple(y_pred.shape)} and {tuple(y.shape)}"
        )
    if y.ndim not in (1, 2) or (y.ndim == 2 and y.shape[1] != 1):
        raise ValueError(f"Arguments y_pred and y should have shape (N,) or (N, 1), got {tuple(y.shape)}")
    check_not_nan("y_pred", y_pred)
    check_not_nan("y", y)
    return y_pred.reshape(-1).to(torch.float64), y.reshape(-1).to(torch.float64)


class _RegressionSums(Metric):
    """A regression metric made of sums over samples: subclasses name their sums in ``_sums`` and give
    ``_terms(y_pred, y)`` (one tensor per sum, summed here) and ``_value(sums, n)``.
    """

    _sums: tuple[str, ...] = ()
    _min_examples = 1
    _num_examples: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        for name in self._sums:
            self.add_state(name, torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        raise NotImplementedError

    def _value(self, sums: dict[str, float], n: int) -> float:
        raise NotImplementedError

    def update(self, output: Any) -> None:
        y_pred, y = check_regression(output)
        for name, term in zip(self._sums, self._terms(y_pred, y), strict=True):
            setattr(self, name, getattr(self, name) + term.sum().to(self._device))
        self._num_examples += y.shape[0]

    def compute(self) -> float:
        n = int(self._num_examples)
        if n < self._min_examples:
            raise NotComputableError(
                f"{type(self).__name__} must have at least {self._min_examples} example(s) before it can be computed."
            )
        return self._value({name: float(getattr(self, name)) for name in self._sums}, n)
