"""`ignite.metrics.regression`: regression metrics, all computed in torch.

The streaming ones keep sums (exact across ranks, one collective); the medians, rank correlations and the
metrics relative to the mean of the targets keep the predictions of the epoch.
"""

from __future__ import annotations

from ignite.metrics.regression._epochwise import (
    GeometricMeanRelativeAbsoluteError,
    KendallRankCorrelation,
    MedianAbsoluteError,
    MedianAbsolutePercentageError,
    MedianRelativeAbsoluteError,
    SpearmanRankCorrelation,
)
from ignite.metrics.regression._streaming import (
    CanberraMetric,
    FractionalAbsoluteError,
    FractionalBias,
    GeometricMeanAbsoluteError,
    ManhattanDistance,
    MaximumAbsoluteError,
    MeanAbsoluteRelativeError,
    MeanError,
    MeanNormalizedBias,
    PearsonCorrelation,
    R2Score,
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
