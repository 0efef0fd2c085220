"""Exponential moving average of a metric or of the engine output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

import ignite.distributed as idist
from ignite.exceptions import NotComputableError
from ignite.metrics.metric import EngineLike, Metric, MetricUsage, RunningBatchWise, SingleEpochRunningBatchWise

__all__ = ["RunningAverage"]

_RUNNING_BATCH_WISE = RunningBatchWise()


class RunningAverage(Metric):
    """``value = alpha * value + (1 - alpha) * x`` at each update, where ``x`` is the value of ``src`` on the batch
    (``src`` is then reset) or, with ``src=None``, the output itself averaged over ranks.

    Args:
        src: a metric, or None to average ``output_transform(engine.state.output)``.
        alpha: smoothing factor in (0, 1].
        output_transform: only with ``src=None`` (a metric has its own).
        epoch_bound: deprecated; ``True`` attaches with ``SingleEpochRunningBatchWise``.

    >>> import torch
    >>> ra = RunningAverage(output_transform=lambda x: x, alpha=0.5)
    >>> for x in (1.0, 3.0):
    ...     ra.update(torch.tensor(x))
    >>> ra.compute()
    2.0
    """

    _value: torch.Tensor
    _num_folds: torch.Tensor

    required_output_keys = None

    def __init__(
        self,
        src: Metric | None = None,
        alpha: float = 0.98,
        output_transform: Callable[..., Any] | None = None,
        epoch_bound: bool | None = None,
        device: str | torch.device | None = None,
        skip_unrolling: bool = False,
    ) -> None:
        if not (isinstance(src, Metric) or src is None):
            raise TypeError(f"Argument src should be a Metric or None, got {type(src).__name__}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0.0 < alpha <= 1.0:
            raise ValueError(f"Argument alpha should be a float in (0, 1], got {alpha!r}")
        if isinstance(src, Metric):
            if output_transform is not None:
                raise ValueError("Argument output_transform should be None when src is a Metric (it has its own)")
            if device is not None:
                raise ValueError("Argument device should be None when src is a Metric (its device is used)")
            device = src._device
        elif output_transform is None:
            raise ValueError("Argument output_transform should be given when src is None, e.g. lambda x: x")
        self.src = src
        self.alpha = float(alpha)
        self.epoch_bound = epoch_bound
        super().__init__(
            output_transform=output_transform if output_transform is not None else (lambda x: x),
            device=device if device is not None else torch.device("cpu"),
            skip_unrolling=skip_unrolling,
        )
        # The moving average is already a value over all ranks: it is kept, not reduced.
        self.add_state("_value", torch.tensor(0.0, dtype=torch.float64), None)
        # Counted rather than signalled by a NaN value, so that a NaN output propagates like any other value.
        self.add_state("_num_folds", torch.tensor(0, dtype=torch.int64), None)

    def reset(self) -> None:
        super().reset()
        if isinstance(self.__dict__.get("src"), Metric):
            self.src.reset()  # type: ignore[union-attr]

    def _fold(self, value: Any) -> None:
        value = torch.as_tensor(value, dtype=torch.float64).to(self._device)
        if int(self._num_folds) == 0:
            self._value = value.clone()
        else:
            self._value = self._value * self.alpha + (1.0 - self.alpha) * value
        self._num_folds = self._num_folds + 1

    def update(self, output: Any) -> None:
        if self.src is None:
            value = torch.as_tensor(output).detach().to(self._device, torch.float64, copy=True)
            self._fold(idist.all_reduce(value) / idist.get_world_size())
        else:
            self.src.update(output)
            self._fold(self.src.compute())
            self.src.reset()

    def iteration_completed(self, engine: EngineLike) -> None:
        if self.src is None:
            super().iteration_completed(engine)
            return
        self.src.iteration_completed(engine)
        self._fold(self.src.compute())
        self.src.reset()

    def compute(self) -> Any:
        if int(self._num_folds) == 0:
            raise NotComputableError("RunningAverage must be updated at least once before it can be computed.")
        return self._value.item() if self._value.ndim == 0 else self._value.clone()

    def attach(self, engine: EngineLike, name: str, usage: str | MetricUsage = _RUNNING_BATCH_WISE) -> None:
        if self.epoch_bound:
            usage = SingleEpochRunningBatchWise()
        super().attach(engine, name, usage)

    def detach(self, engine: EngineLike, usage: str | MetricUsage = _RUNNING_BATCH_WISE) -> None:
        if self.epoch_bound:
            usage = SingleEpochRunningBatchWise()
        super().detach(engine, usage)

    def is_attached(self, engine: EngineLike, usage: str | MetricUsage = _RUNNING_BATCH_WISE) -> bool:
        if self.epoch_bound:
            usage = SingleEpochRunningBatchWise()
        return super().is_attached(engine, usage)
