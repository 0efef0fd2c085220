"""`ignite.handlers.param_scheduler`: every parameter scheduler, under Ignite's module path."""

from __future__ import annotations

from ignite.handlers._basic_schedulers import (
    BaseParamScheduler,
    CosineAnnealingScheduler,
    CyclicalScheduler,
    LinearCyclicalScheduler,
    ParamScheduler,
    PiecewiseLinear,
)
from ignite.handlers._composite_schedulers import ConcatScheduler, ParamGroupScheduler, create_lr_scheduler_with_warmup
from ignite.handlers._torch_schedulers import LRScheduler, ReduceLROnPlateauScheduler

__all__ = [
    "BaseParamScheduler",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "ParamGroupScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
    "ReduceLROnPlateauScheduler",
    "create_lr_scheduler_with_warmup",
]
