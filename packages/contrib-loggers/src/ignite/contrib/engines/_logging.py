"""The ``setup_*_logging`` helpers of :mod:`ignite.contrib.engines.common`: one logger, the usual handlers attached.

Each helper builds its logger from ``**kwargs`` (the backend is imported then, not when this module is imported) and
attaches, through the logger-independent :func:`_setup_logging`: the trainer's metrics (tag ``"training"``) every
``log_every_iters`` iterations, the learning rate of each optimizer, and the metrics of each evaluator when it
completes (tag ``"validation"`` or the dict keys), at the trainer's step. Close the returned logger at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch

from ignite.contrib.handlers.base_logger import BaseLogger
from ignite.engine import Engine, Events
from ignite.handlers import global_step_from_engine

if TYPE_CHECKING:
    from ignite.contrib.handlers.clearml_logger import ClearMLLogger
    from ignite.contrib.handlers.mlflow_logger import MLflowLogger
    from ignite.contrib.handlers.neptune_logger import NeptuneLogger
    from ignite.contrib.handlers.tensorboard_logger import TensorboardLogger
    from ignite.contrib.handlers.visdom_logger import VisdomLogger
    from ignite.contrib.handlers.wandb_logger import WandBLogger

__all__ = [
    "setup_clearml_logging",
    "setup_mlflow_logging",
    "setup_neptune_logging",
    "setup_tb_logging",
    "setup_visdom_logging",
    "setup_wandb_logging",
]

Optimizers = torch.optim.Optimizer | Mapping[str, torch.optim.Optimizer] | None
Evaluators = Engine | Mapping[str, Engine] | None


def _setup_logging(
    logger: BaseLogger,
    trainer: Engine,
    optimizers: Optimizers,
    evaluators: Evaluators,
    log_every_iters: int,
) -> None:
    if optimizers is not None and not isinstance(optimizers, (torch.optim.Optimizer, Mapping)):
        raise TypeError(
            f"Argument optimizers should be an optimizer or a dict of optimizers, got {type(optimizers).__name__}"
        )
    if evaluators is not None and not isinstance(evaluators, (Engine, Mapping)):
        raise TypeError(
            f"Argument evaluators should be an Engine or a dict of engines, got {type(evaluators).__name__}"
        )
    every = log_every_iters or 1
    logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED(every=every), tag="training", metric_names="all")
    if optimizers is not None:
        named: dict[str | None, torch.optim.Optimizer] = {}
        if isinstance(optimizers, torch.optim.Optimizer):
            named[None] = optimizers
        else:
            named.update(optimizers)
        for tag, optimizer in named.items():
            logger.attach_opt_params_handler(
                trainer, Events.ITERATION_STARTED(every=every), optimizer, param_name="lr", tag=tag
            )
    if evaluators is not None:
        engines = {"validation": evaluators} if isinstance(evaluators, Engine) else evaluators
        step = global_step_from_engine(trainer)
        for tag, evaluator in engines.items():
            logger.attach_output_handler(
                evaluator, Events.COMPLETED, tag=tag, metric_names="all", global_step_transform=step
            )


def setup_tb_logging(
    output_path: str,
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int = 100,
    **kwargs: Any,
) -> TensorboardLogger:
    """A :class:`~ignite.contrib.handlers.TensorboardLogger` writing to ``output_path``, set up as the module says."""
    from ignite.contrib.handlers.tensorboard_logger import TensorboardLogger

    logger = TensorboardLogger(log_dir=output_path, **kwargs)
    _setup_logging(logger, trainer, optimizers, evaluators, log_every_iters)
    return logger


def setup_visdom_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int = 100,
    **kwargs: Any,
) -> VisdomLogger:
    """A :class:`~ignite.contrib.handlers.VisdomLogger` (``VisdomLogger(**kwargs)``), set up as the module says."""
    from ignite.contrib.handlers.visdom_logger import VisdomLogger

    logger = VisdomLogger(**kwargs)
    _setup_logging(logger, trainer, optimizers, evaluators, log_every_iters)
    return logger


def setup_mlflow_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int = 100,
    **kwargs: Any,
) -> MLflowLogger:
    """A :class:`~ignite.contrib.handlers.MLflowLogger` (``MLflowLogger(**kwargs)``), set up as the module says."""
    from ignite.contrib.handlers.mlflow_logger import MLflowLogger

    logger = MLflowLogger(**kwargs)
    _setup_logging(logger, trainer, optimizers, evaluators, log_every_iters)
    return logger


def setup_neptune_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int = 100,
    **kwargs: Any,
) -> NeptuneLogger:
    """A :class:`~ignite.contrib.handlers.NeptuneLogger` (``NeptuneLogger(**kwargs)``; pass ``mode="offline"`` now
    that the hosted service has shut down), set up as the module says."""
    from ignite.contrib.handlers.neptune_logger import NeptuneLogger

    logger = NeptuneLogger(**kwargs)
    _setup_logging(logger, trainer, optimizers, evaluators, log_every_iters)
    return logger


def setup_wandb_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int = 100,
    **kwargs: Any,
) -> WandBLogger:
    """A :class:`~ignite.contrib.handlers.WandBLogger` (``WandBLogger(**kwargs)``), set up as the module says."""
    from ignite.contrib.handlers.wandb_logger import WandBLogger

    logger = WandBLogger(**kwargs)
    _setup_logging(logger, trainer, optimizers, evaluators, log_every_iters)
    return logger


def setup_clearml_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int = 100,
    **kwargs: Any,
) -> ClearMLLogger:
    """A :class:`~ignite.contrib.handlers.ClearMLLogger` (``ClearMLLogger(**kwargs)``), set up as the module says."""
    from ignite.contrib.handlers.clearml_logger import ClearMLLogger

    logger = ClearMLLogger(**kwargs)
    _setup_logging(logger, trainer, optimizers, evaluators, log_every_iters)
    return logger
