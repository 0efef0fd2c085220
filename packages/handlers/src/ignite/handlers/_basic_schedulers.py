"""Parameter schedulers written in closed form: the base classes, cyclical schedules and piecewise-linear ones.

Each scheduler is a handler: every call sets the parameter for the next event and advances ``event_index``. The value
functions are written in closed form in :meth:`get_param`, so :meth:`simulate_values` needs no engine.
"""

from __future__ import annotations

import bisect
import importlib
import math
import numbers
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from copy import copy
from typing import Any

from ignite.base import Serializable
from ignite.engine import Engine

__all__ = [
    "BaseParamScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "LinearCyclicalScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
]


class BaseParamScheduler(Serializable, metaclass=ABCMeta):
    """Common part of parameter schedulers: ``event_index``, state dict over :attr:`_state_attrs`, simulation."""

    def __init__(self, param_name: str, save_history: bool = False) -> None:
        if not isinstance(param_name, str):
            raise TypeError(f"Argument param_name should be a str, got {type(param_name).__name__}")
        self.param_name = param_name
        self.event_index = 0
        self._save_history = save_history
        self._state_attrs = ["event_index", "param_name", "save_history"]

    @property
    def save_history(self) -> bool:
        return self._save_history

    @save_history.setter
    def save_history(self, value: bool) -> None:
        self._save_history = value

    @abstractmethod
    def get_param(self) -> float | list[float]:
        """The value of the parameter at the current ``event_index``."""

    def state_dict(self) -> OrderedDict[str, Any]:
        """The scheduler's position and settings (nested objects by their own ``state_dict``)."""
        state: OrderedDict[str, Any] = OrderedDict()
        for name in self._state_attrs:
            value = getattr(self, name)
            state[name] = value.state_dict() if hasattr(value, "state_dict") else copy(value)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a Mapping (e.g. a dict), got {type(state_dict).__name__}")
        for name in self._state_attrs:
            if name not in state_dict:
                raise ValueError(
                    f"Required state attribute '{name}' is absent in the provided state_dict (keys: {list(state_dict)})"
                )
            current = getattr(self, name)
            if hasattr(current, "load_state_dict"):
                current.load_state_dict(state_dict[name])
            else:
                setattr(self, name, state_dict[name])

    @classmethod
    def plot_values(cls, num_events: int, **scheduler_kwargs: Any) -> Any:
        """Plot :meth:`simulate_values` with matplotlib (imported only here); returns the lines drawn."""
        try:
            plt = importlib.import_module("matplotlib.pyplot")
        except ImportError as error:
            raise ImportError("plot_values needs matplotlib: pip install matplotlib") from error
        values = cls.simulate_values(num_events=num_events, **scheduler_kwargs)  # type: ignore[attr-defined]
        label = scheduler_kwargs.get("param_name", "param")
        return plt.plot([event for event, _ in values], [value for _, value in values], label=label)


class _FakeOptimizer:
    """Stands in for an optimizer in :meth:`ParamScheduler.simulate_values`."""

    def __init__(self, param_name: str) -> None:
        self.param_groups: list[dict[str, Any]] = [{"params": [], param_name: 0.0}]


