"""Import path of :class:`~ignite.metrics.RootMeanSquaredError` (defined in ``_regression_basic``)."""

from __future__ import annotations

from ignite.metrics._regression_basic import RootMeanSquaredError

__all__ = ["RootMeanSquaredError"]
