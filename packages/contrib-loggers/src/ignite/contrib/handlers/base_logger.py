"""The logger framework: a small backend Protocol, :class:`BaseLogger` and the base handler classes.

Every experiment logger (TensorBoard, the in-memory fake used by tests, ...) is a :class:`BaseLogger` wrapping an
object that satisfies :class:`LoggerBackend`. The handler classes (``OutputHandler``, ``OptimizerParamsHandler``,
``WeightsScalarHandler``, ...) are written once against that Protocol in :mod:`ignite.contrib.handlers._handlers`.
"""

from __future__ import annotations

import numbers
import warnings
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import torch
from torch import nn

from ignite.engine import Engine, Events, EventsList, RemovableEventHandle

__all__ = [
    "BaseHandler",
    "BaseLogger",
    "BaseOptimizerParamsHandler",
    "BaseOutputHandler",
    "BaseWeightsHandler",
    "BaseWeightsHistHandler",
    "BaseWeightsScalarHandler",
    "LoggerBackend",
]


_LoggerT = TypeVar("_LoggerT", bound="BaseLogger")


@runtime_checkable
class LoggerBackend(Protocol):
    """What a logger needs from an experiment-tracking library: one thin adapter per library implements it."""

    def log_scalars(self, values: Mapping[str, float], step: int) -> None: ...

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None: ...

    def log_text(self, tag: str, text: str, step: int) -> None: ...

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None: ...

    def close(self) -> None: ...


class BaseHandler(metaclass=ABCMeta):
    """A callable attached by :meth:`BaseLogger.attach`: it is called with ``(engine, logger, event_name)``."""

    @abstractmethod
    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        pass


class BaseLogger(metaclass=ABCMeta):
    """Base class of the experiment loggers. Subclasses provide :attr:`backend`; ``close`` closes it.

    Usable as a context manager: the logger is closed when the block ends.
    """

    @property
    @abstractmethod
    def backend(self) -> LoggerBackend:
        """The adapter the handlers write to."""

    def attach(
        self, engine: Engine, log_handler: Callable[[Engine, Any, Any], Any], event_name: Any
    ) -> RemovableEventHandle | list[RemovableEventHandle]:
        """Call ``log_handler(engine, self, event_name)`` when ``event_name`` fires on ``engine``.

        ``event_name`` may be filtered (``Events.ITERATION_COMPLETED(every=10)``) or a list (``A | B``): each event of
        a list gets its own registration and a list of handles is returned.
        """
        if not isinstance(engine, Engine):
            raise TypeError(f"Argument engine should be an ignite.engine.Engine, got {type(engine).__name__}")
        if not callable(log_handler):
            raise TypeError(f"Argument log_handler should be callable, got {type(log_handler).__name__}")
        if isinstance(event_name, EventsList):
            for event in event_name:
                self._check_event(engine, event)
            return [engine.add_event_handler(event, log_handler, self, event) for event in event_name]
        self._check_event(engine, event_name)
        return engine.add_event_handler(event_name, log_handler, self, event_name)

    @staticmethod
    def _check_event(engine: Engine, event_name: Any) -> None:
        # The handlers read the global step from the event's state attribute, so the event must have one.
        if event_name not in engine.state.event_to_attr:
            raise ValueError(
                f"Argument event_name should be an event with a state attribute ({sorted(str(e) for e in Events)} "
                f"or a registered custom event with event_to_attr), got {event_name!r}"
            )

    def attach_output_handler(
        self, engine: Engine, event_name: Any, *args: Any, **kwargs: Any
    ) -> RemovableEventHandle | list[RemovableEventHandle]:
        """Attach an ``OutputHandler(*args, **kwargs)`` of this logger to ``event_name``."""
        return self.attach(engine, self._create_output_handler(*args, **kwargs), event_name)

    def attach_opt_params_handler(
        self, engine: Engine, event_name: Any, *args: Any, **kwargs: Any
    ) -> RemovableEventHandle | list[RemovableEventHandle]:
        """Attach an ``OptimizerParamsHandler(*args, **kwargs)`` of this logger to ``event_name``."""
        return self.attach(engine, self._create_opt_params_handler(*args, **kwargs), event_name)

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> BaseHandler:
        from ignite.contrib.handlers._handlers import OutputHandler

        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> BaseHandler:
        from ignite.contrib.handlers._handlers import OptimizerParamsHandler

        return OptimizerParamsHandler(*args, **kwargs)

    def close(self) -> None:
        """Flush and close the backend."""
        self.backend.close()

    def __enter__(self: _LoggerT) -> _LoggerT:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


