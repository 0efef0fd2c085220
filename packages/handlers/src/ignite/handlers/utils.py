"""Small helpers for handlers: ``global_step_from_engine``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ignite.engine import Engine

__all__ = ["global_step_from_engine"]


def global_step_from_engine(engine: Engine, custom_event_name: Any = None) -> Callable[[Any, Any], int]:
    """A ``global_step_transform`` that reads the step from ``engine`` (typically the trainer) instead of the engine
    the handler is attached to: the counter of the event being handled, or of ``custom_event_name``.

    >>> from ignite.engine import Engine, Events
    >>> trainer = Engine(lambda engine, batch: None)
    >>> _ = trainer.run([0, 1, 2], max_epochs=2)
    >>> step = global_step_from_engine(trainer)
    >>> step(None, Events.EPOCH_COMPLETED), step(None, Events.ITERATION_COMPLETED)
    (2, 6)
    """

    def global_step(_: Any, event_name: Any) -> int:
        return engine.state.get_event_attrib_value(custom_event_name if custom_event_name is not None else event_name)

    return global_step
