"""When an attached metric resets, updates and computes: the ``MetricUsage`` family.

A usage names three engine events by their ``Events`` member name (``"EPOCH_STARTED"``...). The names are resolved
to ``ignite.engine.Events`` members only when the metric is attached, so that ``import ignite.metrics`` never
imports ``ignite.engine``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "BatchFiltered",
    "BatchWise",
    "EpochWise",
    "MetricUsage",
    "RunningBatchWise",
    "RunningEpochWise",
    "SingleEpochRunningBatchWise",
]


def _events() -> Any:
    # ignite-metrics does not depend on ignite-engine: the engine is imported only when a metric is attached, so
    # `import ignite.metrics` never loads it. tools/py/check_edges.py lists this optional edge by name.
    try:
        from ignite.engine import Events
    except ImportError as exc:
        raise ImportError(
            "Attaching a metric to an engine needs the distribution ignite-engine: pip install ignite-engine"
        ) from exc
    return Events


class MetricUsage:
    """Base of the usages: which events reset (``STARTED``), update (``ITERATION_COMPLETED``) and compute
    (``COMPLETED``) an attached metric. The event properties import ``ignite.engine`` when read.

    >>> EpochWise().usage_name
    'epoch_wise'
    """

    usage_name: str = "custom"

    def __init__(self, started: str, completed: str, iteration_completed: str) -> None:
        self._started = started
        self._completed = completed
        self._iteration_completed = iteration_completed

    @property
    def STARTED(self) -> Any:
        return getattr(_events(), self._started)

    @property
    def COMPLETED(self) -> Any:
        return getattr(_events(), self._completed)

    @property
    def ITERATION_COMPLETED(self) -> Any:
        return getattr(_events(), self._iteration_completed)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class EpochWise(MetricUsage):
    """Reset at each epoch start, update every iteration, compute at each epoch end (the default)."""

    usage_name = "epoch_wise"

    def __init__(self) -> None:
        super().__init__("EPOCH_STARTED", "EPOCH_COMPLETED", "ITERATION_COMPLETED")


class RunningEpochWise(MetricUsage):
    """Reset once when the run starts, update every iteration, compute at each epoch end."""

    usage_name = "running_epoch_wise"

    def __init__(self) -> None:
        super().__init__("STARTED", "EPOCH_COMPLETED", "ITERATION_COMPLETED")


class BatchWise(MetricUsage):
    """Reset at each iteration start, update and compute at each iteration end."""

    usage_name = "batch_wise"

    def __init__(self) -> None:
        super().__init__("ITERATION_STARTED", "ITERATION_COMPLETED", "ITERATION_COMPLETED")


class RunningBatchWise(MetricUsage):
    """Reset once when the run starts, update and compute at each iteration end."""

    usage_name = "running_batch_wise"

    def __init__(self) -> None:
        super().__init__("STARTED", "ITERATION_COMPLETED", "ITERATION_COMPLETED")


class SingleEpochRunningBatchWise(MetricUsage):
    """Reset at each epoch start, update and compute at each iteration end."""

    usage_name = "single_epoch_running_batch_wise"

    def __init__(self) -> None:
        super().__init__("EPOCH_STARTED", "ITERATION_COMPLETED", "ITERATION_COMPLETED")


class BatchFiltered(MetricUsage):
    """Like :class:`EpochWise`, but update only on the iterations that ``Events.ITERATION_COMPLETED(*args,
    **kwargs)`` selects (e.g. ``every=2``).
    """

    usage_name = "filtered"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not args and not kwargs:
            raise ValueError("BatchFiltered needs a filter, e.g. BatchFiltered(every=2); got no argument")
        super().__init__("EPOCH_STARTED", "EPOCH_COMPLETED", "ITERATION_COMPLETED")
        self._args = args
        self._kwargs = kwargs

    @property
    def ITERATION_COMPLETED(self) -> Any:
        return _events().ITERATION_COMPLETED(*self._args, **self._kwargs)


_USAGES_BY_NAME: dict[str, Callable[[], MetricUsage]] = {
    cls.usage_name: cls
    for cls in (EpochWise, RunningEpochWise, BatchWise, RunningBatchWise, SingleEpochRunningBatchWise)
}


def as_usage(usage: str | MetricUsage) -> MetricUsage:
    if isinstance(usage, MetricUsage):
        return usage
    if isinstance(usage, str) and usage in _USAGES_BY_NAME:
        return _USAGES_BY_NAME[usage]()
    raise ValueError(f"Argument usage should be a MetricUsage or one of {sorted(_USAGES_BY_NAME)}, got {usage!r}")
