"""Schedulers around torch's: :class:`LRScheduler` drives any ``torch.optim.lr_scheduler`` scheduler from engine
events, :class:`ReduceLROnPlateauScheduler` lowers the learning rate when a metric stops improving."""

from __future__ import annotations

import copy
import numbers
from collections.abc import Sequence
from typing import Any

from torch.optim.lr_scheduler import LRScheduler as TorchLRScheduler

from ignite.engine import Engine
from ignite.handlers._basic_schedulers import ParamScheduler, _FakeOptimizer
from ignite.handlers._improvement import DeltaMode, ImprovementCriterion, ImprovementTracker, Mode, to_score

__all__ = ["LRScheduler", "ReduceLROnPlateauScheduler"]


class LRScheduler(ParamScheduler):
    """Sets the learning rates computed by a torch scheduler, one scheduler step per call.

    Attach it to ``Events.ITERATION_STARTED``: call ``k`` sets the learning rate that torch's scheduler gives after
    ``k`` steps, so the first iteration uses the optimizer's initial learning rate. With ``use_legacy=True`` attach
    it to ``Events.ITERATION_COMPLETED`` instead (the schedule is then one step ahead).

    >>> import torch
    >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> step_lr = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    >>> [lr for _, lr in LRScheduler.simulate_values(5, lr_scheduler=step_lr)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, lr_scheduler: TorchLRScheduler, save_history: bool = False, use_legacy: bool = False) -> None:
        if not isinstance(lr_scheduler, TorchLRScheduler):
            raise TypeError(
                "Argument lr_scheduler should be a torch.optim.lr_scheduler.LRScheduler, "
                f"got {type(lr_scheduler).__name__}"
            )
        self.lr_scheduler = lr_scheduler
        if use_legacy:
            lr_scheduler.last_epoch += 1
        super().__init__(lr_scheduler.optimizer, "lr", save_history=save_history)
        self._state_attrs += ["lr_scheduler"]

    def __call__(self, engine: Engine | None, name: str | None = None) -> None:
        super().__call__(engine, name)
        self.lr_scheduler.last_epoch += 1

    def get_param(self) -> float | list[float]:
        if self.lr_scheduler.last_epoch == 0:
            # The scheduler's constructor already set its first values; its get_lr() computes the next ones only.
            lrs = [float(group["lr"]) for group in self.optimizer_param_groups]
        else:
            # torch warns when get_lr() is called outside step(); this is the step, split in two.
            self.lr_scheduler._get_lr_called_within_step = True
            try:
                lrs = [float(lr) for lr in self.lr_scheduler.get_lr()]
            finally:
                self.lr_scheduler._get_lr_called_within_step = False
        return lrs[0] if len(lrs) == 1 else lrs

    @classmethod
    def simulate_values(  # type: ignore[override]
        cls, num_events: int, lr_scheduler: TorchLRScheduler, **kwargs: Any
    ) -> list[list[Any]]:
        """``[[event, lr, ...], ...]`` for ``num_events`` calls; ``lr_scheduler`` and its optimizer are left as
        they were."""
        if not isinstance(lr_scheduler, TorchLRScheduler):
            raise TypeError(
                "Argument lr_scheduler should be a torch.optim.lr_scheduler.LRScheduler, "
                f"got {type(lr_scheduler).__name__}"
            )
        saved = copy.deepcopy((lr_scheduler.state_dict(), lr_scheduler.optimizer.state_dict()))
        try:
            scheduler = cls(lr_scheduler, save_history=False, **kwargs)
            values = []
            for event in range(num_events):
                scheduler(engine=None)
                values.append([event, *(group["lr"] for group in scheduler.optimizer_param_groups)])
        finally:
            lr_scheduler.load_state_dict(saved[0])
            lr_scheduler.optimizer.load_state_dict(saved[1])
        return values


class ReduceLROnPlateauScheduler(ParamScheduler):
    """Multiplies the learning rate by ``factor`` when ``engine.state.metrics[metric_name]`` has not improved for
    more than ``patience`` calls; the rule and the arguments are those of ``torch.optim.lr_scheduler.ReduceLROnPlateau``
    (``mode``, ``factor``, ``patience``, ``threshold``, ``threshold_mode``, ``cooldown``, ``min_lr``, ``eps``).

    Attach it to the evaluator's ``Events.COMPLETED``; with ``save_history=True`` the history goes to ``trainer``.

    >>> values = ReduceLROnPlateauScheduler.simulate_values(
    ...     6, metric_values=[1.0, 0.9, 0.95, 0.95, 0.95, 0.95], init_lr=1.0, patience=1, factor=0.5, mode="min")
    >>> [lr for _, lr in values]
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self,
        optimizer: Any,
        metric_name: str,
        trainer: Engine | None = None,
        save_history: bool = False,
        param_group_index: int | None = None,
        *,
        mode: Mode = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: DeltaMode = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(optimizer, "lr", save_history=save_history, param_group_index=param_group_index)
        if not isinstance(metric_name, str):
            raise TypeError(f"Argument metric_name should be a str, got {type(metric_name).__name__}")
        if trainer is not None and not isinstance(trainer, Engine):
            raise TypeError(f"Argument trainer should be an Engine or None, got {type(trainer).__name__}")
        if not isinstance(factor, numbers.Real) or not 0 < factor < 1:
            raise ValueError(f"Argument factor should be a number in (0, 1), got {factor!r}")
        for argument, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Argument {argument} should be a non-negative int, got {value!r}")
        groups = self.optimizer_param_groups
        min_lrs = list(min_lr) if isinstance(min_lr, Sequence) else [min_lr] * len(groups)
        if len(min_lrs) != len(groups):
            raise ValueError(f"Argument min_lr should have one value per param group ({len(groups)}), got {min_lr!r}")
        self.metric_name: str = metric_name
        self.trainer: Engine | None = trainer
        self.factor: float = float(factor)
        self.patience: int = patience
        self.cooldown: int = cooldown
        self.cooldown_counter: int = 0
        self.min_lrs: list[float] = [float(v) for v in min_lrs]
        self.eps: float = eps
        # torch keeps the best value until a real improvement: measured from the last improvement, i.e. cumulative.
        self._tracker: ImprovementTracker = ImprovementTracker(
            ImprovementCriterion(mode=mode, min_delta=threshold, min_delta_mode=threshold_mode), cumulative_delta=True
        )
        self._state_attrs += ["metric_name", "cooldown_counter", "best", "num_bad_epochs"]

    @property
    def best(self) -> float | None:
        return self._tracker.best

    @best.setter
    def best(self, value: float | None) -> None:
        self._tracker.best = value

    @property
    def num_bad_epochs(self) -> int:
        return self._tracker.num_bad

    @num_bad_epochs.setter
    def num_bad_epochs(self, value: int) -> None:
        self._tracker.num_bad = value

    def __call__(self, engine: Engine | None, name: str | None = None) -> None:
        metrics = getattr(getattr(engine, "state", None), "metrics", None)
        if not isinstance(metrics, dict) or self.metric_name not in metrics:
            raise ValueError(
                f"Argument engine should have in its state the metric '{self.metric_name}' in state.metrics, "
                f"got metrics {sorted(metrics) if isinstance(metrics, dict) else metrics!r}"
            )
        self._tracker.update(to_score(metrics[self.metric_name], f"engine.state.metrics['{self.metric_name}']"))
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self._tracker.num_bad = 0
        if self._tracker.num_bad > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self._tracker.num_bad = 0
        super().__call__(self.trainer, name)

    def _reduce_lr(self) -> None:
        for group, min_lr in zip(self.optimizer_param_groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def get_param(self) -> float | list[float]:
        lrs = [group["lr"] for group in self.optimizer_param_groups]
        return lrs[0] if len(lrs) == 1 else lrs

    @classmethod
    def simulate_values(  # type: ignore[override]
        cls, num_events: int, metric_values: Sequence[float], init_lr: float, **scheduler_kwargs: Any
    ) -> list[list[Any]]:
        """``[[event, lr], ...]`` when the metric takes ``metric_values`` and the learning rate starts at
        ``init_lr``."""
        if len(metric_values) != num_events:
            raise ValueError(
                f"Argument metric_values should have num_events={num_events} values, got {len(metric_values)}"
            )
        kwargs = {k: v for k, v in scheduler_kwargs.items() if k not in ("optimizer", "metric_name", "save_history")}
        optimizer = _FakeOptimizer("lr")
        optimizer.param_groups[0]["lr"] = init_lr
        scheduler = cls(optimizer, "metric", save_history=False, **kwargs)
        engine = Engine(lambda engine, batch: None)
        values = []
        for event, value in enumerate(metric_values):
            engine.state.metrics = {"metric": value}
            scheduler(engine)
            values.append([event, scheduler.optimizer_param_groups[0]["lr"]])
        return values