class ParamScheduler(BaseParamScheduler):
    """Base of the schedulers that set ``param_name`` in the param groups of ``optimizer``.

    ``param_group_index`` limits the schedule to one param group. With ``save_history=True`` the values set are
    appended to ``engine.state.param_history[param_name]``.
    """

    def __init__(
        self, optimizer: Any, param_name: str, save_history: bool = False, param_group_index: int | None = None
    ) -> None:
        super().__init__(param_name, save_history)
        groups = getattr(optimizer, "param_groups", None)
        if not isinstance(groups, Sequence) or isinstance(groups, str):
            raise TypeError(
                "Argument optimizer should be a torch.optim.Optimizer or have a list 'param_groups', "
                f"got {type(optimizer).__name__}"
            )
        if param_group_index is not None and not (
            isinstance(param_group_index, int) and 0 <= param_group_index < len(groups)
        ):
            raise ValueError(
                f"Argument param_group_index should be None or an index of the {len(groups)} param groups, "
                f"got {param_group_index!r}"
            )
        self.optimizer = optimizer
        self.param_group_index = param_group_index
        missing = [i for i, group in enumerate(self.optimizer_param_groups) if param_name not in group]
        if missing:
            known = sorted(k for k in self.optimizer_param_groups[missing[0]] if k != "params")
            raise ValueError(
                f"Argument param_name should be a parameter of the optimizer's param groups, got {param_name!r} "
                f"(param group {missing[0]} has {known})"
            )
        self._state_attrs += ["param_group_index"]

    @property
    def optimizer_param_groups(self) -> list[dict[str, Any]]:
        groups = self.optimizer.param_groups
        return list(groups) if self.param_group_index is None else [groups[self.param_group_index]]

    def __call__(self, engine: Engine | None, name: str | None = None) -> None:
        value = self._get_param()
        groups = self.optimizer_param_groups
        if isinstance(value, list):
            if len(value) != len(groups):
                raise ValueError(
                    f"get_param() returned {len(value)} values for {len(groups)} param groups: they should match"
                )
            for group, group_value in zip(groups, value, strict=True):
                group[self.param_name] = group_value
        else:
            for group in groups:
                group[self.param_name] = value
        if self.save_history and engine is not None:
            history = getattr(engine.state, "param_history", None)
            if history is None:
                history = {}
                engine.state.param_history = history
            history.setdefault(name or self.param_name, []).append([group[self.param_name] for group in groups])
        self.event_index += 1

    def _get_param(self) -> float | list[float]:
        # The value applied at this event; schedules with phases of their own (cyclical warm-up) override it.
        return self.get_param()

    @classmethod
    def simulate_values(cls, num_events: int, **scheduler_kwargs: Any) -> list[list[Any]]:
        """``[[event, value], ...]`` for the first ``num_events`` events of a scheduler built with
        ``scheduler_kwargs`` (``optimizer`` and ``save_history`` are ignored).

        >>> LinearCyclicalScheduler.simulate_values(5, param_name="lr", start_value=1.0, end_value=0.0, cycle_size=4)
        [[0, 1.0], [1, 0.5], [2, 0.0], [3, 0.5], [4, 1.0]]
        """
        kwargs = {k: v for k, v in scheduler_kwargs.items() if k not in ("optimizer", "save_history")}
        param_name = kwargs.get("param_name", "lr")
        scheduler = cls(optimizer=_FakeOptimizer(param_name), save_history=False, **kwargs)
        values = []
        for event in range(num_events):
            scheduler(engine=None)
            values.append([event, scheduler.optimizer_param_groups[0][param_name]])
        return values


