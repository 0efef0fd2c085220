"""Import path of :class:`~ignite.metrics.MeanSquaredError` (defined in ``_regression_basic``)."""

from __future__ import annotations

from ignite.metrics._regression_basic import MeanSquaredError

__all__ = ["MeanSquaredError"]
