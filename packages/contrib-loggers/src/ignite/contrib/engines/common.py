"""Helpers that wire the usual handlers of a training run in one call."""

from __future__ import annotations

import gc
import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.utils.data.distributed import DistributedSampler

import ignite.distributed as idist
from ignite.contrib.engines._logging import (
    setup_clearml_logging,
    setup_mlflow_logging,
    setup_neptune_logging,
    setup_tb_logging,
    setup_trains_logging,
    setup_visdom_logging,
    setup_wandb_logging,
)
from ignite.contrib.handlers.tqdm_logger import ProgressBar
from ignite.engine import Engine, Events
from ignite.handlers import (
    BaseSaveHandler,
    Checkpoint,
    DiskSaver,
    EarlyStopping,
    TerminateOnNan,
    global_step_from_engine,
)
from ignite.metrics import RunningAverage
from ignite.utils import deprecated

if TYPE_CHECKING:
    from ignite.metrics.gpu_info import GpuInfo

__all__ = [
    "add_early_stopping_by_val_score",
    "empty_cuda_cache",
    "gen_save_best_models_by_val_score",
    "get_default_score_fn",
    "save_best_model_by_val_score",
    "setup_any_logging",
    "setup_clearml_logging",
    "setup_common_distrib_training_handlers",
    "setup_common_training_handlers",
    "setup_mlflow_logging",
    "setup_neptune_logging",
    "setup_tb_logging",
    "setup_trains_logging",
    "setup_visdom_logging",
    "setup_wandb_logging",
]


