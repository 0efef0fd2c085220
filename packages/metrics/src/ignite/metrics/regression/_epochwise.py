"""Regression metrics that need every prediction of the epoch (medians, ranks, means of the targets)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ignite.metrics._ranking import average_ranks
from ignite.metrics.epoch_metric import EpochMetric
from ignite.metrics.metric import _CPU, _identity
from ignite.metrics.regression._base import check_regression

__all__ = [
    "GeometricMeanRelativeAbsoluteError",
    "KendallRankCorrelation",
    "MedianAbsoluteError",
    "MedianAbsolutePercentageError",
    "MedianRelativeAbsoluteError",
    "SpearmanRankCorrelation",
    "kendall_tau",
    "spearman_rho",
]


def _median(t: torch.Tensor) -> float:
    # The mean of the two middle values for an even count (numpy's median), not torch's lower median.
    s = torch.sort(t).values
    n = s.numel()
    return float(s[n // 2]) if n % 2 else float((s[n // 2 - 1] + s[n // 2]) / 2)


def _pearson(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float("nan") if denominator == 0 else float((a * b).sum()) / denominator


def spearman_rho(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    """Spearman's rank correlation (Pearson correlation of tie-averaged ranks)."""
    return _pearson(average_ranks(y_pred.reshape(-1)), average_ranks(y.reshape(-1)))


def kendall_tau(y_pred: torch.Tensor, y: torch.Tensor, variant: str = "b") -> float:
    """Kendall's tau-b (ties in either variable corrected) or tau-c, pairs counted in row blocks."""
    x, z = y_pred.reshape(-1).to(torch.float64), y.reshape(-1).to(torch.float64)
    n = x.numel()
    concordance = ties_x = ties_z = 0.0
    for start in range(0, n, 1024):
        sx = torch.sign(x[start : start + 1024, None] - x[None, :])
        sz = torch.sign(z[start : start + 1024, None] - z[None, :])
        concordance += float((sx * sz).sum())
        ties_x += float((sx == 0).sum())
        ties_z += float((sz == 0).sum())
    # Every unordered pair was seen twice, and the n self-pairs count as ties.
    concordance /= 2
    pairs = n * (n - 1) / 2
    ties_x, ties_z = (ties_x - n) / 2, (ties_z - n) / 2
    if variant == "b":
        denominator = math.sqrt((pairs - ties_x) * (pairs - ties_z))
        return float("nan") if denominator == 0 else concordance / denominator
    m = min(torch.unique(x).numel(), torch.unique(z).numel())
    return float("nan") if m < 2 else 2 * concordance / (n * n * (m - 1) / m)


class _RegressionEpochMetric(EpochMetric):
    def __init__(
        self,
        compute_fn: Callable[[torch.Tensor, torch.Tensor], Any],
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(compute_fn, output_transform, check_compute_fn, device, skip_unrolling)

    def update(self, output: Any) -> None:
        super().update(check_regression(output))


def _median_absolute_error(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    return _median((y - y_pred).abs())


def _median_absolute_percentage_error(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    return 100.0 * _median((y - y_pred).abs() / y.abs())


def _median_relative_absolute_error(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    return _median((y - y_pred).abs() / (y - y.mean()).abs())


def _geometric_mean_relative_absolute_error(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    return math.exp(float(torch.log((y - y_pred).abs() / (y - y.mean()).abs()).mean()))


class MedianAbsoluteError(_RegressionEpochMetric):
    """``median |y - y_pred|`` over the epoch."""

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(_median_absolute_error, output_transform, device=device, skip_unrolling=skip_unrolling)


class MedianAbsolutePercentageError(_RegressionEpochMetric):
    """``100 * median |y - y_pred| / |y|`` over the epoch."""

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            _median_absolute_percentage_error, output_transform, device=device, skip_unrolling=skip_unrolling
        )


class MedianRelativeAbsoluteError(_RegressionEpochMetric):
    """``median |y - y_pred| / |y - mean(y)|`` over the epoch."""

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            _median_relative_absolute_error, output_transform, device=device, skip_unrolling=skip_unrolling
        )


class GeometricMeanRelativeAbsoluteError(_RegressionEpochMetric):
    """``exp(mean log(|y - y_pred| / |y - mean(y)|))`` over the epoch."""

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            _geometric_mean_relative_absolute_error, output_transform, device=device, skip_unrolling=skip_unrolling
        )


class SpearmanRankCorrelation(_RegressionEpochMetric):
    """Spearman's rank correlation of ``y_pred`` and ``y`` over the epoch (in torch, ties averaged)."""

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(spearman_rho, output_transform, check_compute_fn, device, skip_unrolling)


class _Kendall:
    def __init__(self, variant: str) -> None:
        self.variant = variant

    def __call__(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        return kendall_tau(y_pred, y, self.variant)


class KendallRankCorrelation(_RegressionEpochMetric):
    """Kendall's rank correlation (``variant`` ``"b"`` or ``"c"``) of ``y_pred`` and ``y`` over the epoch."""

    def __init__(
        self,
        variant: str = "b",
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if variant not in ("b", "c"):
            raise ValueError(f"Argument variant should be 'b' or 'c', got {variant!r}")
        super().__init__(_Kendall(variant), output_transform, check_compute_fn, device, skip_unrolling)
