"""EpochOutputStore: keep the outputs of an epoch, e.g. to compute something over all of them at its end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ignite.engine import Engine, Events

__all__ = ["EpochOutputStore"]


class EpochOutputStore:
    """Keeps ``output_transform(engine.state.output)`` of every iteration of the current epoch in :attr:`data`.

    With ``attach(engine, name)``, the list is also stored as ``engine.state.<name>`` when the epoch completes.

    >>> from ignite.engine import Engine
    >>> evaluator = Engine(lambda engine, batch: batch * 10)
    >>> store = EpochOutputStore()
    >>> store.attach(evaluator, "outputs")
    >>> evaluator.run([1, 2, 3]).outputs
    [10, 20, 30]
    """

    def __init__(self, output_transform: Callable[[Any], Any] = lambda x: x) -> None:
        if not callable(output_transform):
            raise TypeError(f"Argument output_transform should be callable, got {type(output_transform).__name__}")
        self.data: list[Any] = []
        self.name: str | None = None
        self.output_transform = output_transform

    def reset(self) -> None:
        self.data = []

    def update(self, engine: Engine) -> None:
        self.data.append(self.output_transform(engine.state.output))

    def store(self, engine: Engine) -> None:
        """Set ``engine.state.<name>`` to :attr:`data` (``name`` as given to :meth:`attach`)."""
        if self.name is None:
            raise RuntimeError("EpochOutputStore.store needs a name: call attach(engine, name) first")
        setattr(engine.state, self.name, self.data)

    def attach(self, engine: Engine, name: str | None = None) -> None:
        engine.add_event_handler(Events.EPOCH_STARTED, self.reset)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.update)
        if name:
            if not name.isidentifier():
                raise ValueError(f"Argument name should be a valid attribute name, got {name!r}")
            self.name = name
            engine.add_event_handler(Events.EPOCH_COMPLETED, self.store)
