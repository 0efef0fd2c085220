"""`ignite.contrib.metrics.regression`: the pre-0.5 import path of :mod:`ignite.metrics.regression`."""

from __future__ import annotations

from ignite.metrics.regression import (
    CanberraMetric,
    FractionalAbsoluteError,
    FractionalBias,
    GeometricMeanAbsoluteError,
    GeometricMeanRelativeAbsoluteError,
    KendallRankCorrelation,
    ManhattanDistance,
    MaximumAbsoluteError,
    MeanAbsoluteRelativeError,
    MeanError,
    MeanNormalizedBias,
    MedianAbsoluteError,
    MedianAbsolutePercentageError,
    MedianRelativeAbsoluteError,
    PearsonCorrelation,
    R2Score,
    SpearmanRankCorrelation,
    WaveHedgesDistance,
)

__all__ = [
    "CanberraMetric",
    "FractionalAbsoluteError",
    "FractionalBias",
    "GeometricMeanAbsoluteError",
    "GeometricMeanRelativeAbsoluteError",
    "KendallRankCorrelation",
    "ManhattanDistance",
    "MaximumAbsoluteError",
    "MeanAbsoluteRelativeError",
    "MeanError",
    "MeanNormalizedBias",
    "MedianAbsoluteError",
    "MedianAbsolutePercentageError",
    "MedianRelativeAbsoluteError",
    "PearsonCorrelation",
    "R2Score",
    "SpearmanRankCorrelation",
    "WaveHedgesDistance",
]
