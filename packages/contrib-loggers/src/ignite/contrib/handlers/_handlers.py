"""The Ignite logging handlers, written once against :class:`~ignite.contrib.handlers.base_logger.LoggerBackend`.

Each backend module (``tensorboard_logger``, ...) re-exports these classes under Ignite's names.
"""

from __future__ import annotations

from typing import Any

from ignite.contrib.handlers.base_logger import (
    BaseOptimizerParamsHandler,
    BaseOutputHandler,
    BaseWeightsHistHandler,
    BaseWeightsScalarHandler,
    _check_logger,
)
from ignite.engine import Engine

__all__ = [
    "GradsHistHandler",
    "GradsScalarHandler",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsHistHandler",
    "WeightsScalarHandler",
]


def _prefix(tag: str | None) -> str:
    return f"{tag}/" if tag else ""


class OutputHandler(BaseOutputHandler):
    """Logs metrics, the transformed engine output and state attributes as ``"{tag}/{name}"`` scalars
    (string values as text).

    Args:
        tag: prefix of every logged key, e.g. ``"training"``.
        metric_names: names in ``engine.state.metrics`` to log, or ``"all"``.
        output_transform: turns ``engine.state.output`` into a number, a tensor or a dict of them.
        global_step_transform: ``(engine, event_name) -> int``; by default the counter of the event. Use
            :func:`~ignite.handlers.global_step_from_engine` to log an evaluator with the trainer's step.
        state_attributes: names of ``engine.state`` attributes to log.
    """

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_logger(self, logger)
        values = self._setup_output_metrics_state_attrs(engine, log_text=True, key_tuple=False)
        step = self._global_step(engine, event_name)
        scalars = {key: value for key, value in values.items() if not isinstance(value, str)}
        if scalars:
            backend.log_scalars(scalars, step)
        for key, value in values.items():
            if isinstance(value, str):
                backend.log_text(key, value, step)


class OptimizerParamsHandler(BaseOptimizerParamsHandler):
    """Logs ``param_name`` (default ``"lr"``) of each parameter group as ``"{tag}/{param_name}/group_{i}"``."""

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_logger(self, logger)
        step = engine.state.get_event_attrib_value(event_name)
        values = {
            f"{_prefix(self.tag)}{self.param_name}/group_{i}": float(group[self.param_name])
            for i, group in enumerate(self.optimizer.param_groups)
        }
        backend.log_scalars(values, step)


def _reduction_name(reduction: Any) -> str:
    return str(getattr(reduction, "__name__", type(reduction).__name__))


class WeightsScalarHandler(BaseWeightsScalarHandler):
    """Logs ``reduction(parameter)`` (default: its norm) as ``"{tag}/weights_{reduction}/{name}"``."""

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_logger(self, logger)
        step = engine.state.get_event_attrib_value(event_name)
        head = f"{_prefix(self.tag)}weights_{_reduction_name(self.reduction)}"
        values = {f"{head}/{name.replace('.', '/')}": self._reduce(name, p.detach()) for name, p in self.weights}
        backend.log_scalars(values, step)


class GradsScalarHandler(BaseWeightsScalarHandler):
    """Logs ``reduction(parameter.grad)`` as ``"{tag}/grads_{reduction}/{name}"``; parameters with no grad are
    skipped."""

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_logger(self, logger)
        step = engine.state.get_event_attrib_value(event_name)
        head = f"{_prefix(self.tag)}grads_{_reduction_name(self.reduction)}"
        values = {
            f"{head}/{name.replace('.', '/')}": self._reduce(name, p.grad.detach())
            for name, p in self.weights
            if p.grad is not None
        }
        if values:
            backend.log_scalars(values, step)


class WeightsHistHandler(BaseWeightsHistHandler):
    """Logs the histogram of each parameter as ``"{tag}/weights/{name}"``."""

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_logger(self, logger)
        step = engine.state.get_event_attrib_value(event_name)
        for name, p in self.weights:
            backend.log_histogram(f"{_prefix(self.tag)}weights/{name.replace('.', '/')}", p.detach().cpu(), step)


class GradsHistHandler(BaseWeightsHistHandler):
    """Logs the histogram of each parameter's gradient as ``"{tag}/grads/{name}"``; parameters with no grad are
    skipped."""

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        backend = _check_logger(self, logger)
        step = engine.state.get_event_attrib_value(event_name)
        for name, p in self.weights:
            if p.grad is not None:
                backend.log_histogram(f"{_prefix(self.tag)}grads/{name.replace('.', '/')}", p.grad.detach().cpu(), step)
