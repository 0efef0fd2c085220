"""TerminateOnNan: stop the run as soon as the output holds a NaN or an infinity."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Callable
from typing import Any

import torch

from ignite.engine import Engine
from ignite.utils import apply_to_type

__all__ = ["TerminateOnNan"]


class _NonFinite(Exception):
    pass


def _check_finite(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        finite = bool(torch.isfinite(value).all()) if value.is_floating_point() or value.is_complex() else True
    else:
        finite = math.isfinite(value) if isinstance(value, numbers.Real) else True
    if not finite:
        raise _NonFinite
    return value


class TerminateOnNan:
    """Calls ``engine.terminate()`` when ``output_transform(engine.state.output)`` holds a NaN or an infinity.

    Numbers and tensors are found inside nested lists, tuples and dicts. Attach it to ``Events.ITERATION_COMPLETED``.

    >>> import math
    >>> from ignite.engine import Engine, Events
    >>> trainer = Engine(lambda engine, batch: {"loss": batch})
    >>> _ = trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
    >>> trainer.run([1.0, 2.0, math.nan, 3.0]).iteration
    3
    """

    def __init__(self, output_transform: Callable[[Any], Any] = lambda x: x) -> None:
        if not callable(output_transform):
            raise TypeError(f"Argument output_transform should be callable, got {type(output_transform).__name__}")
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")
        self._output_transform = output_transform

    def __call__(self, engine: Engine) -> None:
        output = self._output_transform(engine.state.output)
        try:
            apply_to_type(output, (numbers.Number, torch.Tensor), _check_finite)
        except _NonFinite:
            self.logger.warning("%s: Output '%s' contains NaN or Inf. Stop training", type(self).__name__, output)
            engine.terminate()
