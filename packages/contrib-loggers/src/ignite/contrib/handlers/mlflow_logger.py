"""MLflow logger: :class:`MLflowLogger` and its two handlers, ``OutputHandler`` and ``OptimizerParamsHandler``.

Metrics go to the active MLflow run through ``mlflow.log_metrics(values, step=...)``; any tracking store works
(``sqlite:///path/mlflow.db``, a local folder, a tracking server). ``mlflow`` is imported only when a logger is
created; install it with ``pip install "ignite-contrib-loggers[mlflow]"``.

Metric names are those of Ignite's MLflow handlers: the parts are joined with spaces (``"training loss"``,
``"lr group_0"``), and a name MLflow would reject (characters other than letters, digits, ``_ - . / :`` and space,
or a path such as ``"a//b"``) is dropped with a warning instead of failing the run.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import torch

from ignite.contrib.handlers import _handlers
from ignite.contrib.handlers.base_logger import BaseHandler, BaseLogger
from ignite.engine import Engine
from ignite.handlers import global_step_from_engine

__all__ = ["MLflowLogger", "OptimizerParamsHandler", "OutputHandler", "global_step_from_engine"]

_INSTALL_HINT = 'pip install "ignite-contrib-loggers[mlflow]"'


def _import_mlflow() -> Any:
    try:
        import mlflow  # type: ignore[import-not-found,unused-ignore]
    except ImportError as error:
        raise ModuleNotFoundError(
            f"MLflowLogger needs mlflow (mlflow>=2.10): {_INSTALL_HINT}", name="mlflow"
        ) from error
    return mlflow


class _MLflowBackend:
    """Adapts ``mlflow``'s fluent API (the active run) to the ``LoggerBackend`` Protocol."""

    def __init__(self, mlflow: Any) -> None:
        self.mlflow = mlflow

    def _is_valid_name(self, name: str) -> bool:
        from mlflow.utils.validation import (  # type: ignore[import-not-found,unused-ignore]
            path_not_unique,
            validate_param_and_metric_name,
        )

        return bool(validate_param_and_metric_name(name)) and not path_not_unique(name)

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        metrics: dict[str, float] = {}
        for name, value in values.items():
            if self._is_valid_name(name):
                metrics[name] = value
            else:
                # MLflow raises on such a name, which would stop training for a cosmetic problem.
                warnings.warn(
                    f"MLflowLogger output_handler encountered an invalid metric name '{name}' that will be ignored "
                    f"and not logged to MLflow",
                    stacklevel=2,
                )
        if metrics:
            self.mlflow.log_metrics(metrics, step=step)

    def log_text(self, tag: str, text: str, step: int) -> None:
        raise NotImplementedError(f"MLflowLogger logs numbers only, got text for '{tag}'")

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None:
        raise NotImplementedError(f"MLflowLogger logs numbers only, got a histogram for '{tag}'")

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        raise NotImplementedError(f"MLflowLogger logs numbers only, got an image for '{tag}'")

    def close(self) -> None:
        self.mlflow.end_run()


def _check_mlflow_logger(handler: BaseHandler, logger: Any) -> _MLflowBackend:
    if not isinstance(logger, MLflowLogger):
        raise TypeError(f"Handler '{type(handler).__name__}' works only with MLflowLogger, got {type(logger).__name__}")
    return logger.backend


class MLflowLogger(BaseLogger):
    """Logs to the active MLflow run, starting one if there is none.

    ``tracking_uri`` (when given) is passed to ``mlflow.set_tracking_uri``. The run in use is :attr:`active_run`.
    Functions of the ``mlflow`` module can be called on the logger: ``mlflow_logger.log_params({...})``.
    ``close()`` ends the active run.

    Args:
        tracking_uri: MLflow tracking URI, e.g. ``"sqlite:///mlflow.db"`` or ``"http://127.0.0.1:5000"``.

    Example::

        mlflow_logger = MLflowLogger(tracking_uri="sqlite:///mlflow.db")
        mlflow_logger.log_params({"batch_size": 64, "model": "resnet18"})
        mlflow_logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        mlflow_logger.attach_output_handler(
            evaluator, Events.EPOCH_COMPLETED, tag="validation", metric_names=["nll", "accuracy"],
            global_step_transform=global_step_from_engine(trainer),
        )
        mlflow_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer, param_name="lr")
        trainer.run(data, max_epochs=5)
        mlflow_logger.close()

    This logs ``"training loss"`` per iteration, ``"validation nll"`` / ``"validation accuracy"`` at the trainer's
    iteration, and ``"lr group_0"``.
    """

    def __init__(self, tracking_uri: str | None = None) -> None:
        if tracking_uri is not None and not isinstance(tracking_uri, str):
            raise TypeError(f"Argument tracking_uri should be a str or None, got {type(tracking_uri).__name__}")
        mlflow = _import_mlflow()
        if tracking_uri is not None:
            mlflow.set_tracking_uri(tracking_uri)
        self.active_run = mlflow.active_run() or mlflow.start_run()
        self._backend = _MLflowBackend(mlflow)

    @property
    def backend(self) -> _MLflowBackend:
        return self._backend

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the logger lacks. The guard stops a recursion before __init__ set the backend.
        if name in ("_backend", "active_run"):
            raise AttributeError(name)
        return getattr(self._backend.mlflow, name)

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> BaseHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> BaseHandler:
        return OptimizerParamsHandler(*args, **kwargs)


class OutputHandler(_handlers.OutputHandler):
    """Logs metrics, the transformed engine output and state attributes as MLflow metrics named
    ``"{tag} {name}"`` (``"{tag} {name} {i}"`` for the elements of a 1-d tensor, ``"{tag} {name} {key}"`` for dicts).

    The arguments are those of :class:`ignite.contrib.handlers.OutputHandler`. Strings cannot be logged as MLflow
    metrics: they are skipped with a warning.
    """

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_mlflow_logger(self, logger)
        # Names keep Ignite's MLflow spelling (space-joined) so that existing MLflow experiments stay comparable.
        values = self._setup_output_metrics_state_attrs(engine, log_text=False, key_tuple=True)
        step = self._global_step(engine, event_name)
        backend.log_scalars({" ".join(key): float(value) for key, value in values.items()}, step)


class OptimizerParamsHandler(_handlers.OptimizerParamsHandler):
    """Logs ``param_name`` (default ``"lr"``) of each parameter group as ``"{tag} {param_name} group_{i}"``."""

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_mlflow_logger(self, logger)
        step = engine.state.get_event_attrib_value(event_name)
        prefix = f"{self.tag} " if self.tag else ""
        values = {
            f"{prefix}{self.param_name} group_{i}": float(group[self.param_name])
            for i, group in enumerate(self.optimizer.param_groups)
        }
        backend.log_scalars(values, step)
