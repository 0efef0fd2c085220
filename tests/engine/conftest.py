from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from ignite.engine import Engine, Events

Record = list[tuple[str, int, int]]

# Every built-in event except EXCEPTION_RAISED (its handlers take the exception; tests attach their own).
ALL_EVENTS = [e for e in Events if e is not Events.EXCEPTION_RAISED]


def attach_recorder(engine: Engine, events: Iterable[Any] = ALL_EVENTS) -> Record:
    """Record ``(event name, epoch, iteration)`` each time one of ``events`` fires on ``engine``."""
    record: Record = []
    for event in events:
        name = event.name if hasattr(event, "name") else str(event)

        def on_event(engine: Engine, name: str = name) -> None:
            record.append((name, engine.state.epoch, engine.state.iteration))

        engine.add_event_handler(event, on_event)
    return record


def iteration_events(epoch: int, iteration: int, get_batch_started: bool = True) -> Record:
    """The events of one iteration that ends with ``state.iteration == iteration``."""
    before = [("GET_BATCH_STARTED", epoch, iteration - 1)] if get_batch_started else []
    return [
        *before,
        ("GET_BATCH_COMPLETED", epoch, iteration - 1),
        ("ITERATION_STARTED", epoch, iteration),
        ("ITERATION_COMPLETED", epoch, iteration),
    ]


@pytest.fixture
def recorder() -> Callable[..., Record]:
    return attach_recorder


@pytest.fixture
def iter_events() -> Callable[..., Record]:
    return iteration_events
