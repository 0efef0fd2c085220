"""Metrics built from other metrics by a function: ``MetricsLambda``, what the arithmetic operators return."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from ignite.metrics.metric import _EPOCH_WISE, EngineLike, Metric, MetricUsage

__all__ = ["MetricsLambda"]


class MetricsLambda(Metric):
    """``f(*args, **kwargs)`` where every argument that is a :class:`Metric` is replaced by its computed value.

    The dependencies are reset and updated by this metric (``update`` feeds each distinct leaf metric once), and
    when attached to an engine their reset/update handlers are added while only this metric stores a result.
    Computing syncs the states of all the leaf metrics across ranks in one coalesced collective.

    >>> import torch
    >>> from ignite.metrics import Average
    >>> a, b = Average(), Average()
    >>> ratio = MetricsLambda(lambda x, y: x / y, a, b)
    >>> a.update(torch.tensor(3.0)); b.update(torch.tensor(2.0))
    >>> ratio.compute()
    tensor(1.5000, dtype=torch.float64)
    """

    def __init__(self, f: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        if not callable(f):
            raise TypeError(f"Argument f should be callable, got {type(f).__name__}")
        self.function = f
        self.args = args
        self.kwargs = kwargs
        self.engine: EngineLike | None = None
        self._ready = False
        super().__init__(device="cpu")
        self._ready = True

    def _dependencies(self) -> list[Metric]:
        return [m for m in (*self.args, *self.kwargs.values()) if isinstance(m, Metric)]

    def _leaf_metrics(self) -> list[Metric]:
        leaves: list[Metric] = []
        for dep in self._dependencies():
            found = dep._leaf_metrics() if isinstance(dep, MetricsLambda) else [dep]
            leaves.extend(m for m in found if all(m is not seen for seen in leaves))
        return leaves

    def _sync_leaves(self) -> list[Metric]:
        return [m for leaf in self._leaf_metrics() for m in leaf._sync_leaves()]

    def reset(self) -> None:
        # Building a lambda must not wipe what its dependencies accumulated already (standalone use).
        if not self.__dict__.get("_ready", False):
            return
        for metric in self._leaf_metrics():
            metric.reset()

    def update(self, output: Any) -> None:
        for metric in self._leaf_metrics():
            metric.update(output)

    def state_dict(self) -> OrderedDict[str, Any]:
        """The states of the leaf metrics, in the order of :meth:`_leaf_metrics`."""
        return OrderedDict(metrics=[m.state_dict() for m in self._leaf_metrics()])

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        leaves = self._leaf_metrics()
        states = state_dict.get("metrics") if isinstance(state_dict, Mapping) else None
        if not isinstance(states, list) or len(states) != len(leaves):
            raise ValueError(
                f"Argument state_dict should be {{'metrics': [one state per leaf metric ({len(leaves)})]}}, "
                f"got {state_dict!r:.200}"
            )
        for metric, state in zip(leaves, states, strict=True):
            metric.load_state_dict(state)

    def compute(self) -> Any:
        args = [a.compute() if isinstance(a, Metric) else a for a in self.args]
        kwargs = {k: v.compute() if isinstance(v, Metric) else v for k, v in self.kwargs.items()}
        return self.function(*args, **kwargs)

    def _internal_attach(self, engine: EngineLike, usage: MetricUsage) -> None:
        self.engine = engine
        for metric in self._dependencies():
            if isinstance(metric, MetricsLambda):
                metric._internal_attach(engine, usage)
                continue
            if not engine.has_event_handler(metric.started, usage.STARTED):
                engine.add_event_handler(usage.STARTED, metric.started)
            if not engine.has_event_handler(metric.iteration_completed, usage.ITERATION_COMPLETED):
                engine.add_event_handler(usage.ITERATION_COMPLETED, metric.iteration_completed)

    def attach(self, engine: EngineLike, name: str, usage: str | MetricUsage = _EPOCH_WISE) -> None:
        usage = self._check_usage(usage)
        self._internal_attach(engine, usage)
        engine.add_event_handler(usage.COMPLETED, self.completed, name)
        self._join_sync_group(engine, usage.COMPLETED)

    def detach(self, engine: EngineLike, usage: str | MetricUsage = _EPOCH_WISE) -> None:
        usage = self._check_usage(usage)
        if engine.has_event_handler(self.completed, usage.COMPLETED):
            engine.remove_event_handler(self.completed, usage.COMPLETED)
        self._internal_detach(engine, usage)
        super().detach(engine, usage)

    def _internal_detach(self, engine: EngineLike, usage: MetricUsage) -> None:
        for metric in self._dependencies():
            if isinstance(metric, MetricsLambda):
                metric._internal_detach(engine, usage)
                continue
            handlers = ((metric.started, usage.STARTED), (metric.iteration_completed, usage.ITERATION_COMPLETED))
            for handler, event in handlers:
                if engine.has_event_handler(handler, event):
                    engine.remove_event_handler(handler, event)

    def is_attached(self, engine: EngineLike, usage: str | MetricUsage = _EPOCH_WISE) -> bool:
        usage = self._check_usage(usage)
        return engine.has_event_handler(self.completed, usage.COMPLETED) and self._deps_attached(engine, usage)

    def _deps_attached(self, engine: EngineLike, usage: MetricUsage) -> bool:
        for metric in self._dependencies():
            if isinstance(metric, MetricsLambda):
                if not metric._deps_attached(engine, usage):
                    return False
            elif not engine.has_event_handler(metric.iteration_completed, usage.ITERATION_COMPLETED):
                return False
        return True
