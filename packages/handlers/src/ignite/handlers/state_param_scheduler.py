"""Schedulers of any attribute of ``engine.state`` (a loss weight, a temperature, ...), not only optimizer params.

Each call advances ``event_index`` first and then sets ``engine.state.<param_name>`` to :meth:`get_param`, so the
first call sets the value at index 1.
"""

from __future__ import annotations

import bisect
import itertools
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ignite.engine import Engine, Events
from ignite.handlers._basic_schedulers import (
    BaseParamScheduler,
    _check_real,
    parse_milestones_values,
    piecewise_linear_value,
)

__all__ = [
    "ExpStateScheduler",
    "LambdaStateScheduler",
    "MultiStepStateScheduler",
    "PiecewiseLinearStateScheduler",
    "StateParamScheduler",
    "StepStateScheduler",
]


class StateParamScheduler(BaseParamScheduler):
    """Base of the state schedulers. ``create_new=True`` says the attribute is new (it must not exist yet); with
    ``False`` a missing attribute is created with a warning. ``save_history=True`` keeps the values in
    ``engine.state.param_history[param_name]``."""

    def __init__(self, param_name: str, save_history: bool = False, create_new: bool = False) -> None:
        super().__init__(param_name, save_history)
        self.create_new = create_new

    def attach(self, engine: Engine, event: Any = Events.ITERATION_COMPLETED) -> None:
        """Create ``engine.state.<param_name>`` if needed and call this scheduler on ``event``."""
        if hasattr(engine.state, self.param_name):
            if self.create_new:
                raise ValueError(
                    f"Argument param_name should name a new state attribute when create_new=True, but "
                    f"engine.state.{self.param_name} already exists (another scheduler?): choose another name"
                )
        else:
            if not self.create_new:
                warnings.warn(
                    f"Attribute '{self.param_name}' is not defined in the engine.state; {type(self).__name__} "
                    "creates it. Pass create_new=True to silence this warning.",
                    UserWarning,
                    stacklevel=2,
                )
            setattr(engine.state, self.param_name, None)
        if self.save_history:
            if getattr(engine.state, "param_history", None) is None:
                engine.state.param_history = {}
            engine.state.param_history.setdefault(self.param_name, [])
        engine.add_event_handler(event, self)

    def __call__(self, engine: Engine) -> None:
        self.event_index += 1
        value = self.get_param()
        setattr(engine.state, self.param_name, value)
        if self.save_history:
            if getattr(engine.state, "param_history", None) is None:
                engine.state.param_history = {}
            engine.state.param_history.setdefault(self.param_name, []).append(value)

    @classmethod
    def simulate_values(cls, num_events: int, **scheduler_kwargs: Any) -> list[list[Any]]:
        """``[[event, value], ...]`` for ``num_events`` calls of a scheduler built with ``scheduler_kwargs``.

        >>> ExpStateScheduler.simulate_values(3, initial_value=1.0, gamma=0.5, param_name="alpha")
        [[0, 1.0], [1, 0.5], [2, 0.25]]
        """
        kwargs = {k: v for k, v in scheduler_kwargs.items() if k != "save_history"}
        scheduler = cls(save_history=False, **kwargs)
        engine = Engine(lambda engine, batch: None)
        values = []
        for event in range(num_events):
            scheduler(engine)
            values.append([event, getattr(engine.state, scheduler.param_name)])
        return values


class LambdaStateScheduler(StateParamScheduler):
    """``lambda_obj(event_index)``; ``lambda_obj`` is saved in :meth:`state_dict` through its own ``state_dict``
    if it has one.

    >>> LambdaStateScheduler.simulate_values(3, lambda_obj=lambda i: i * 10, param_name="w")
    [[0, 10], [1, 20], [2, 30]]
    """

    def __init__(
        self, lambda_obj: Callable[[int], Any], param_name: str, save_history: bool = False, create_new: bool = False
    ) -> None:
        super().__init__(param_name, save_history, create_new)
        if not callable(lambda_obj):
            raise ValueError(f"Argument lambda_obj should be callable, got {type(lambda_obj).__name__}")
        self.lambda_obj = lambda_obj
        self._state_attrs += ["lambda_obj"]

    def get_param(self) -> Any:
        return self.lambda_obj(self.event_index)


