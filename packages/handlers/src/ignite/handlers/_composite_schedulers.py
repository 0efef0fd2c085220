"""Schedulers made of schedulers: one per param group (:class:`ParamGroupScheduler`), one after the other
(:class:`ConcatScheduler`), and a warm-up in front of any schedule (:func:`create_lr_scheduler_with_warmup`)."""

from __future__ import annotations

import copy
import numbers
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from torch.optim.lr_scheduler import LRScheduler as TorchLRScheduler

from ignite.engine import Engine
from ignite.handlers._basic_schedulers import BaseParamScheduler, ParamScheduler, PiecewiseLinear
from ignite.handlers._torch_schedulers import LRScheduler

__all__ = ["ConcatScheduler", "ParamGroupScheduler", "create_lr_scheduler_with_warmup"]


@contextmanager
def _restored(schedulers: Sequence[Any]) -> Iterator[None]:
    """Put the schedulers and their optimizers back as they were (simulations must not move the real ones)."""
    saved = []
    for scheduler in schedulers:
        optimizers = scheduler.optimizer if isinstance(scheduler.optimizer, list) else [scheduler.optimizer]
        saved.append(
            (copy.deepcopy(scheduler.state_dict()), [copy.deepcopy(o.param_groups) for o in optimizers], optimizers)
        )
    try:
        yield
    finally:
        for scheduler, (state, groups, optimizers) in zip(schedulers, saved, strict=True):
            scheduler.load_state_dict(state)
            for optimizer, optimizer_groups in zip(optimizers, groups, strict=True):
                for group, saved_group in zip(optimizer.param_groups, optimizer_groups, strict=True):
                    group.update({k: v for k, v in saved_group.items() if k != "params"})


class ParamGroupScheduler:
    """Calls several schedulers at once, typically one per param group of an optimizer.

    >>> import torch
    >>> groups = [{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(2)]
    >>> optimizer = torch.optim.SGD(groups, lr=0.1)
    >>> schedulers = [
    ...     PiecewiseLinear(optimizer, "lr", [(0, 1.0), (2, 0.0)], param_group_index=0),
    ...     PiecewiseLinear(optimizer, "lr", [(0, 0.0), (2, 1.0)], param_group_index=1),
    ... ]
    >>> ParamGroupScheduler.simulate_values(3, schedulers)
    [[0, 1.0, 0.0], [1, 0.5, 0.5], [2, 0.0, 1.0]]
    """

    def __init__(
        self, schedulers: Sequence[ParamScheduler], names: Sequence[str] | None = None, save_history: bool = False
    ) -> None:
        if not isinstance(schedulers, Sequence) or isinstance(schedulers, str):
            raise TypeError(f"Argument schedulers should be a list or tuple, got {type(schedulers).__name__}")
        if not schedulers or not all(isinstance(s, ParamScheduler) for s in schedulers):
            raise ValueError(f"Argument schedulers should be a non-empty list of ParamScheduler, got {schedulers!r}")
        if names is None:
            names = [s.param_name for s in schedulers]
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"Argument names should be a list or tuple of str, got {names!r}")
        if len(names) != len(schedulers):
            raise ValueError(f"Argument names should have one name per scheduler ({len(schedulers)}), got {len(names)}")
        self.schedulers = list(schedulers)
        self.names = list(names)
        for scheduler in self.schedulers:
            scheduler.save_history = save_history
        self.optimizer = [s.optimizer for s in self.schedulers]
        self.param_name = [s.param_name for s in self.schedulers]

    def __call__(self, engine: Engine | None, name: str | None = None) -> None:
        for scheduler, scheduler_name in zip(self.schedulers, self.names, strict=True):
            scheduler(engine, scheduler_name)

    @property
    def optimizer_param_groups(self) -> list[dict[str, Any]]:
        return [group for scheduler in self.schedulers for group in scheduler.optimizer_param_groups]

    @property
    def save_history(self) -> bool:
        return self.schedulers[0].save_history

    @save_history.setter
    def save_history(self, value: bool) -> None:
        for scheduler in self.schedulers:
            scheduler.save_history = value

    def get_param(self) -> list[float | list[float]]:
        return [scheduler.get_param() for scheduler in self.schedulers]

    def state_dict(self) -> OrderedDict[str, Any]:
        """``{"schedulers": [(name, state_dict), ...]}``."""
        return OrderedDict(schedulers=[(n, s.state_dict()) for n, s in zip(self.names, self.schedulers, strict=True)])

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a Mapping (e.g. a dict), got {type(state_dict).__name__}")
        states = state_dict.get("schedulers")
        if not states:
            raise ValueError(f"Required state attribute 'schedulers' is absent in the provided state_dict {state_dict}")
        if len(states) != len(self.schedulers):
            raise ValueError(f"state_dict['schedulers'] should have {len(self.schedulers)} entries, got {len(states)}")
        for expected, scheduler, (name, state) in zip(self.names, self.schedulers, states, strict=True):
            if name != expected:
                raise ValueError(f"state_dict['schedulers'] has scheduler '{name}' where '{expected}' was expected")
            scheduler.load_state_dict(state)

    @classmethod
    def simulate_values(cls, num_events: int, schedulers: Sequence[ParamScheduler], **kwargs: Any) -> list[list[Any]]:
        """``[[event, value of scheduler 1, value of scheduler 2, ...], ...]``; the schedulers are left unchanged."""
        with _restored(schedulers):
            scheduler = cls(schedulers, **kwargs)
            values = []
            for event in range(num_events):
                values.append([event, *(s.get_param() for s in schedulers)])
                scheduler(engine=None)
        return values