def _check_logger(handler: BaseHandler, logger: Any) -> LoggerBackend:
    if not isinstance(logger, BaseLogger):
        raise TypeError(
            f"Handler '{type(handler).__name__}' works only with a logger deriving from BaseLogger, "
            f"got {type(logger).__name__}"
        )
    return logger.backend


def _default_global_step(engine: Engine, event_name: Any) -> int:
    return engine.state.get_event_attrib_value(event_name)


class BaseOptimizerParamsHandler(BaseHandler):
    """Logs ``param_name`` of every parameter group of ``optimizer``."""

    def __init__(self, optimizer: torch.optim.Optimizer, param_name: str = "lr", tag: str | None = None) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer) and not hasattr(optimizer, "param_groups"):
            raise TypeError(
                f"Argument optimizer should be a torch.optim.Optimizer or have param_groups, got {type(optimizer)}"
            )
        if not isinstance(param_name, str):
            raise TypeError(f"Argument param_name should be a str, got {type(param_name).__name__}")
        self.optimizer = optimizer
        self.param_name = param_name
        self.tag = tag


class BaseOutputHandler(BaseHandler):
    """Collects metrics, transformed output and state attributes of an engine into flat ``{key: value}`` form."""

    def __init__(
        self,
        tag: str,
        metric_names: str | list[str] | None = None,
        output_transform: Callable[[Any], Any] | None = None,
        global_step_transform: Callable[[Engine, Any], int] | None = None,
        state_attributes: list[str] | None = None,
    ) -> None:
        if metric_names is not None and not (
            metric_names == "all" or (isinstance(metric_names, list) and all(isinstance(n, str) for n in metric_names))
        ):
            raise TypeError(f"Argument metric_names should be a list of str or the string 'all', got {metric_names!r}")
        if output_transform is not None and not callable(output_transform):
            raise TypeError(f"Argument output_transform should be callable, got {type(output_transform).__name__}")
        if global_step_transform is not None and not callable(global_step_transform):
            raise TypeError(
                f"Argument global_step_transform should be callable, got {type(global_step_transform).__name__}"
            )
        if state_attributes is not None and not isinstance(state_attributes, list):
            raise TypeError(f"Argument state_attributes should be a list of str, got {type(state_attributes).__name__}")
        if metric_names is None and output_transform is None and state_attributes is None:
            raise ValueError(
                "Either metric_names, output_transform or state_attributes should be defined, got all three None"
            )
        self.tag = tag
        self.metric_names = metric_names
        self.output_transform = output_transform
        self.global_step_transform = global_step_transform or _default_global_step
        self.state_attributes = state_attributes

    def _global_step(self, engine: Engine, event_name: Any) -> int:
        step = self.global_step_transform(engine, event_name)
        if not isinstance(step, int) or isinstance(step, bool):
            raise TypeError(
                f"global_step should be an int, got {type(step).__name__}: check the output of global_step_transform"
            )
        return step

    def _collect(self, engine: Engine) -> dict[str, Any]:
        """Raw values by name: metrics, then the transformed output, then state attributes."""
        collected: dict[str, Any] = {}
        if self.metric_names == "all":
            collected.update(engine.state.metrics)
        elif self.metric_names is not None:
            for name in self.metric_names:
                if name in engine.state.metrics:
                    collected[name] = engine.state.metrics[name]
                else:
                    warnings.warn(
                        f"Provided metric name '{name}' is missing in engine's state metrics: "
                        f"{list(engine.state.metrics)}",
                        stacklevel=3,
                    )
        if self.output_transform is not None:
            output = self.output_transform(engine.state.output)
            collected.update(output if isinstance(output, Mapping) else {"output": output})
        for attr in self.state_attributes or []:
            collected[attr] = getattr(engine.state, attr, None)
        return collected

    def _setup_output_metrics_state_attrs(
        self, engine: Engine, log_text: bool = False, key_tuple: bool = True
    ) -> dict[Any, float | str]:
        """Flattened values: keys are ``(tag, name, ...)`` tuples, or ``"tag/name/..."`` strings if not key_tuple.

        Numbers and 0-d tensors give one value, 1-d tensors one value per element, mappings one per key;
        strings are kept only when ``log_text``; anything else is skipped with a warning.
        """
        flat: dict[Any, float | str] = {}

        def add(path: tuple[str, ...], value: Any) -> None:
            key: Any = path if key_tuple else "/".join(path)
            if isinstance(value, numbers.Number) and not isinstance(value, complex):
                flat[key] = float(value)  # type: ignore[arg-type]
            elif isinstance(value, torch.Tensor) and value.ndim == 0:
                flat[key] = value.item()
            elif isinstance(value, torch.Tensor) and value.ndim == 1:
                for i, item in enumerate(value.tolist()):
                    add((*path, str(i)), item)
            elif isinstance(value, Mapping):
                for sub_key, sub_value in value.items():
                    add((*path, str(sub_key)), sub_value)
            elif isinstance(value, str) and log_text:
                flat[key] = value
            else:
                warnings.warn(f"Logger output handler can not log values of type {type(value)} ({path})", stacklevel=4)

        prefix = (self.tag,) if self.tag else ()
        for name, value in self._collect(engine).items():
            add((*prefix, name), value)
        return flat


