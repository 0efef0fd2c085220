"""The ``setup_*_logging`` helpers of :mod:`ignite.contrib.engines.common`: one logger, the usual handlers attached.

Each helper builds its logger from ``**kwargs`` (the backend is imported then, not when this module is imported) and
attaches, through the logger-independent :func:`_setup_logging`: the trainer's metrics (tag ``"training"``) every
``log_every_iters`` iterations (every iteration for ``None``), the learning rate of each optimizer (tag: the dict key,
e.g. ``"generator/lr/group_0"``, or none for a single optimizer: ``"lr/group_0"``), and the metrics of each evaluator
when it completes (tag ``"validation"`` or the dict keys) at the trainer's epoch -- at the trainer's iteration for
W&B, whose steps must not go backwards. Close the returned logger at the end.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

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
    "setup_trains_logging",
    "setup_mlflow_logging",
    "setup_neptune_logging",
    "setup_tb_logging",
    "setup_visdom_logging",
    "setup_wandb_logging",
]

Optimizers = torch.optim.Optimizer | Mapping[str, torch.optim.Optimizer] | None
Evaluators = Engine | Mapping[str, Engine] | None

_LoggerT = TypeVar("_LoggerT", bound=BaseLogger)


def _check_arguments(
    trainer: Engine, optimizers: Optimizers, evaluators: Evaluators, log_every_iters: int | None
) -> None:
    if not isinstance(trainer, Engine):
        raise TypeError(f"Argument trainer should be an ignite.engine.Engine, got {type(trainer).__name__}")
    if optimizers is not None and not isinstance(optimizers, (torch.optim.Optimizer, Mapping)):
        raise TypeError(
            f"Argument optimizers should be an optimizer or a dict of optimizers, got {type(optimizers).__name__}"
        )
    if isinstance(optimizers, Mapping):
        for key, optimizer in optimizers.items():
            if not isinstance(optimizer, torch.optim.Optimizer):
                raise TypeError(
                    f"Argument optimizers should map tags to torch optimizers, got {type(optimizer).__name__} "
                    f"for {key!r}"
                )
    if evaluators is not None and not isinstance(evaluators, (Engine, Mapping)):
        raise TypeError(
            f"Argument evaluators should be an Engine or a dict of engines, got {type(evaluators).__name__}"
        )
    if isinstance(evaluators, Mapping):
        for key, evaluator in evaluators.items():
            if not isinstance(evaluator, Engine):
                raise TypeError(
                    f"Argument evaluators should map tags to engines, got {type(evaluator).__name__} for {key!r}"
                )
    if log_every_iters is not None:
        if isinstance(log_every_iters, bool) or not isinstance(log_every_iters, int):
            raise TypeError(
                f"Argument log_every_iters should be a positive int or None, got {type(log_every_iters).__name__}"
            )
        if log_every_iters < 1:
            raise ValueError(f"Argument log_every_iters should be a positive int or None, got {log_every_iters}")


def _setup_logging(
    logger: BaseLogger,
    trainer: Engine,
    optimizers: Optimizers,
    evaluators: Evaluators,
    log_every_iters: int | None,
) -> None:
    from ignite.contrib.handlers.wandb_logger import WandBLogger  # the module itself does not import wandb

    _check_arguments(trainer, optimizers, evaluators, log_every_iters)
    every = 1 if log_every_iters is None else log_every_iters
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
        # W&B drops rows whose step is below the last one logged, so the evaluations go in at the trainer's
        # iteration there; the other backends take the trainer's epoch.
        step_event = Events.ITERATION_COMPLETED if isinstance(logger, WandBLogger) else None
        step = global_step_from_engine(trainer, custom_event_name=step_event)
        for tag, evaluator in engines.items():
            logger.attach_output_handler(
                evaluator, Events.COMPLETED, tag=tag, metric_names="all", global_step_transform=step
            )


def _set_up(
    make_logger: Callable[[], _LoggerT],
    trainer: Engine,
    optimizers: Optimizers,
    evaluators: Evaluators,
    log_every_iters: int | None,
) -> _LoggerT:
    # Bad arguments are reported before the logger exists, so that no run or file is left open behind the error.
    _check_arguments(trainer, optimizers, evaluators, log_every_iters)
    logger = make_logger()
    _setup_logging(logger, trainer, optimizers, evaluators, log_every_iters)
    return logger


def setup_tb_logging(
    output_path: str,
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int | None = 100,
    **kwargs: Any,
) -> TensorboardLogger:
    """A :class:`~ignite.contrib.handlers.TensorboardLogger` writing to ``output_path``, set up as the module says."""
    from ignite.contrib.handlers.tensorboard_logger import TensorboardLogger

    return _set_up(
        lambda: TensorboardLogger(log_dir=output_path, **kwargs), trainer, optimizers, evaluators, log_every_iters
    )


def setup_visdom_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int | None = 100,
    **kwargs: Any,
) -> VisdomLogger:
    """A :class:`~ignite.contrib.handlers.VisdomLogger` (``VisdomLogger(**kwargs)``), set up as the module says."""
    from ignite.contrib.handlers.visdom_logger import VisdomLogger

    return _set_up(lambda: VisdomLogger(**kwargs), trainer, optimizers, evaluators, log_every_iters)


def setup_mlflow_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int | None = 100,
    **kwargs: Any,
) -> MLflowLogger:
    """A :class:`~ignite.contrib.handlers.MLflowLogger` (``MLflowLogger(**kwargs)``), set up as the module says."""
    from ignite.contrib.handlers.mlflow_logger import MLflowLogger

    return _set_up(lambda: MLflowLogger(**kwargs), trainer, optimizers, evaluators, log_every_iters)


def setup_neptune_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int | None = 100,
    **kwargs: Any,
) -> NeptuneLogger:
    """A :class:`~ignite.contrib.handlers.NeptuneLogger` (``NeptuneLogger(**kwargs)``; pass ``mode="offline"`` now
    that the hosted service has shut down), set up as the module says."""
    from ignite.contrib.handlers.neptune_logger import NeptuneLogger

    return _set_up(lambda: NeptuneLogger(**kwargs), trainer, optimizers, evaluators, log_every_iters)


def setup_wandb_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int | None = 100,
    **kwargs: Any,
) -> WandBLogger:
    """A :class:`~ignite.contrib.handlers.WandBLogger` (``WandBLogger(**kwargs)``), set up as the module says."""
    from ignite.contrib.handlers.wandb_logger import WandBLogger

    return _set_up(lambda: WandBLogger(**kwargs), trainer, optimizers, evaluators, log_every_iters)


def setup_clearml_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int | None = 100,
    **kwargs: Any,
) -> ClearMLLogger:
    """A :class:`~ignite.contrib.handlers.ClearMLLogger` (``ClearMLLogger(**kwargs)``), set up as the module says."""
    from ignite.contrib.handlers.clearml_logger import ClearMLLogger

    return _set_up(lambda: ClearMLLogger(**kwargs), trainer, optimizers, evaluators, log_every_iters)


def setup_trains_logging(
    trainer: Engine,
    optimizers: Optimizers = None,
    evaluators: Evaluators = None,
    log_every_iters: int | None = 100,
    **kwargs: Any,
) -> ClearMLLogger:
    """The former name of :func:`setup_clearml_logging` (ClearML was called Trains); warns, then calls it."""
    warnings.warn("setup_trains_logging was renamed to setup_clearml_logging", UserWarning, stacklevel=2)
    return setup_clearml_logging(trainer, optimizers, evaluators, log_every_iters, **kwargs)