AnyScheduler = ParamScheduler | ParamGroupScheduler


class ConcatScheduler(BaseParamScheduler):
    """Runs ``schedulers[0]`` for ``durations[0]`` events, then ``schedulers[1]``, ..., the last one until the end.

    >>> import torch
    >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    >>> up = PiecewiseLinear(optimizer, "lr", [(0, 0.0), (2, 1.0)])
    >>> down = PiecewiseLinear(optimizer, "lr", [(0, 1.0), (2, 0.0)])
    >>> [v for _, v in ConcatScheduler.simulate_values(6, schedulers=[up, down], durations=[3])]
    [0.0, 0.5, 1.0, 1.0, 0.5, 0.0]
    """

    def __init__(self, schedulers: Sequence[AnyScheduler], durations: Sequence[int], save_history: bool = False):
        if not isinstance(schedulers, Sequence) or isinstance(schedulers, str):
            raise TypeError(f"Argument schedulers should be a list or tuple, got {type(schedulers).__name__}")
        if len(schedulers) < 2:
            raise ValueError(f"Argument schedulers should hold at least two schedulers, got {len(schedulers)}")
        if not isinstance(durations, (list, tuple)):
            raise TypeError(f"Argument durations should be a list or tuple, got {type(durations).__name__}")
        if not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and int(d) > 0 for d in durations):
            raise ValueError(f"Argument durations should be positive integers, got {durations!r}")
        if len(schedulers) != len(durations) + 1:
            raise ValueError(
                f"Argument durations should have one value less than schedulers: got {len(schedulers)} schedulers "
                f"and {len(durations)} durations"
            )
        optimizers: set[int] = set()
        names: set[str] = set()
        for index, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, (ParamScheduler, ParamGroupScheduler)):
                raise TypeError(
                    f"Argument schedulers[{index}] should be a ParamScheduler or ParamGroupScheduler, "
                    f"got {type(scheduler).__name__}"
                )
            for optimizer in scheduler.optimizer if isinstance(scheduler.optimizer, list) else [scheduler.optimizer]:
                optimizers.add(id(optimizer))
            names.update(scheduler.param_name if isinstance(scheduler.param_name, list) else [scheduler.param_name])
        if len(optimizers) != 1:
            raise ValueError("Argument schedulers should all drive the same optimizer")
        if len(names) != 1:
            raise ValueError(f"Argument schedulers should all drive the same parameter, got {sorted(names)}")
        super().__init__(param_name=names.pop(), save_history=save_history)
        self.schedulers = list(schedulers)
        self.durations = list(durations)
        self.optimizer = schedulers[0].optimizer
        self.save_history = save_history
        self._scheduler_index = 0
        self._current_duration = 0
        self._setup_scheduler()
        self._state_attrs += ["_current_duration", "durations", "_scheduler_index"]

    @property
    def save_history(self) -> bool:
        return self._save_history

    @save_history.setter
    def save_history(self, value: bool) -> None:
        self._save_history = value
        for scheduler in getattr(self, "schedulers", []):
            scheduler.save_history = value

    def _setup_scheduler(self) -> None:
        self._current_scheduler = self.schedulers[self._scheduler_index]
        has_duration = self._scheduler_index < len(self.durations)
        self._current_duration = self.durations[self._scheduler_index] if has_duration else -1

    def __call__(self, engine: Engine | None, name: str | None = None) -> None:
        if self._current_duration == 0:
            self._scheduler_index += 1
            self._setup_scheduler()
        self._current_scheduler(engine, name)
        self._current_duration -= 1
        self.event_index += 1

    @property
    def optimizer_param_groups(self) -> list[dict[str, Any]]:
        return self._current_scheduler.optimizer_param_groups

    def get_param(self) -> Any:
        return self._current_scheduler.get_param()

    def state_dict(self) -> OrderedDict[str, Any]:
        state = super().state_dict()
        state["schedulers"] = [s.state_dict() for s in self.schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a Mapping (e.g. a dict), got {type(state_dict).__name__}")
        states = state_dict.get("schedulers")
        if not isinstance(states, list) or len(states) != len(self.schedulers):
            raise ValueError(
                f"state_dict['schedulers'] should be a list of {len(self.schedulers)} state dicts, got {states!r}"
            )
        for scheduler, state in zip(self.schedulers, states, strict=True):
            scheduler.load_state_dict(state)
        super().load_state_dict(state_dict)
        self._setup_scheduler_keep_duration()

    def _setup_scheduler_keep_duration(self) -> None:
        self._current_scheduler = self.schedulers[self._scheduler_index]

    @classmethod
    def simulate_values(
        cls,
        num_events: int,
        schedulers: Sequence[AnyScheduler],
        durations: Sequence[int],
        param_names: Sequence[str] | None = None,
    ) -> list[list[Any]]:
        """``[[event, value, ...], ...]`` (one value per param group and per name of ``param_names``); the
        schedulers and their optimizers are left unchanged."""
        if param_names is not None and not isinstance(param_names, (list, tuple)):
            raise TypeError(f"Argument param_names should be a list or tuple, got {type(param_names).__name__}")
        with _restored(schedulers):
            scheduler = cls(schedulers, durations, save_history=False)
            names = list(param_names) if param_names is not None else [scheduler.param_name]
            output = []
            for event in range(num_events):
                scheduler(engine=None)
                row: list[Any] = [event]
                for name in names:
                    row.extend(group[name] for group in scheduler.optimizer_param_groups)
                output.append(row)
        return output


def create_lr_scheduler_with_warmup(
    lr_scheduler: ParamScheduler | TorchLRScheduler,
    warmup_start_value: float,
    warmup_duration: int,
    warmup_end_value: float | None = None,
    save_history: bool = False,
    output_simulated_values: list[Any] | None = None,
) -> ConcatScheduler:
    """Put a linear warm-up of ``warmup_duration`` events, from ``warmup_start_value`` to ``warmup_end_value``
    (default: the optimizer's learning rate), in front of ``lr_scheduler`` (a ParamScheduler or a torch scheduler).

    When ``output_simulated_values`` is a list, it is filled with ``[event, lr]`` of its first ``len()`` events.

    >>> import torch
    >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> decay = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    >>> simulated = [None] * 6
    >>> _ = create_lr_scheduler_with_warmup(decay, 0.0, 3, output_simulated_values=simulated)
    >>> [lr for _, lr in simulated]
    [0.0, 0.5, 1.0, 0.5, 0.25, 0.125]
    """
    if not isinstance(lr_scheduler, (ParamScheduler, TorchLRScheduler)):
        raise TypeError(
            "Argument lr_scheduler should be a ParamScheduler or a torch.optim.lr_scheduler.LRScheduler, "
            f"got {type(lr_scheduler).__name__}"
        )
    if isinstance(warmup_duration, bool) or not isinstance(warmup_duration, numbers.Integral):
        raise TypeError(f"Argument warmup_duration should be an int, got {type(warmup_duration).__name__}")
    if warmup_duration < 1:
        raise ValueError(f"Argument warmup_duration should be at least 1 event, got {warmup_duration}")
    if output_simulated_values is not None and not isinstance(output_simulated_values, list):
        raise TypeError(
            f"Argument output_simulated_values should be a list or None, got {type(output_simulated_values).__name__}"
        )

    optimizer = lr_scheduler.optimizer
    main: ParamScheduler
    if isinstance(lr_scheduler, TorchLRScheduler):
        # The torch schedule's first value is the optimizer's lr, which the warm-up already ends with: skip it.
        lr_scheduler.last_epoch += 1
        main = LRScheduler(lr_scheduler, save_history=save_history)
    else:
        main = lr_scheduler
    warmups = []
    milestones_values: list[tuple[int, float]] = []
    for index, group in enumerate(optimizer.param_groups):
        end_value = group["lr"] if warmup_end_value is None else warmup_end_value
        milestones_values = [(0, warmup_start_value), (warmup_duration - 1, end_value)]
        if isinstance(lr_scheduler, TorchLRScheduler):
            if group["lr"] != end_value:
                milestones_values.append((warmup_duration, group["lr"]))
        elif main.get_param() == end_value:
            # The next schedule starts at end_value: end the warm-up one step earlier so the value is not repeated.
            if warmup_duration > 2:
                step = (end_value - warmup_start_value) / (warmup_duration - 1)
                milestones_values[-1] = (warmup_duration - 2, end_value - step)
            else:
                milestones_values.pop(-1)
        warmups.append(
            PiecewiseLinear(optimizer, "lr", milestones_values, save_history=save_history, param_group_index=index)
        )
    warmup = ParamGroupScheduler(warmups, save_history=save_history)
    durations = [milestones_values[-1][0] + 1]
    combined = ConcatScheduler([warmup, main], durations=durations, save_history=save_history)
    if output_simulated_values is not None:
        simulated = ConcatScheduler.simulate_values(len(output_simulated_values), [warmup, main], durations)
        output_simulated_values[:] = simulated
    return combined
