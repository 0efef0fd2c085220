"""TimeLimit: stop a run once a wall-clock budget is spent."""

from __future__ import annotations

import logging
import time

from ignite.engine import Engine

__all__ = ["TimeLimit"]


class TimeLimit:
    """Calls ``engine.terminate()`` once ``limit_sec`` seconds have passed since this handler was created.

    Attach it to ``Events.ITERATION_COMPLETED`` (or any event checked often enough).
    """

    def __init__(self, limit_sec: int | None = 28800) -> None:
        if limit_sec is not None:
            if isinstance(limit_sec, bool) or not isinstance(limit_sec, (int, float)):
                raise TypeError(f"Argument limit_sec should be a number of seconds, got {type(limit_sec).__name__}")
            if limit_sec <= 0:
                raise ValueError(f"Argument limit_sec should be a positive number of seconds, got {limit_sec!r}")
        self.limit_sec = limit_sec
        self.start_time = time.time()
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")

    def __call__(self, engine: Engine) -> None:
        if self.limit_sec is None:
            return
        elapsed = time.time() - self.start_time
        if elapsed > self.limit_sec:
            self.logger.info("Reached the time limit: %s sec. Stop training", self.limit_sec)
            engine.terminate()
