"""Deprecated path of :mod:`ignite.handlers.param_scheduler`: importing it warns, as in Ignite 0.5."""

from __future__ import annotations

import warnings

from ignite.handlers.param_scheduler import (
    ConcatScheduler,
    CosineAnnealingScheduler,
    CyclicalScheduler,
    LinearCyclicalScheduler,
    LRScheduler,
    ParamGroupScheduler,
    ParamScheduler,
    PiecewiseLinear,
    create_lr_scheduler_with_warmup,
)

__all__ = [
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "LinearCyclicalScheduler",
    "LRScheduler",
    "ParamGroupScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
    "create_lr_scheduler_with_warmup",
]

warnings.warn(
    "ignite.contrib.handlers.param_scheduler has moved to ignite.handlers.param_scheduler: import from there "
    "(this path will be removed)",
    DeprecationWarning,
    stacklevel=2,
)