def _select_parameters(
    model: nn.Module, whitelist: list[str] | Callable[[str, nn.Parameter], bool] | None
) -> list[tuple[str, nn.Parameter]]:
    named = list(model.named_parameters())
    if whitelist is None:
        return named
    if callable(whitelist):
        return [(n, p) for n, p in named if whitelist(n, p)]
    if isinstance(whitelist, Sequence) and not isinstance(whitelist, str):
        return [(n, p) for n, p in named if any(n.startswith(prefix) for prefix in whitelist)]
    raise TypeError(
        f"Argument whitelist should be a list of parameter-name prefixes or a callable(name, parameter) -> bool, "
        f"got {type(whitelist).__name__}"
    )


class BaseWeightsHandler(BaseHandler):
    """Holds the ``(name, parameter)`` pairs of ``model`` kept by ``whitelist`` (name prefixes or a predicate)."""

    def __init__(
        self,
        model: nn.Module,
        tag: str | None = None,
        whitelist: list[str] | Callable[[str, nn.Parameter], bool] | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"Argument model should be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.tag = tag
        self.weights = _select_parameters(model, whitelist)


class BaseWeightsScalarHandler(BaseWeightsHandler):
    """A weights handler that reduces each parameter (or gradient) to one number with ``reduction``."""

    def __init__(
        self,
        model: nn.Module,
        reduction: Callable[[torch.Tensor], Any] = torch.norm,
        tag: str | None = None,
        whitelist: list[str] | Callable[[str, nn.Parameter], bool] | None = None,
    ) -> None:
        super().__init__(model, tag=tag, whitelist=whitelist)
        if not callable(reduction):
            raise TypeError(f"Argument reduction should be callable, got {type(reduction).__name__}")
        self.reduction = reduction

    def _reduce(self, name: str, tensor: torch.Tensor) -> float:
        value = self.reduction(tensor)
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            return value.item()
        if isinstance(value, numbers.Real):
            return float(value)
        raise ValueError(
            f"Argument reduction should return a number or a one-element tensor, got {type(value).__name__} "
            f"for parameter '{name}'"
        )


class BaseWeightsHistHandler(BaseWeightsHandler):
    """A weights handler that logs the histogram of each parameter (or gradient)."""