def empty_cuda_cache(_: Engine) -> None:
    """Release cached CUDA memory (a no-op without CUDA), after collecting garbage that may still hold tensors."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _pick_output(output: Any, index: int, name: str) -> Any:
    if isinstance(output, Mapping):
        return output[name]
    if isinstance(output, Sequence) and not isinstance(output, str):
        return output[index]
    if isinstance(output, (torch.Tensor, numbers.Number)):
        return output
    raise TypeError(
        f"With output_names, the trainer's output should be a mapping, a sequence, a tensor or a number, "
        f"got {type(output).__name__}"
    )


def setup_common_training_handlers(
    trainer: Engine,
    train_sampler: DistributedSampler[Any] | None = None,
    to_save: Mapping[str, Any] | None = None,
    save_every_iters: int = 1000,
    output_path: str | Path | None = None,
    lr_scheduler: Any = None,
    with_gpu_stats: bool = False,
    output_names: Iterable[str] | None = None,
    with_pbars: bool = True,
    with_pbar_on_iters: bool = True,
    log_every_iters: int = 100,
    stop_on_nan: bool = True,
    clear_cuda_cache: bool = True,
    save_handler: Callable[..., Any] | BaseSaveHandler | None = None,
    **kwargs: Any,
) -> None:
    """Attach the usual training handlers to ``trainer`` (in a distributed run as well as in a single process).

    - ``train_sampler``: a ``DistributedSampler`` whose ``set_epoch`` is called at each epoch start when the world
      size is above 1 (with a single process it is ignored, with a warning, as in Ignite);
    - ``to_save`` with ``output_path`` or ``save_handler`` (mutually exclusive): a ``Checkpoint`` (prefix
      ``"training"``) every ``save_every_iters`` iterations; ``kwargs`` go to ``Checkpoint``;
    - ``lr_scheduler``: a torch LR scheduler (stepped after each iteration) or a ParamScheduler such as
      :class:`~ignite.handlers.LRScheduler` (run at the start of each iteration);
    - ``with_gpu_stats``: :class:`~ignite.metrics.GpuInfo` as ``"gpu"`` every ``log_every_iters`` iterations (needs
      ``pynvml`` and a CUDA device, checked here rather than during the run);
    - ``output_names``: a ``RunningAverage`` of each named part of the output, stored in ``trainer.state.metrics``;
    - ``with_pbars``: progress bars (on rank 0 only) over epochs and, with ``with_pbar_on_iters``, over iterations
      (refreshed every ``log_every_iters``);
    - ``stop_on_nan``: ``TerminateOnNan``; ``clear_cuda_cache``: empty the CUDA cache after each epoch.
    """
    if not isinstance(trainer, Engine):
        raise TypeError(f"Argument trainer should be an ignite.engine.Engine, got {type(trainer).__name__}")
    if output_path is not None and save_handler is not None:
        raise ValueError("Arguments output_path and save_handler are mutually exclusive, got both")
    if to_save is not None and output_path is None and save_handler is None:
        raise ValueError("Argument to_save needs output_path or save_handler, got neither")
    if train_sampler is not None and not isinstance(train_sampler, DistributedSampler):
        raise TypeError(
            f"Argument train_sampler should be a torch DistributedSampler, got {type(train_sampler).__name__}"
        )
    if lr_scheduler is not None and not (
        isinstance(lr_scheduler, torch.optim.lr_scheduler.LRScheduler) or callable(lr_scheduler)
    ):
        raise TypeError(
            f"Argument lr_scheduler should be a torch LRScheduler or an ignite ParamScheduler, "
            f"got {type(lr_scheduler).__name__}"
        )
    # Built before anything is attached: a missing pynvml or GPU fails the call, not the run.
    gpu_info = _gpu_info() if with_gpu_stats else None

    if train_sampler is not None:
        if idist.get_world_size() > 1:
            sampler = train_sampler

            @trainer.on(Events.EPOCH_STARTED)
            def set_sampler_epoch(engine: Engine) -> None:
                sampler.set_epoch(engine.state.epoch - 1)

        else:
            warnings.warn(
                "Argument train_sampler is a DistributedSampler but the world size is 1 (no distributed run): "
                "it is ignored",
                UserWarning,
                stacklevel=2,
            )
    if stop_on_nan:
        trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
    if isinstance(lr_scheduler, torch.optim.lr_scheduler.LRScheduler):
        scheduler = lr_scheduler
        trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda _: scheduler.step())
    elif lr_scheduler is not None:
        trainer.add_event_handler(Events.ITERATION_STARTED, lr_scheduler)
    if clear_cuda_cache and torch.cuda.is_available():
        trainer.add_event_handler(Events.EPOCH_COMPLETED, empty_cuda_cache)
    if to_save is not None:
        handler = save_handler if save_handler is not None else DiskSaver(str(output_path), require_empty=False)
        checkpoint = Checkpoint(to_save, handler, filename_prefix="training", **kwargs)
        trainer.add_event_handler(Events.ITERATION_COMPLETED(every=save_every_iters), checkpoint)
    if gpu_info is not None:
        gpu_info.attach(trainer, name="gpu", event_name=Events.ITERATION_COMPLETED(every=log_every_iters))
    for index, name in enumerate(output_names or []):
        average = RunningAverage(output_transform=partial(_pick_output, index=index, name=name), epoch_bound=False)
        average.attach(trainer, name)
    if with_pbars and idist.get_rank() == 0:
        if with_pbar_on_iters:
            ProgressBar(persist=False).attach(
                trainer, metric_names="all", event_name=Events.ITERATION_COMPLETED(every=log_every_iters)
            )
        ProgressBar(persist=True, bar_format="").attach(
            trainer, event_name=Events.EPOCH_STARTED, closing_event_name=Events.COMPLETED
        )


def _gpu_info() -> GpuInfo:
    # Imported here: GpuInfo is only needed with with_gpu_stats=True.
    from ignite.metrics.gpu_info import GpuInfo

    return GpuInfo()


# Ignite's name from the time the distributed case had a function of its own.
setup_common_distrib_training_handlers = setup_common_training_handlers


@deprecated(
    "0.4.0",
    "0.6.0",
    ("use setup_tb_logging, setup_visdom_logging, setup_mlflow_logging, ... instead",),
    raise_exception=True,
)
def setup_any_logging(
    logger: Any, logger_module: Any, trainer: Engine, optimizers: Any, evaluators: Any, log_every_iters: int
) -> None:
    """Removed: raises ``DeprecationWarning``; use the ``setup_*_logging`` function of the logger instead."""


get_default_score_fn = Checkpoint.get_default_score_fn


def gen_save_best_models_by_val_score(
    save_handler: Callable[..., Any] | BaseSaveHandler,
    evaluator: Engine,
    models: nn.Module | Mapping[str, nn.Module],
    metric_name: str,
    n_saved: int = 3,
    trainer: Engine | None = None,
    tag: str = "val",
    score_sign: float = 1.0,
    **kwargs: Any,
) -> Checkpoint:
    """Keep the ``n_saved`` best ``models`` by ``evaluator.state.metrics[metric_name]`` (times ``score_sign``),
    checked when the evaluator completes; file names carry the trainer's epoch when ``trainer`` is given."""
    to_save = {"model": models} if isinstance(models, nn.Module) else models
    checkpoint = Checkpoint(
        to_save,
        save_handler,
        filename_prefix="best",
        n_saved=n_saved,
        global_step_transform=global_step_from_engine(trainer) if trainer is not None else None,
        score_name=f"{tag}_{metric_name.lower()}",
        score_function=Checkpoint.get_default_score_fn(metric_name, score_sign=score_sign),
        **kwargs,
    )
    evaluator.add_event_handler(Events.COMPLETED, checkpoint)
    return checkpoint


def save_best_model_by_val_score(
    output_path: str,
    evaluator: Engine,
    model: nn.Module,
    metric_name: str,
    n_saved: int = 3,
    trainer: Engine | None = None,
    tag: str = "val",
    score_sign: float = 1.0,
    **kwargs: Any,
) -> Checkpoint:
    """:func:`gen_save_best_models_by_val_score` with a :class:`~ignite.handlers.DiskSaver` in ``output_path``."""
    return gen_save_best_models_by_val_score(
        DiskSaver(output_path, require_empty=False),
        evaluator,
        {"model": model},
        metric_name,
        n_saved=n_saved,
        trainer=trainer,
        tag=tag,
        score_sign=score_sign,
        **kwargs,
    )


def add_early_stopping_by_val_score(
    patience: int, evaluator: Engine, trainer: Engine, metric_name: str, score_sign: float = 1.0
) -> EarlyStopping:
    """Stop ``trainer`` when ``evaluator.state.metrics[metric_name]`` (times ``score_sign``) has not improved for
    ``patience`` evaluations."""
    stopper = EarlyStopping(
        patience=patience,
        score_function=Checkpoint.get_default_score_fn(metric_name, score_sign=score_sign),
        trainer=trainer,
    )
    evaluator.add_event_handler(Events.COMPLETED, stopper)
    return stopper
