"""Weights & Biases logger: :class:`WandBLogger` and its handlers.

``wandb`` is imported only when a logger is created. Install it with ``pip install "ignite-contrib-loggers[wandb]"``.
Runs can be kept local with ``WandBLogger(mode="offline", dir=...)`` (or ``WANDB_MODE=offline``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import torch

from ignite.contrib.handlers import _handlers
from ignite.contrib.handlers.base_logger import BaseLogger, _check_logger
from ignite.engine import Engine
from ignite.handlers import global_step_from_engine

__all__ = ["OptimizerParamsHandler", "OutputHandler", "WandBLogger", "global_step_from_engine"]

_INSTALL_HINT = 'pip install "ignite-contrib-loggers[wandb]"'


class _WandBBackend:
    """Adapts the ``wandb`` module (its current run) to :class:`~ignite.contrib.handlers.base_logger.LoggerBackend`.

    One ``wandb.log`` call per handler call, so that every value of an event lands in one history row at ``step``.
    """

    def __init__(self, wandb: Any) -> None:
        self.wandb = wandb
        # wandb.log lost its (long since ignored) ``sync`` argument; it is passed on only where it still exists.
        self._log_takes_sync = "sync" in inspect.signature(wandb.log).parameters

    def log(self, values: Mapping[str, float | str], step: int, sync: bool | None = None) -> None:
        kwargs: dict[str, Any] = {"step": step}
        if sync is not None and self._log_takes_sync:
            kwargs["sync"] = sync
        self.wandb.log(dict(values), **kwargs)

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        self.log(values, step)

    def log_text(self, tag: str, text: str, step: int) -> None:
        self.log({tag: text}, step)

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None:
        raise NotImplementedError(
            f"WandBLogger does not log histograms through the Ignite handlers (tag '{tag}'); "
            "use wandb.Histogram with logger.log(...) instead"
        )

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        raise NotImplementedError(
            f"WandBLogger does not log images through the Ignite handlers (tag '{tag}'); "
            "use wandb.Image with logger.log(...) instead"
        )

    def close(self) -> None:
        self.wandb.finish()


class WandBLogger(BaseLogger):
    """Logs to Weights & Biases; ``args``/``kwargs`` go to ``wandb.init`` (``init=False`` skips that call, for a run
    the user started).

    The attributes of the ``wandb`` module are reachable through the logger: ``logger.log(...)``, ``logger.run``,
    ``logger.config``, ``logger.watch(model)``. ``close()`` finishes the run.

    Example::

        wandb_logger = WandBLogger(project="mnist", name="exp1", config={"lr": 0.1}, mode="offline")
        wandb_logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        wandb_logger.attach_output_handler(
            evaluator, Events.EPOCH_COMPLETED, tag="validation", metric_names="all",
            global_step_transform=lambda *_: trainer.state.iteration,
        )
        wandb_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)

    In offline mode the run folder is ``<dir>/wandb/offline-run-*``; ``wandb sync`` uploads it later. wandb's
    service may still be writing the run file when ``close()`` returns; it is complete once the process exits or
    after ``wandb.teardown()``.

    W&B keeps one history row per step and drops values logged with a step below the run's current one, so
    evaluators should log with the trainer's step (``global_step_transform``) as above.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            import wandb  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError as error:
            raise ModuleNotFoundError(f"WandBLogger needs the wandb package: {_INSTALL_HINT}", name="wandb") from error
        self._wandb = wandb
        self._backend = _WandBBackend(wandb)
        if kwargs.pop("init", True):
            wandb.init(*args, **kwargs)

    @property
    def backend(self) -> _WandBBackend:
        return self._backend

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the logger lacks; an unknown name still raises AttributeError (from wandb).
        if name in ("_wandb", "_backend"):
            raise AttributeError(name)
        return getattr(self._wandb, name)

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


def _check_sync(sync: bool | None) -> bool | None:
    if sync is not None and not isinstance(sync, bool):
        raise TypeError(f"Argument sync should be a bool or None, got {type(sync).__name__}")
    return sync


class OutputHandler(_handlers.OutputHandler):
    """Logs metrics, the transformed output and state attributes in one ``wandb.log`` row as ``"{tag}/{name}"``.

    The arguments are those of :class:`ignite.contrib.handlers.OutputHandler`, plus ``sync`` which is handed to
    ``wandb.log`` for the versions of wandb that still take it. With a logger other than :class:`WandBLogger` it
    behaves like the generic handler.
    """

    def __init__(
        self,
        tag: str,
        metric_names: str | list[str] | None = None,
        output_transform: Callable[[Any], Any] | None = None,
        global_step_transform: Callable[[Engine, Any], int] | None = None,
        sync: bool | None = None,
        state_attributes: list[str] | None = None,
    ) -> None:
        super().__init__(tag, metric_names, output_transform, global_step_transform, state_attributes)
        self.sync = _check_sync(sync)

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_logger(self, logger)
        if not isinstance(backend, _WandBBackend):
            super().__call__(engine, logger, event_name)
            return
        values = self._setup_output_metrics_state_attrs(engine, log_text=True, key_tuple=False)
        backend.log(values, self._global_step(engine, event_name), sync=self.sync)


class OptimizerParamsHandler(_handlers.OptimizerParamsHandler):
    """Logs ``param_name`` (default ``"lr"``) of each parameter group as ``"{tag}/{param_name}/group_{i}"``;
    ``sync`` as in :class:`OutputHandler`."""

    def __init__(
        self, optimizer: torch.optim.Optimizer, param_name: str = "lr", tag: str | None = None, sync: bool | None = None
    ) -> None:
        super().__init__(optimizer, param_name, tag)
        self.sync = _check_sync(sync)

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_logger(self, logger)
        if not isinstance(backend, _WandBBackend):
            super().__call__(engine, logger, event_name)
            return
        prefix = f"{self.tag}/" if self.tag else ""
        values = {
            f"{prefix}{self.param_name}/group_{i}": float(group[self.param_name])
            for i, group in enumerate(self.optimizer.param_groups)
        }
        backend.log(values, engine.state.get_event_attrib_value(event_name), sync=self.sync)
