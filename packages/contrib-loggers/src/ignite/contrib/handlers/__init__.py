"""`ignite.contrib.handlers` (distribution `ignite-contrib-loggers`): experiment loggers and the progress bar.

``ignite.handlers.TensorboardLogger`` / ``ignite.handlers.ProgressBar`` (Ignite 0.5 paths) resolve to these classes.
Backends are extras imported only when a logger is created: ``pip install "ignite-contrib-loggers[tensorboard]"``
(``[visdom]``, ``[neptune]``, ``[mlflow]``, ``[wandb]``, ``[clearml]``). The schedulers, time profilers, LR finder and
output store that Ignite 0.5 still exports here are those of :mod:`ignite.handlers`.
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
from ignite.contrib.handlers.clearml_logger import ClearMLLogger, ClearMLSaver
from ignite.contrib.handlers.mlflow_logger import MLflowLogger
from ignite.contrib.handlers.neptune_logger import NeptuneLogger, NeptuneSaver
from ignite.contrib.handlers.tensorboard_logger import TensorboardLogger
from ignite.contrib.handlers.tqdm_logger import ProgressBar
from ignite.contrib.handlers.visdom_logger import VisdomLogger
from ignite.contrib.handlers.wandb_logger import WandBLogger
from ignite.handlers import (
    BasicTimeProfiler,
    ConcatScheduler,
    CosineAnnealingScheduler,
    EpochOutputStore,
    FastaiLRFinder,
    HandlersTimeProfiler,
    LinearCyclicalScheduler,
    LRScheduler,
    ParamGroupScheduler,
    PiecewiseLinear,
    create_lr_scheduler_with_warmup,
    global_step_from_engine,
)

__all__ = [
    "BaseHandler",
    "BaseLogger",
    "BaseOptimizerParamsHandler",
    "BaseOutputHandler",
    "BaseWeightsHandler",
    "BaseWeightsHistHandler",
    "BaseWeightsScalarHandler",
    "BasicTimeProfiler",
    "ClearMLLogger",
    "ClearMLSaver",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "EpochOutputStore",
    "FastaiLRFinder",
    "GradsHistHandler",
    "GradsScalarHandler",
    "HandlersTimeProfiler",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "LoggerBackend",
    "MLflowLogger",
    "NeptuneLogger",
    "NeptuneSaver",
    "OptimizerParamsHandler",
    "OutputHandler",
    "ParamGroupScheduler",
    "PiecewiseLinear",
    "ProgressBar",
    "TensorboardLogger",
    "VisdomLogger",
    "WandBLogger",
    "WeightsHistHandler",
    "WeightsScalarHandler",
    "create_lr_scheduler_with_warmup",
    "global_step_from_engine",
]
