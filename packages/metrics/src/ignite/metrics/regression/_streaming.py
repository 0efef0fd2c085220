"""Regression metrics accumulated as sums (exact across ranks with one collective)."""

from __future__ import annotations

import math
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics.metric import _CPU, Metric, _identity
from ignite.metrics.regression._base import _RegressionSums, check_regression

__all__ = [
    "CanberraMetric",
    "FractionalAbsoluteError",
    "FractionalBias",
    "GeometricMeanAbsoluteError",
    "ManhattanDistance",
    "MaximumAbsoluteError",
    "MeanAbsoluteRelativeError",
    "MeanError",
    "MeanNormalizedBias",
    "PearsonCorrelation",
    "R2Score",
    "WaveHedgesDistance",
]


def _nonzero(name: str, t: torch.Tensor) -> torch.Tensor:
    if bool((t == 0).any()):
        raise ValueError(f"Argument {name} should not contain zeros for this relative error, got a zero value")
    return t


class CanberraMetric(_RegressionSums):
    """``sum |y - y_pred| / (|y| + |y_pred|)`` (terms with a zero denominator count 0)."""

    _sums = ("_sum",)

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        denominator = y.abs() + y_pred.abs()
        return (torch.where(denominator > 0, (y - y_pred).abs() / denominator.clamp(min=1e-300), 0.0),)

    def _value(self, sums: dict[str, float], n: int) -> float:
        return sums["_sum"]


class ManhattanDistance(_RegressionSums):
    """``sum |y - y_pred|``."""

    _sums = ("_sum",)

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return ((y - y_pred).abs(),)

    def _value(self, sums: dict[str, float], n: int) -> float:
        return sums["_sum"]


class WaveHedgesDistance(_RegressionSums):
    """``sum |y - y_pred| / max(y, y_pred)``."""

    _sums = ("_sum",)

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return ((y - y_pred).abs() / torch.maximum(y, y_pred),)

    def _value(self, sums: dict[str, float], n: int) -> float:
        return sums["_sum"]


class _Mean(_RegressionSums):
    _sums = ("_sum",)

    def _value(self, sums: dict[str, float], n: int) -> float:
        return sums["_sum"] / n


class FractionalAbsoluteError(_Mean):
    """``mean 2 |y - y_pred| / (|y| + |y_pred|)``."""

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (2 * (y - y_pred).abs() / (y.abs() + y_pred.abs()),)


class FractionalBias(_Mean):
    """``mean 2 (y - y_pred) / (y + y_pred)``."""

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (2 * (y - y_pred) / (y + y_pred + 1e-30),)


class MeanAbsoluteRelativeError(_Mean):
    """``mean |y - y_pred| / |y|``; ``y`` must not contain zeros."""

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return ((y - y_pred).abs() / _nonzero("y", y).abs(),)


class MeanError(_Mean):
    """``mean (y - y_pred)``."""

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (y - y_pred,)


class MeanNormalizedBias(_Mean):
    """``mean (y - y_pred) / y``; ``y`` must not contain zeros."""

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return ((y - y_pred) / _nonzero("y", y),)


class GeometricMeanAbsoluteError(_RegressionSums):
    """``exp(mean log |y - y_pred|)``."""

    _sums = ("_sum_of_logs",)

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (torch.log((y - y_pred).abs()),)

    def _value(self, sums: dict[str, float], n: int) -> float:
        return math.exp(sums["_sum_of_logs"] / n)


class R2Score(_RegressionSums):
    """Coefficient of determination ``1 - SSE / SST``; needs at least 2 samples.

    >>> import torch
    >>> m = R2Score()
    >>> m.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 4.0])))
    >>> round(m.compute(), 4)
    0.7857
    """

    _sums = ("_sum_of_errors", "_y_sum", "_y_sq_sum")
    _min_examples = 2

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return ((y - y_pred) ** 2, y, y * y)

    def _value(self, sums: dict[str, float], n: int) -> float:
        total = sums["_y_sq_sum"] - sums["_y_sum"] ** 2 / n
        return 1.0 - sums["_sum_of_errors"] / total


class PearsonCorrelation(_RegressionSums):
    """Pearson correlation of ``y_pred`` and ``y`` from running sums; the denominator is clamped to ``eps``.

    >>> import torch
    >>> m = PearsonCorrelation()
    >>> m.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 6.5])))
    >>> round(m.compute(), 4)
    0.9979
    """

    _sums = ("_sum_of_y_preds", "_sum_of_ys", "_sum_of_y_pred_squares", "_sum_of_y_squares", "_sum_of_products")

    def __init__(
        self,
        eps: float = 1e-8,
        output_transform: Any = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        self.eps = eps
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (y_pred, y, y_pred * y_pred, y * y, y_pred * y)

    def _value(self, sums: dict[str, float], n: int) -> float:
        mean_p, mean_y = sums["_sum_of_y_preds"] / n, sums["_sum_of_ys"] / n
        var_p = max(sums["_sum_of_y_pred_squares"] / n - mean_p**2, 0.0)
        var_y = max(sums["_sum_of_y_squares"] / n - mean_y**2, 0.0)
        cov = sums["_sum_of_products"] / n - mean_p * mean_y
        return cov / max(math.sqrt(var_p * var_y), self.eps)


class MaximumAbsoluteError(Metric):
    """``max |y - y_pred|`` (reduced with MAX across ranks).

    >>> import torch
    >>> m = MaximumAbsoluteError()
    >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([1.5, 4.0])))
    >>> m.compute()
    2.0
    """

    _max_of_absolute_errors: torch.Tensor

    def __init__(
        self, output_transform: Any = _identity, device: str | torch.device = _CPU, skip_unrolling: bool = False
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_max_of_absolute_errors", torch.tensor(-1.0, dtype=torch.float64), "max")

    def update(self, output: Any) -> None:
        y_pred, y = check_regression(output)
        if y.numel():
            batch_max = (y - y_pred).abs().max().to(self._device)
            self._max_of_absolute_errors = torch.maximum(self._max_of_absolute_errors, batch_max)

    def compute(self) -> float:
        if self._max_of_absolute_errors < 0:
            raise NotComputableError("MaximumAbsoluteError must have at least one example before it can be computed.")
        return self._max_of_absolute_errors.item()