class PiecewiseLinearStateScheduler(StateParamScheduler):
    """Interpolates linearly between ``(milestone, value)`` pairs, as :class:`~ignite.handlers.PiecewiseLinear`.

    >>> PiecewiseLinearStateScheduler.simulate_values(
    ...     4, milestones_values=[(0, 0.0), (2, 1.0)], param_name="w")
    [[0, 0.5], [1, 1.0], [2, 1.0], [3, 1.0]]
    """

    def __init__(
        self,
        milestones_values: Sequence[tuple[int, float]],
        param_name: str,
        save_history: bool = False,
        create_new: bool = False,
    ) -> None:
        super().__init__(param_name, save_history, create_new)
        self.milestones, self.values = parse_milestones_values(milestones_values)
        self._state_attrs += ["values", "milestones"]

    def get_param(self) -> float:
        return piecewise_linear_value(self.milestones, self.values, self.event_index)


def _check_gamma(initial_value: Any, gamma: Any) -> None:
    _check_real(initial_value, "initial_value")
    _check_real(gamma, "gamma")


class ExpStateScheduler(StateParamScheduler):
    """``initial_value * gamma ** (event_index - 1)``."""

    def __init__(
        self, initial_value: float, gamma: float, param_name: str, save_history: bool = False, create_new: bool = False
    ) -> None:
        super().__init__(param_name, save_history, create_new)
        _check_gamma(initial_value, gamma)
        self.initial_value: float = initial_value
        self.gamma: float = gamma
        self._state_attrs += ["initial_value", "gamma"]

    def get_param(self) -> float:
        return self.initial_value * self.gamma ** (self.event_index - 1)


class StepStateScheduler(StateParamScheduler):
    """``initial_value * gamma ** ((event_index - 1) // step_size)``.

    >>> StepStateScheduler.simulate_values(5, initial_value=1.0, gamma=0.5, step_size=2, param_name="w")
    [[0, 1.0], [1, 1.0], [2, 0.5], [3, 0.5], [4, 0.25]]
    """

    def __init__(
        self,
        initial_value: float,
        gamma: float,
        step_size: int,
        param_name: str,
        save_history: bool = False,
        create_new: bool = False,
    ) -> None:
        super().__init__(param_name, save_history, create_new)
        _check_gamma(initial_value, gamma)
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(f"Argument step_size should be a positive int, got {step_size!r}")
        self.initial_value: float = initial_value
        self.gamma: float = gamma
        self.step_size: int = int(step_size)
        self._state_attrs += ["initial_value", "gamma", "step_size"]

    def get_param(self) -> float:
        return self.initial_value * self.gamma ** ((self.event_index - 1) // self.step_size)


class MultiStepStateScheduler(StateParamScheduler):
    """``initial_value * gamma ** (number of milestones <= event_index - 1)``.

    >>> MultiStepStateScheduler.simulate_values(
    ...     5, initial_value=1.0, gamma=0.5, milestones=[1, 3], param_name="w")
    [[0, 1.0], [1, 0.5], [2, 0.5], [3, 0.25], [4, 0.25]]
    """

    def __init__(
        self,
        initial_value: float,
        gamma: float,
        milestones: Sequence[int],
        param_name: str,
        save_history: bool = False,
        create_new: bool = False,
    ) -> None:
        super().__init__(param_name, save_history, create_new)
        _check_gamma(initial_value, gamma)
        if not isinstance(milestones, Sequence) or len(milestones) < 1:
            raise ValueError(f"Argument milestones should be a non-empty list of ints, got {milestones!r}")
        if not all(isinstance(m, numbers.Integral) and not isinstance(m, bool) for m in milestones):
            raise TypeError(f"Argument milestones should be a list of ints, got {milestones!r}")
        if any(later <= earlier for earlier, later in itertools.pairwise(milestones)):
            raise ValueError(f"Argument milestones should be strictly increasing, got {list(milestones)}")
        self.initial_value: float = initial_value
        self.gamma: float = gamma
        self.milestones: list[int] = [int(m) for m in milestones]
        self._state_attrs += ["initial_value", "gamma", "milestones"]

    def get_param(self) -> float:
        return self.initial_value * self.gamma ** bisect.bisect_right(self.milestones, self.event_index - 1)
