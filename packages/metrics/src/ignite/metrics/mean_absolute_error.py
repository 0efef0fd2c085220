"""Import path of :class:`~ignite.metrics.MeanAbsoluteError` (defined in ``_regression_basic``)."""

from __future__ import annotations

from ignite.metrics._regression_basic import MeanAbsoluteError

__all__ = ["MeanAbsoluteError"]
