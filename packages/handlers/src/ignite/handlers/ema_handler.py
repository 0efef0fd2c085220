"""EMAHandler: an exponential moving average of a model's weights, updated as training goes."""

from __future__ import annotations

import numbers
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import torch
from torch import nn

from ignite.base import Serializable
from ignite.engine import Engine, Events

__all__ = ["EMAHandler"]

_BUFFER_MODES = ("copy", "update", "ema_train")


def _check_momentum(value: Any, argument: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < float(value) <= 1:
        raise ValueError(f"Argument {argument} should be a number in (0, 1], got {value!r}")
    return float(value)


class EMAHandler(Serializable):
    """Keeps ``ema_model``, a copy of ``model`` whose parameters follow
    ``ema = (1 - momentum) * ema + momentum * param`` after each update.

    Args:
        model: the trained model (``DataParallel``/``DistributedDataParallel`` are unwrapped).
        momentum: weight of the current parameters in each update (small: the average is slow).
        momentum_warmup: momentum of the first update; it moves linearly to ``momentum`` over ``warmup_iters``
            updates, so the average follows the model closely at the start.
        warmup_iters: length of the warm-up, in updates.
        handle_buffers: ``"copy"`` the model's buffers (e.g. BatchNorm statistics), ``"update"`` them as moving
            averages too (integer buffers are copied), or ``"ema_train"``: leave them to the EMA model, kept in
            train mode.

    The EMA model and the number of updates are saved by :meth:`state_dict`: put the handler in ``to_save``.

    >>> import torch
    >>> from ignite.engine import Engine
    >>> model = torch.nn.Linear(1, 1, bias=False)
    >>> _ = torch.nn.init.zeros_(model.weight)
    >>> ema = EMAHandler(model, momentum=0.5)
    >>> trainer = Engine(lambda engine, batch: torch.nn.init.constant_(model.weight, batch))
    >>> ema.attach(trainer)
    >>> _ = trainer.run([1.0, 1.0])
    >>> ema.ema_model.weight.item()
    0.75
    """

    _state_dict_all_req_keys = ("ema_model", "num_updates")

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        momentum_warmup: float | None = None,
        warmup_iters: int | None = None,
        handle_buffers: str = "copy",
    ) -> None:
        if isinstance(model, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
            model = model.module
        if not isinstance(model, nn.Module):
            raise ValueError(f"Argument model should be a torch.nn.Module, got {type(model).__name__}")
        self.momentum = _check_momentum(momentum, "momentum")
        if (momentum_warmup is None) != (warmup_iters is None):
            raise ValueError(
                "Arguments momentum_warmup and warmup_iters should be given together, got "
                f"momentum_warmup={momentum_warmup!r} and warmup_iters={warmup_iters!r}"
            )
        self.momentum_warmup = None if momentum_warmup is None else _check_momentum(momentum_warmup, "momentum_warmup")
        if warmup_iters is not None and (
            isinstance(warmup_iters, bool) or not isinstance(warmup_iters, int) or warmup_iters < 1
        ):
            raise ValueError(f"Argument warmup_iters should be a positive int, got {warmup_iters!r}")
        self.warmup_iters = warmup_iters
        if handle_buffers not in _BUFFER_MODES:
            raise ValueError(f"Argument handle_buffers should be one of {list(_BUFFER_MODES)}, got {handle_buffers!r}")
        self.handle_buffers = handle_buffers
        self.model = model
        self.ema_model = deepcopy(model)
        for param in self.ema_model.parameters():
            param.detach_()
            param.requires_grad_(False)
        self.ema_model.train(handle_buffers == "ema_train")
        self.num_updates = 0

    def current_momentum(self) -> float:
        """The momentum of the next update (after the warm-up: ``momentum``)."""
        if self.momentum_warmup is None or self.warmup_iters is None:
            return self.momentum
        progress = min(1.0, self.num_updates / max(1, self.warmup_iters - 1))
        return self.momentum_warmup + (self.momentum - self.momentum_warmup) * progress

    def attach(
        self, engine: Engine, name: str = "ema_momentum", warn_if_exists: bool = True, event: Any = None
    ) -> None:
        """Update the EMA model on ``event`` (default ``ITERATION_COMPLETED``); the momentum used is written to
        ``engine.state.<name>``."""
        if hasattr(engine.state, name):
            if warn_if_exists:
                warnings.warn(
                    f"Attribute '{name}' already exists in engine.state (loaded state dict, or another handler): it "
                    "will be overwritten. Pass warn_if_exists=False to silence this warning.",
                    UserWarning,
                    stacklevel=2,
                )
        else:
            setattr(engine.state, name, self.current_momentum())
        engine.add_event_handler(Events.ITERATION_COMPLETED if event is None else event, self._update, name)

    @torch.no_grad()
    def _update(self, engine: Engine, name: str) -> None:
        momentum = self.current_momentum()
        setattr(engine.state, name, momentum)
        for ema_param, param in zip(self.ema_model.parameters(), self.model.parameters(), strict=True):
            ema_param.mul_(1.0 - momentum).add_(param.detach(), alpha=momentum)
        if self.handle_buffers != "ema_train":
            for ema_buffer, buffer in zip(self.ema_model.buffers(), self.model.buffers(), strict=True):
                if self.handle_buffers == "update" and ema_buffer.is_floating_point():
                    ema_buffer.mul_(1.0 - momentum).add_(buffer, alpha=momentum)
                else:
                    ema_buffer.copy_(buffer)
        self.num_updates += 1

    def state_dict(self) -> OrderedDict[str, Any]:
        """``ema_model`` (its state dict) and ``num_updates`` (the warm-up position)."""
        return OrderedDict(ema_model=self.ema_model.state_dict(), num_updates=self.num_updates)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self.ema_model.load_state_dict(state_dict["ema_model"])
        self.num_updates = int(state_dict["num_updates"])
