"""`ignite.handlers` (distribution `ignite-handlers`): checkpointing, early stopping, timing and other handlers.

The experiment loggers that Ignite 0.5 also exposes here (``TensorboardLogger``, ``ProgressBar``, ...) live in the
distribution ``ignite-contrib-loggers``: they are looked up lazily in ``ignite.contrib.handlers`` on first access.
"""

from __future__ import annotations

from typing import Any

from ignite.handlers._contrib_paths import import_contrib
from ignite.handlers._savers import BaseSaveHandler, DiskSaver
from ignite.handlers.checkpoint import Checkpoint, ModelCheckpoint
from ignite.handlers.early_stopping import EarlyStopping
from ignite.handlers.ema_handler import EMAHandler
from ignite.handlers.fbresearch_logger import FBResearchLogger
from ignite.handlers.lr_finder import FastaiLRFinder
from ignite.handlers.param_scheduler import (
    BaseParamScheduler,
    ConcatScheduler,
    CosineAnnealingScheduler,
    CyclicalScheduler,
    LinearCyclicalScheduler,
    LRScheduler,
    ParamGroupScheduler,
    ParamScheduler,
    PiecewiseLinear,
    ReduceLROnPlateauScheduler,
    create_lr_scheduler_with_warmup,
)
from ignite.handlers.state_param_scheduler import (
    ExpStateScheduler,
    LambdaStateScheduler,
    MultiStepStateScheduler,
    PiecewiseLinearStateScheduler,
    StateParamScheduler,
    StepStateScheduler,
)
from ignite.handlers.stores import EpochOutputStore
from ignite.handlers.terminate_on_nan import TerminateOnNan
from ignite.handlers.time_limit import TimeLimit
from ignite.handlers.time_profilers import BasicTimeProfiler, HandlersTimeProfiler
from ignite.handlers.timing import Timer
from ignite.handlers.utils import global_step_from_engine

__all__ = [
    "BaseParamScheduler",
    "BaseSaveHandler",
    "BasicTimeProfiler",
    "Checkpoint",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "DiskSaver",
    "EMAHandler",
    "EarlyStopping",
    "EpochOutputStore",
    "FBResearchLogger",
    "ExpStateScheduler",
    "FastaiLRFinder",
    "HandlersTimeProfiler",
    "LambdaStateScheduler",
    "MultiStepStateScheduler",
    "PiecewiseLinearStateScheduler",
    "StateParamScheduler",
    "StepStateScheduler",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "ModelCheckpoint",
    "ParamGroupScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
    "ReduceLROnPlateauScheduler",
    "TerminateOnNan",
    "TimeLimit",
    "Timer",
    "create_lr_scheduler_with_warmup",
    "global_step_from_engine",
]

# Names of Ignite 0.5's ``ignite.handlers`` that belong to ignite-contrib-loggers. They stay out of ``__all__`` so
# that ``from ignite.handlers import *`` works without that distribution.
_CONTRIB_LOGGER_NAMES = frozenset(
    {
        "ClearMLLogger",
        "ClearMLSaver",
        "MLflowLogger",
        "NeptuneLogger",
        "NeptuneSaver",
        "ProgressBar",
        "TensorboardLogger",
        "VisdomLogger",
        "WandBLogger",
    }
)
_CONTRIB_MODULE = "ignite.contrib.handlers"


def __getattr__(name: str) -> Any:
    if name not in _CONTRIB_LOGGER_NAMES:
        raise AttributeError(f"module 'ignite.handlers' has no attribute '{name}'")
    module = import_contrib(_CONTRIB_MODULE, f"ignite.handlers.{name}")
    try:
        return getattr(module, name)
    except AttributeError:
        raise ImportError(
            f"ignite.handlers.{name} should come from {_CONTRIB_MODULE}, which is installed but does not define it: "
            'upgrade with pip install -U "ignite-contrib-loggers"',
            name=name,
        ) from None
