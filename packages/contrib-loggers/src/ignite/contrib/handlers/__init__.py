"""`ignite.contrib.handlers` (distribution `ignite-contrib-loggers`): experiment loggers and the progress bar.

``ignite.handlers.TensorboardLogger`` / ``ignite.handlers.ProgressBar`` (Ignite 0.5 paths) resolve to these classes.
Backends are extras imported only when a logger is created: ``pip install "ignite-contrib-loggers[tensorboard]"``.
"""

from __future__ import annotations

from ignite.contrib.handlers._handlers import (
    GradsHistHandler,
    GradsScalarHandler,
    OptimizerParamsHandler,
    OutputHandler,
    WeightsHistHandler,
    WeightsScalarHandler,
)
from ignite.contrib.handlers.base_logger import (
    BaseHandler,
    BaseLogger,
    BaseOptimizerParamsHandler,
    BaseOutputHandler,
    BaseWeightsHandler,
    BaseWeightsHistHandler,
    BaseWeightsScalarHandler,
    LoggerBackend,
)
from ignite.contrib.handlers.tensorboard_logger import TensorboardLogger
from ignite.contrib.handlers.tqdm_logger import ProgressBar
from ignite.handlers import global_step_from_engine

__all__ = [
    "BaseHandler",
    "BaseLogger",
    "BaseOptimizerParamsHandler",
    "BaseOutputHandler",
    "BaseWeightsHandler",
    "BaseWeightsHistHandler",
    "BaseWeightsScalarHandler",
    "GradsHistHandler",
    "GradsScalarHandler",
    "LoggerBackend",
    "OptimizerParamsHandler",
    "OutputHandler",
    "ProgressBar",
    "TensorboardLogger",
    "WeightsHistHandler",
    "WeightsScalarHandler",
    "global_step_from_engine",
]
