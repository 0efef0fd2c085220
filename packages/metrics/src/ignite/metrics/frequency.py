"""Throughput: how many items (tokens, samples...) per second the outputs report."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._usage import _events
from ignite.metrics.metric import _CPU, EngineLike, Metric, _identity

__all__ = ["Frequency"]


class Frequency(Metric):
    """Sum of the outputs (e.g. tokens per batch) divided by the seconds since the last reset; across ranks the
    counts are summed and the longest elapsed time is used.

    When attached, it resets at each epoch start, counts at each iteration and computes on ``event_name``.

    >>> freq = Frequency()
    >>> freq.update(128)
    >>> freq.compute() > 0
    True
    """

    required_output_keys = None
    _n: torch.Tensor
    _elapsed: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_n", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_elapsed", torch.tensor(0.0, dtype=torch.float64), "max")

    def reset(self) -> None:
        super().reset()
        self._start = time.perf_counter()

    def update(self, output: Any) -> None:
        if isinstance(output, bool) or not isinstance(output, (int, float, torch.Tensor)):
            raise TypeError(f"Argument output should be a number of items, got {type(output).__name__}")
        self._n += float(output)
        self._elapsed.fill_(time.perf_counter() - self._start)

    def compute(self) -> float:
        if self._elapsed <= 0:
            raise NotComputableError("Frequency must have at least one update before it can be computed.")
        return (self._n / self._elapsed).item()

    def attach(self, engine: EngineLike, name: str, event_name: Any = None) -> None:
        events = _events()
        event = events.ITERATION_COMPLETED if event_name is None else event_name
        engine.add_event_handler(events.EPOCH_STARTED, self.started)
        engine.add_event_handler(events.ITERATION_COMPLETED, self.iteration_completed)
        engine.add_event_handler(event, self.completed, name)
