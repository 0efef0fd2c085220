"""Method wrappers of the Metric base, and Ignite's decorators for hand-written metrics."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

import ignite.distributed as idist

if TYPE_CHECKING:
    from ignite.metrics.metric import Metric

__all__ = ["reinit__is_reduced", "sync_all_reduce"]


def _bumps_version(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(self: Metric, *args: Any, **kwargs: Any) -> Any:
        self.__dict__["_version"] = self.__dict__.get("_version", 0) + 1
        return fn(self, *args, **kwargs)

    return wrapper


def _computes_on_synced_states(fn: Callable[[Metric], Any]) -> Callable[[Metric], Any]:
    @functools.wraps(fn)
    def wrapper(self: Metric) -> Any:
        with self._synced_view():
            return fn(self)

    return wrapper


def reinit__is_reduced(func: Callable[..., Any]) -> Callable[..., Any]:
    """Ignite's decorator for ``update``/``reset`` of hand-written metrics. Kept for compatibility: the base class
    already tracks changes, so it returns the function with its version bump.
    """
    return _bumps_version(func)


def sync_all_reduce(*attrs: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Ignite's decorator for ``compute`` of metrics that do not declare their state: all-reduce the named attributes
    (``"name"`` for a sum, ``"name:MAX"`` / ``"name:MIN"`` ...) around the call, restoring the local values after.
    Metrics that use :meth:`Metric.add_state` need no decorator.
    """

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(self: Metric, *args: Any, **kwargs: Any) -> Any:
            if idist.get_world_size() == 1:
                return func(self, *args, **kwargs)
            saved: dict[str, Any] = {}
            for spec in attrs:
                name, _, op = spec.partition(":")
                value = getattr(self, name)
                saved[name] = value
                copy = value.clone() if isinstance(value, torch.Tensor) else value
                setattr(self, name, idist.all_reduce(copy, op=op or "SUM"))
            try:
                return func(self, *args, **kwargs)
            finally:
                for name, value in saved.items():
                    setattr(self, name, value)

        return wrapper

    return decorator
