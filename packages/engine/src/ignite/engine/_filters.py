"""Event filters: small frozen value objects deciding whether a handler runs for a given event count.

A filter is called as ``filter(engine, value)`` where ``value`` is the iteration or epoch number the event refers to.
The built-in filters are dataclasses (not closures) so that the engine can recognise them: consecutive handlers with
an equal ``every`` filter are tested with a single modulo per firing.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ignite.engine.utils import _check_signature

__all__ = ["BetweenFilter", "EventFilter", "EveryFilter", "OnceFilter", "make_event_filter"]

EventFilter = Callable[[Any, int], bool]


@dataclass(frozen=True, slots=True)
class EveryFilter:
    """True on every ``every``-th value: ``every``, ``2 * every``, ..."""

    every: int

    def __call__(self, engine: Any, event: int) -> bool:
        return event % self.every == 0

    def __repr__(self) -> str:
        return f"every({self.every})"


@dataclass(frozen=True, slots=True)
class OnceFilter:
    """True only for the listed values."""

    values: frozenset[int]

    def __call__(self, engine: Any, event: int) -> bool:
        return event in self.values

    def __repr__(self) -> str:
        return f"once({sorted(self.values)})"


@dataclass(frozen=True, slots=True)
class BetweenFilter:
    """True strictly between ``after`` and ``before``, and then on every ``every``-th value counted from ``after``.

    With ``after=8, every=5`` the handler runs at 9, 14, 19, ... as in PyTorch-Ignite.
    """

    before: int | None
    after: int
    every: int = 1

    def __call__(self, engine: Any, event: int) -> bool:
        if event <= self.after or (self.before is not None and event >= self.before):
            return False
        return (event - self.after - 1) % self.every == 0

    def __repr__(self) -> str:
        return f"between(after={self.after}, before={self.before}, every={self.every})"


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _positive_ints(once: object) -> frozenset[int] | None:
    items: list[object] = [once] if _is_int(once) else list(once) if isinstance(once, (list, tuple)) else []
    values = [int(v) for v in items if isinstance(v, numbers.Integral) and not isinstance(v, bool)]
    if not items or len(values) != len(items) or min(values) <= 0:
        return None
    return frozenset(values)


def make_event_filter(
    event_filter: EventFilter | None = None,
    every: int | None = None,
    once: int | Sequence[int] | None = None,
    before: int | None = None,
    after: int | None = None,
) -> EventFilter | None:
    """Validate the arguments of ``Events.X(...)`` and build the corresponding filter (``None``: no filtering)."""
    given = (
        (event_filter is not None) + (once is not None) + (every is not None or before is not None or after is not None)
    )
    if given != 1:
        raise ValueError(
            "Only one of the input arguments should be specified, except before, after and every: "
            f"got event_filter={event_filter!r}, every={every!r}, once={once!r}, before={before!r}, after={after!r}"
        )
    if event_filter is not None:
        if not callable(event_filter):
            raise TypeError(f"Argument event_filter should be a callable, got {type(event_filter).__name__}")
        _check_signature(event_filter, "event_filter", "engine", "event")
        return event_filter
    if every is not None and not (_is_int(every) and every > 0):
        raise ValueError(f"Argument every should be integer and greater than zero, got {every!r}")
    if before is not None and not (_is_int(before) and before >= 0):
        raise ValueError(f"Argument before should be integer and greater or equal to zero, got {before!r}")
    if after is not None and not (_is_int(after) and after >= 0):
        raise ValueError(f"Argument after should be integer and greater or equal to zero, got {after!r}")
    if once is not None:
        values = _positive_ints(once)
        if values is None:
            raise ValueError(
                f"Argument once should either be a positive integer or a list of positive integers, got {once!r}"
            )
        return OnceFilter(values)
    if before is not None or after is not None:
        return BetweenFilter(before=before, after=0 if after is None else after, every=1 if every is None else every)
    assert every is not None
    # every=1 fires on every event: no filter at all keeps that handler on the fastest path.
    return None if every == 1 else EveryFilter(every)
