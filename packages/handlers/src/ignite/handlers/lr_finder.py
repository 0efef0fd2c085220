"""FastaiLRFinder: the learning-rate range test (Smith 2017, popularised by fastai).

The learning rate grows from ``start_lr`` to ``end_lr`` over ``num_iter`` iterations while the (smoothed) loss is
recorded; the run stops early once the loss diverges. Models, optimizer and trainer are restored afterwards.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import logging
import math
import numbers
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch

import ignite.distributed as idist
from ignite.engine import Engine, Events
from ignite.handlers._basic_schedulers import ParamScheduler, PiecewiseLinear

__all__ = ["FastaiLRFinder"]


class _ExponentialSweep(ParamScheduler):
    """``start * (end / start) ** (event_index / num_iter)`` for each param group."""

    def __init__(self, optimizer: torch.optim.Optimizer, start_lrs: list[float], end_lrs: list[float], num_iter: int):
        super().__init__(optimizer, "lr")
        self.start_lrs = start_lrs
        self.end_lrs = end_lrs
        self.num_iter = num_iter

    def get_param(self) -> float | list[float]:
        ratio = self.event_index / self.num_iter
        lrs = [start * (end / start) ** ratio for start, end in zip(self.start_lrs, self.end_lrs, strict=True)]
        return lrs[0] if len(lrs) == 1 else lrs


def _as_lrs(value: float | list[float], groups: int, argument: str) -> list[float]:
    values = value if isinstance(value, list) else [value] * groups
    if len(values) != groups or not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise ValueError(f"Argument {argument} should be a positive number or a list of {groups} such, got {value!r}")
    return [float(v) for v in values]


def _loss_value(loss: Any) -> float:
    if isinstance(loss, torch.Tensor):
        if loss.numel() != 1:
            raise ValueError(
                f"The trainer's output (after output_transform) should be a number or a one-element tensor, got a "
                f"tensor of shape {tuple(loss.shape)}"
            )
        return float(loss.item())
    if isinstance(loss, numbers.Real) and not isinstance(loss, bool):
        return float(loss)
    raise TypeError(
        f"The trainer's output (after output_transform) should be a number or a one-element tensor, got "
        f"{type(loss).__name__}; use output_transform, e.g. output_transform=lambda out: out['loss']"
    )


class FastaiLRFinder:
    """Runs the learning-rate range test inside ``with lr_finder.attach(trainer, to_save) as t: t.run(data)``.

    After the ``with`` block, the objects of ``to_save`` (which must contain the ``"optimizer"``) and the trainer
    are back in their original state; :meth:`get_results` gives ``{"lr": [...], "loss": [...]}``,
    :meth:`lr_suggestion` the learning rate at the steepest descent of the loss, and :meth:`apply_suggested_lr`
    sets it in an optimizer.
    """

    def __init__(self) -> None:
        self._history: dict[str, list[Any]] = {}
        self._best_loss: float | None = None
        self._diverge_flag = False
        self._lr_schedule: ParamScheduler | None = None
        self._handlers: list[tuple[Any, Callable[..., Any]]] = []
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")

    @contextlib.contextmanager
    def attach(
        self,
        trainer: Engine,
        to_save: Mapping[str, Any],
        output_transform: Callable[[Any], Any] = lambda output: output,
        num_iter: int | None = None,
        start_lr: float | list[float] | None = None,
        end_lr: float | list[float] = 10.0,
        step_mode: str = "exp",
        smooth_f: float = 0.05,
        diverge_th: float = 5.0,
    ) -> Iterator[Engine]:
        if not isinstance(trainer, Engine):
            raise TypeError(f"Argument trainer should be an Engine, got {type(trainer).__name__}")
        if not isinstance(to_save, Mapping):
            raise TypeError(f"Argument to_save should be a mapping, got {type(to_save).__name__}")
        for key, obj in to_save.items():
            if not (callable(getattr(obj, "state_dict", None)) and callable(getattr(obj, "load_state_dict", None))):
                raise TypeError(f"Argument to_save['{key}'] should have state_dict and load_state_dict methods")
        if "optimizer" not in to_save:
            raise ValueError(f"Argument to_save should contain the key 'optimizer', got keys {list(to_save)}")
        optimizer = to_save["optimizer"]
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"Argument to_save['optimizer'] should be an Optimizer, got {type(optimizer).__name__}")
        if not callable(output_transform):
            raise TypeError(f"Argument output_transform should be callable, got {type(output_transform).__name__}")
        if isinstance(smooth_f, bool) or not isinstance(smooth_f, numbers.Real) or not 0 <= smooth_f < 1:
            raise ValueError(f"Argument smooth_f should be in [0, 1), got {smooth_f!r}")
        if isinstance(diverge_th, bool) or not isinstance(diverge_th, numbers.Real) or diverge_th < 1:
            raise ValueError(f"Argument diverge_th should be a number >= 1, got {diverge_th!r}")
        if step_mode not in ("exp", "linear"):
            raise ValueError(f"Argument step_mode should be 'exp' or 'linear', got {step_mode!r}")
        if num_iter is not None and (isinstance(num_iter, bool) or not isinstance(num_iter, int) or num_iter < 1):
            raise ValueError(f"Argument num_iter should be a positive int or None, got {num_iter!r}")
        groups = len(optimizer.param_groups)
        initial_lrs = [group["lr"] for group in optimizer.param_groups]
        start_lrs = _as_lrs(initial_lrs if start_lr is None else start_lr, groups, "start_lr")
        end_lrs = _as_lrs(end_lr, groups, "end_lr")

        saved = {key: copy.deepcopy(obj.state_dict()) for key, obj in to_save.items()}
        trainer_state = trainer.state_dict() if trainer.state.max_epochs is not None else None
        self._add(
            trainer,
            Events.STARTED,
            self._start,
            optimizer,
            output_transform,
            num_iter,
            start_lrs,
            end_lrs,
            step_mode,
            float(smooth_f),
            float(diverge_th),
        )
        self._add(trainer, Events.COMPLETED, self._warn_if_no_divergence)
        try:
            yield trainer
        finally:
            self._detach(trainer)
            for key, obj in to_save.items():
                obj.load_state_dict(saved[key])
            if trainer_state is not None:
                trainer.load_state_dict(trainer_state)
            else:
                # The trainer had never run: its next run starts over.
                trainer.state.max_epochs = None
                trainer.state.max_iters = None
                trainer.state.iteration = trainer.state.epoch = 0

    def _add(self, trainer: Engine, event: Any, handler: Callable[..., Any], *args: Any) -> None:
        trainer.add_event_handler(event, handler, *args)
        self._handlers.append((event, handler))

    def _detach(self, trainer: Engine) -> None:
        for event, handler in self._handlers:
            if trainer.has_event_handler(handler, event):
                trainer.remove_event_handler(handler, event)
        self._handlers = []

    def _start(
        self,
        trainer: Engine,
        optimizer: torch.optim.Optimizer,
        output_transform: Callable[[Any], Any],
        num_iter: int | None,
        start_lrs: list[float],
        end_lrs: list[float],
        step_mode: str,
        smooth_f: float,
        diverge_th: float,
    ) -> None:
        self._history = {"lr": [], "loss": []}
        self._best_loss = None
        self._diverge_flag = False
        state = trainer.state
        planned = (state.epoch_length or 0) * (state.max_epochs or 0)
        if num_iter is None:
            num_iter = planned
        elif num_iter > planned and state.epoch_length:
            state.max_epochs = math.ceil(num_iter / state.epoch_length)
        for group, lr in zip(optimizer.param_groups, start_lrs, strict=True):
            group["lr"] = lr
        if step_mode == "exp":
            self._lr_schedule = _ExponentialSweep(optimizer, start_lrs, end_lrs, num_iter)
        else:
            milestones = [(0, start_lrs[0]), (num_iter, end_lrs[0])]
            self._lr_schedule = PiecewiseLinear(optimizer, "lr", milestones)
        # Iteration 1 runs with start_lrs, set above: the schedule's first call gives the value of iteration 2.
        self._lr_schedule.event_index = 1
        self._add(trainer, Events.ITERATION_COMPLETED, self._record, output_transform, smooth_f, diverge_th)
        self._add(trainer, Events.ITERATION_COMPLETED, self._lr_schedule)
        self._add(trainer, Events.ITERATION_COMPLETED, self._stop_after, num_iter)

    def _record(self, trainer: Engine, output_transform: Callable[[Any], Any], smooth_f: float, th: float) -> None:
        loss = float(idist.all_reduce(_loss_value(output_transform(trainer.state.output))))
        assert self._lr_schedule is not None
        self._history["lr"].append(self._lr_schedule.optimizer_param_groups[0]["lr"])
        if self._best_loss is None:
            self._best_loss = loss
        else:
            if smooth_f > 0:
                loss = smooth_f * loss + (1 - smooth_f) * self._history["loss"][-1]
            self._best_loss = min(self._best_loss, loss)
        self._history["loss"].append(loss)
        if loss > th * self._best_loss:
            self._diverge_flag = True
            self.logger.info("Stopping early, the loss has diverged")
            trainer.terminate()

    @staticmethod
    def _stop_after(trainer: Engine, num_iter: int) -> None:
        if trainer.state.iteration >= num_iter:
            trainer.terminate()

    def _warn_if_no_divergence(self, trainer: Engine) -> None:
        if not self._diverge_flag:
            warnings.warn(
                "The learning rate finder completed without the loss diverging: increase end_lr, decrease diverge_th "
                "or look at lr_finder.plot()",
                UserWarning,
                stacklevel=2,
            )

    def get_results(self) -> dict[str, list[Any]]:
        """``{"lr": [...], "loss": [...]}``, one entry per iteration of the last range test."""
        return self._history

    def lr_suggestion(self) -> Any:
        """The learning rate where the loss falls fastest, before its minimum."""
        if not self._history:
            raise RuntimeError("The learning rate finder did not run yet: lr_suggestion() has nothing to suggest")
        losses = torch.tensor(self._history["loss"])
        decreasing = losses[: int(losses.argmin()) + 1]
        if len(decreasing) < 3:
            raise RuntimeError(
                "The learning rate finder got a loss curve that does not decrease first (it should be U-shaped): "
                "lower start_lr or run more iterations"
            )
        slopes = (decreasing[2:] - decreasing[:-2]) / 2
        return self._history["lr"][int(slopes.argmin()) + 1]

    def apply_suggested_lr(self, optimizer: torch.optim.Optimizer) -> None:
        """Set the suggested learning rate in every param group of ``optimizer``."""
        suggestion = self.lr_suggestion()
        for group in optimizer.param_groups:
            group["lr"] = suggestion

    def plot(self, skip_start: int = 10, skip_end: int = 5, log_lr: bool = True, ax: Any = None) -> Any:
        """Plot loss against learning rate with matplotlib (imported only here), marking the suggestion."""
        try:
            plt = importlib.import_module("matplotlib.pyplot")
        except ImportError as error:
            raise ImportError("FastaiLRFinder.plot needs matplotlib: pip install matplotlib") from error
        if not self._history:
            raise RuntimeError("The learning rate finder did not run yet: there is nothing to plot")
        end = len(self._history["lr"]) - skip_end if skip_end > 0 else None
        lrs, losses = self._history["lr"][skip_start:end], self._history["loss"][skip_start:end]
        if ax is None:
            _, ax = plt.subplots()
        ax.plot(lrs, losses)
        if log_lr:
            ax.set_xscale("log")
        ax.set_xlabel("Learning rate")
        ax.set_ylabel("Loss")
        return ax