def _check_real(value: Any, argument: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Argument {argument} should be a real number, got {type(value).__name__}")


class CyclicalScheduler(ParamScheduler):
    """Base of schedules that repeat over cycles of ``cycle_size`` events between ``start_value`` and ``end_value``.

    When a new cycle starts, its length is the previous one times ``cycle_mult`` (truncated to an int, at least 2),
    and ``start_value`` and ``end_value`` are multiplied by ``start_value_mult`` and ``end_value_mult``.

    With ``warmup_duration > 0`` each cycle is followed by a warm-up of that many events, during which the value goes
    linearly from the cycle's ``end_value`` to the next cycle's ``start_value`` (so the value never jumps); the
    warm-up is scaled by ``cycle_mult`` along with the cycle.
    """

    def __init__(
        self,
        optimizer: Any,
        param_name: str,
        start_value: float,
        end_value: float,
        cycle_size: int,
        cycle_mult: float = 1.0,
        start_value_mult: float = 1.0,
        end_value_mult: float = 1.0,
        warmup_duration: int = 0,
        save_history: bool = False,
        param_group_index: int | None = None,
    ) -> None:
        super().__init__(optimizer, param_name, save_history=save_history, param_group_index=param_group_index)
        if isinstance(warmup_duration, bool) or not isinstance(warmup_duration, int) or warmup_duration < 0:
            raise ValueError(f"Argument warmup_duration should be a non-negative integer, got {warmup_duration!r}")
        for argument, value in (
            ("start_value", start_value),
            ("end_value", end_value),
            ("cycle_mult", cycle_mult),
            ("start_value_mult", start_value_mult),
            ("end_value_mult", end_value_mult),
        ):
            _check_real(value, argument)
        if isinstance(cycle_size, bool) or not isinstance(cycle_size, numbers.Real) or cycle_size < 2:
            raise ValueError(f"Argument cycle_size should be positive and larger than 1, got {cycle_size!r}")
        if cycle_mult <= 0:
            raise ValueError(f"Argument cycle_mult should be positive, got {cycle_mult!r}")
        self.start_value: float = start_value
        self.end_value: float = end_value
        self.cycle_size: int = int(cycle_size)
        self.cycle_mult: float = cycle_mult
        self.cycle: int = 0
        self.start_value_mult: float = start_value_mult
        self.end_value_mult: float = end_value_mult
        self.warmup_duration: int = warmup_duration
        self.total_cycle_size: int = self.cycle_size + warmup_duration
        self._state_attrs += [
            "start_value",
            "end_value",
            "cycle_size",
            "cycle_mult",
            "cycle",
            "start_value_mult",
            "end_value_mult",
            "warmup_duration",
            "total_cycle_size",
        ]

    def __call__(self, engine: Engine | None, name: str | None = None) -> None:
        if self.event_index != 0 and self.event_index == self.cycle_size:
            # The warm-up that follows the cycle (if any) already heads for the next cycle's start value.
            self.start_value *= self.start_value_mult
        if self.event_index != 0 and self.event_index == self.total_cycle_size:
            self.event_index = 0
            self.cycle_size = max(2, int(self.cycle_size * self.cycle_mult))
            self.warmup_duration = int(self.warmup_duration * self.cycle_mult)
            self.total_cycle_size = self.cycle_size + self.warmup_duration
            self.cycle += 1
            self.end_value *= self.end_value_mult
        super().__call__(engine, name)

    def _get_param(self) -> float | list[float]:
        if self.event_index <= self.cycle_size or self.warmup_duration == 0:
            return self.get_param()
        progress = (self.event_index - self.cycle_size) / self.warmup_duration
        return self.end_value + (self.start_value - self.end_value) * progress


class LinearCyclicalScheduler(CyclicalScheduler):
    """Goes linearly from ``start_value`` to ``end_value`` in half a cycle and back in the other half; with
    ``monotonic=True``, from ``start_value`` to ``end_value`` over the whole cycle (a saw-tooth, or with
    ``warmup_duration`` a linear way back to the start).

    >>> LinearCyclicalScheduler.simulate_values(6, param_name="lr", start_value=0.0, end_value=1.0, cycle_size=4)
    [[0, 0.0], [1, 0.5], [2, 1.0], [3, 0.5], [4, 0.0], [5, 0.5]]
    >>> values = LinearCyclicalScheduler.simulate_values(
    ...     8, param_name="lr", start_value=1.0, end_value=0.0, cycle_size=4, warmup_duration=2, monotonic=True)
    >>> [v for _, v in values]
    [1.0, 0.75, 0.5, 0.25, 0.0, 0.5, 1.0, 0.75]
    """

    def __init__(self, *args: Any, monotonic: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(monotonic, bool):
            raise TypeError(f"Argument monotonic should be a bool, got {type(monotonic).__name__}")
        if self.warmup_duration > 0 and not monotonic:
            # Without monotonic the cycle already returns to start_value: a warm-up would leave from the wrong end.
            raise ValueError(
                "Argument warmup_duration > 0 needs monotonic=True (the default cycle already returns to "
                f"start_value), got warmup_duration={self.warmup_duration} and monotonic=False"
            )
        self.monotonic = monotonic

    def get_param(self) -> float:
        progress = self.event_index / self.cycle_size
        if self.monotonic:
            return self.start_value + (self.end_value - self.start_value) * progress
        return self.end_value + (self.start_value - self.end_value) * abs(progress - 0.5) * 2


class CosineAnnealingScheduler(CyclicalScheduler):
    """Goes from ``start_value`` to ``end_value`` along half a cosine over each cycle (SGDR, Loshchilov & Hutter),
    then jumps back to ``start_value``.

    >>> values = CosineAnnealingScheduler.simulate_values(
    ...     5, param_name="lr", start_value=1.0, end_value=0.0, cycle_size=4)
    >>> [round(v, 4) for _, v in values]
    [1.0, 0.8536, 0.5, 0.1464, 1.0]
    """

    def get_param(self) -> float:
        progress = self.event_index / self.cycle_size
        return self.start_value + (self.end_value - self.start_value) / 2 * (1 - math.cos(math.pi * progress))


def parse_milestones_values(milestones_values: Any) -> tuple[list[int], list[float]]:
    """Check ``[(milestone, value), ...]`` (integer, non-decreasing milestones) and split it in two lists."""
    if not isinstance(milestones_values, Sequence) or isinstance(milestones_values, str):
        raise TypeError(f"Argument milestones_values should be a list or tuple, got {type(milestones_values).__name__}")
    if len(milestones_values) < 1:
        raise ValueError(f"Argument milestones_values should have at least one pair, got {milestones_values!r}")
    milestones: list[int] = []
    values: list[float] = []
    for pair in milestones_values:
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(
                f"Argument milestones_values should be a list of pairs (milestone, param_value), got {pair!r}"
            )
        milestone, value = pair
        if isinstance(milestone, bool) or not isinstance(milestone, numbers.Integral):
            raise TypeError(
                f"Argument milestones_values should have integer milestones, got {type(milestone).__name__}"
            )
        _check_real(value, "milestones_values (value)")
        if milestones and milestone < milestones[-1]:
            raise ValueError(
                f"Argument milestones_values should have non-decreasing milestones, got {milestone} after "
                f"{milestones[-1]}"
            )
        milestones.append(int(milestone))
        values.append(value)
    return milestones, values


def piecewise_linear_value(milestones: list[int], values: list[float], index: int) -> float:
    """The value at ``index`` of the piecewise-linear function through ``(milestones[i], values[i])``."""
    if index <= milestones[0]:
        return values[0]
    if index >= milestones[-1]:
        return values[-1]
    # The segment [milestones[right - 1], milestones[right]) holding index (equal milestones make a jump).
    right = bisect.bisect_right(milestones, index)
    start, end = milestones[right - 1], milestones[right]
    return values[right - 1] + (values[right] - values[right - 1]) * (index - start) / (end - start)


class PiecewiseLinear(ParamScheduler):
    """Interpolates linearly between ``(milestone, value)`` pairs; constant before the first and after the last.

    >>> PiecewiseLinear.simulate_values(7, param_name="lr", milestones_values=[(1, 1.0), (3, 0.0), (5, 0.5)])
    [[0, 1.0], [1, 1.0], [2, 0.5], [3, 0.0], [4, 0.25], [5, 0.5], [6, 0.5]]
    """

    def __init__(
        self,
        optimizer: Any,
        param_name: str,
        milestones_values: Sequence[tuple[int, float]],
        save_history: bool = False,
        param_group_index: int | None = None,
    ) -> None:
        super().__init__(optimizer, param_name, save_history=save_history, param_group_index=param_group_index)
        self.milestones, self.values = parse_milestones_values(milestones_values)
        self._state_attrs += ["values", "milestones"]

    def get_param(self) -> float:
        return piecewise_linear_value(self.milestones, self.values, self.event_index)
