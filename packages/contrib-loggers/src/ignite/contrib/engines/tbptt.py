"""Truncated backpropagation through time: a supervised trainer that steps the optimizer once per sequence chunk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.engine import Engine, EventEnum, _prepare_batch
from ignite.utils import apply_to_tensor

__all__ = ["Tbptt_Events", "create_supervised_tbptt_trainer"]


class Tbptt_Events(EventEnum):
    """Events fired around each time chunk by the trainer of :func:`create_supervised_tbptt_trainer`.

    They are registered on that trainer; their filters count firings within the run, e.g.
    ``Tbptt_Events.TIME_ITERATION_COMPLETED(every=10)``.
    """

    TIME_ITERATION_STARTED = "time_iteration_started"
    TIME_ITERATION_COMPLETED = "time_iteration_completed"


def _detach_hidden(hidden: Any) -> Any:
    """Cut the graph behind the hidden state (a tensor or a collection of tensors such as an LSTM's ``(h, c)``)."""
    return apply_to_tensor(hidden, torch.Tensor.detach)


def _check_args(
    model: object,
    optimizer: object,
    loss_fn: object,
    tbtt_step: object,
    dim: object,
    device: object,
    non_blocking: object,
    prepare_batch: object,
) -> None:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` should be a torch.nn.Module, got {type(model).__name__}")
    if not (callable(getattr(optimizer, "zero_grad", None)) and callable(getattr(optimizer, "step", None))):
        raise TypeError(
            "`optimizer` should be a torch.optim.Optimizer (an object with zero_grad() and step()), "
            f"got {type(optimizer).__name__}"
        )
    for name, value in (("loss_fn", loss_fn), ("prepare_batch", prepare_batch)):
        if not callable(value):
            raise TypeError(f"`{name}` should be callable, got {type(value).__name__}: {value!r}")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"`dim` should be an int, got {type(dim).__name__}: {dim!r}")
    if isinstance(tbtt_step, bool) or not isinstance(tbtt_step, int):
        raise TypeError(f"`tbtt_step` should be a positive int, got {type(tbtt_step).__name__}: {tbtt_step!r}")
    if tbtt_step < 1:
        raise ValueError(f"`tbtt_step` should be a positive number of time steps per chunk, got {tbtt_step}")
    if device is not None and not isinstance(device, str | torch.device):
        raise TypeError(f"`device` should be None, a str or a torch.device, got {type(device).__name__}: {device!r}")
    if not isinstance(non_blocking, bool):
        raise TypeError(f"`non_blocking` should be a bool, got {type(non_blocking).__name__}: {non_blocking!r}")


def _split_sequences(batch: Any, tbtt_step: int, dim: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The ``(x, y)`` chunks of ``tbtt_step`` time steps along ``dim`` (the last one may be shorter)."""
    if not (isinstance(batch, Sequence) and len(batch) == 2 and all(isinstance(t, torch.Tensor) for t in batch)):
        raise ValueError(
            "`batch` should be a pair (x, y) of tensors with a time dimension `dim`, "
            f"got {type(batch).__name__}: {batch!r:.200}"
        )
    x, y = batch
    for name, tensor in (("x", x), ("y", y)):
        if not -tensor.dim() <= dim < tensor.dim():
            raise ValueError(
                f"`dim`={dim} should be a dimension of the batch's {name}, which has shape {tuple(tensor.shape)}"
            )
    if x.size(dim) != y.size(dim):
        # Chunking both would silently drop the end of the longer one.
        raise ValueError(
            f"the batch's x and y should have the same length along the time dimension dim={dim}, "
            f"got x of shape {tuple(x.shape)} and y of shape {tuple(y.shape)}"
        )
    return list(zip(x.split(tbtt_step, dim=dim), y.split(tbtt_step, dim=dim), strict=True))


def create_supervised_tbptt_trainer(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: torch.nn.Module | Callable[[Any, Any], torch.Tensor],
    tbtt_step: int,
    dim: int = 0,
    device: str | torch.device | None = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., tuple[Any, Any]] = _prepare_batch,
) -> Engine:
    """A trainer for recurrent models with truncated backpropagation through time.

    Each batch ``(x, y)`` is cut along its time dimension ``dim`` into chunks of ``tbtt_step`` steps (the last one
    may be shorter). For each chunk, in order: ``prepare_batch((x_t, y_t), device=device, non_blocking=...)``,
    ``Tbptt_Events.TIME_ITERATION_STARTED`` fires, ``model(x_t)`` for the first chunk or ``model(x_t, hidden)``
    with the previous chunk's hidden state *detached* for the next ones (so gradients stop at chunk boundaries),
    ``loss_fn(y_pred_t, y_t)``, backward and one optimizer step; then ``engine.state.output`` is set to the chunk's
    loss and ``Tbptt_Events.TIME_ITERATION_COMPLETED`` fires. The output of the iteration is the mean of the chunk
    losses. The model must return ``(y_pred, hidden)``. ``device`` moves the batches only: move the model yourself
    before creating the optimizer.

    >>> import torch
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.rnn = torch.nn.RNN(2, 3)
    ...         self.head = torch.nn.Linear(3, 1)
    ...     def forward(self, x, hidden=None):
    ...         out, hidden = self.rnn(x, hidden)
    ...         return self.head(out), hidden
    >>> model = Net()
    >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    >>> trainer = create_supervised_tbptt_trainer(model, optimizer, torch.nn.MSELoss(), tbtt_step=4)
    >>> chunks = []
    >>> _ = trainer.add_event_handler(Tbptt_Events.TIME_ITERATION_COMPLETED, lambda engine: chunks.append(1))
    >>> batch = (torch.randn(10, 5, 2), torch.randn(10, 5, 1))  # (time, batch, features): chunks of 4, 4 and 2
    >>> state = trainer.run([batch], max_epochs=1)
    >>> len(chunks), isinstance(state.output, float)
    (3, True)
    """
    _check_args(model, optimizer, loss_fn, tbtt_step, dim, device, non_blocking, prepare_batch)

    def _update(engine: Engine, batch: Any) -> float:
        losses: list[float] = []
        hidden: Any = None
        for chunk in _split_sequences(batch, tbtt_step, dim):
            x_t, y_t = prepare_batch(chunk, device=device, non_blocking=non_blocking)
            engine.fire_event(Tbptt_Events.TIME_ITERATION_STARTED)
            model.train()
            optimizer.zero_grad()
            if hidden is None:
                y_pred_t, hidden = model(x_t)
            else:
                y_pred_t, hidden = model(x_t, _detach_hidden(hidden))
            loss_t = loss_fn(y_pred_t, y_t)
            loss_t.backward()
            optimizer.step()
            loss_value = loss_t.item()
            losses.append(loss_value)
            # Handlers of the chunk events see the chunk's loss as the engine output.
            engine.state.output = loss_value
            engine.fire_event(Tbptt_Events.TIME_ITERATION_COMPLETED)
        return sum(losses) / len(losses)

    trainer = Engine(_update)
    trainer.register_events(*Tbptt_Events)
    return trainer
