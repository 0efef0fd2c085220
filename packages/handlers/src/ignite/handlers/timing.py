"""Timer: a stopwatch driven by engine events."""

from __future__ import annotations

import time
from typing import Any

from ignite.engine import Engine, Events

__all__ = ["Timer"]


class Timer:
    """A stopwatch that can be started, paused, resumed and stepped by engine events.

    ``value()`` is the running time in seconds, divided by the number of steps when ``average=True``.

    >>> from ignite.engine import Engine, Events
    >>> trainer = Engine(lambda engine, batch: None)
    >>> timer = Timer(average=True).attach(
    ...     trainer, start=Events.EPOCH_STARTED, resume=Events.ITERATION_STARTED,
    ...     pause=Events.ITERATION_COMPLETED, step=Events.ITERATION_COMPLETED)
    >>> _ = trainer.run([0, 1, 2])
    >>> timer.step_count, timer.running, timer.value() >= 0
    (3.0, False, True)
    """

    def __init__(self, average: bool = False) -> None:
        self._average = average
        self.reset()

    def attach(
        self,
        engine: Engine,
        start: Any = Events.STARTED,
        pause: Any = Events.COMPLETED,
        resume: Any = None,
        step: Any = None,
    ) -> Timer:
        """Reset on ``start``, pause on ``pause``, resume on ``resume`` and count a step on ``step``."""
        engine.add_event_handler(start, self.reset)
        engine.add_event_handler(pause, self.pause)
        if resume is not None:
            engine.add_event_handler(resume, self.resume)
        if step is not None:
            engine.add_event_handler(step, self.step)
        return self

    def reset(self, *args: Any) -> Timer:
        """Zero the time and the steps and start running."""
        self._t0 = time.perf_counter()
        self.total = 0.0
        self.step_count = 0.0
        self.running = True
        return self

    def pause(self, *args: Any) -> None:
        if self.running:
            self.total += self._elapsed()
            self.running = False

    def resume(self, *args: Any) -> None:
        if not self.running:
            self.running = True
            self._t0 = time.perf_counter()

    def value(self) -> float:
        total = self.total + (self._elapsed() if self.running else 0.0)
        return total / max(self.step_count, 1.0) if self._average else total

    def step(self, *args: Any) -> None:
        self.step_count += 1.0

    def _elapsed(self) -> float:
        return time.perf_counter() - self._t0
