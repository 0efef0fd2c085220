"""Average of a loss function over the samples seen."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["Loss"]


class Loss(Metric):
    """Mean of ``loss_fn(y_pred, y, **criterion_kwargs)`` weighted by ``batch_size(y)``.

    ``update((y_pred, y))`` or ``update((y_pred, y, criterion_kwargs))``; ``loss_fn`` must return the batch mean
    as a 0-d tensor.

    >>> import torch
    >>> loss = Loss(torch.nn.functional.mse_loss)
    >>> loss.update((torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0])))
    >>> loss.compute()
    2.0
    """

    _sum: torch.Tensor
    _num_examples: torch.Tensor

    required_output_keys = ("y_pred", "y", "criterion_kwargs")

    def __init__(
        self,
        loss_fn: Callable[..., torch.Tensor],
        output_transform: Callable[..., Any] = _identity,
        batch_size: Callable[[Any], int] = len,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if not callable(loss_fn):
            raise TypeError(f"Argument loss_fn should be callable, got {type(loss_fn).__name__}")
        if not callable(batch_size):
            raise TypeError(f"Argument batch_size should be callable, got {type(batch_size).__name__}")
        self._loss_fn = loss_fn
        self._batch_size = batch_size
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_sum", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        if not isinstance(output, (tuple, list)) or len(output) not in (2, 3):
            raise TypeError(
                f"Argument output should be (y_pred, y) or (y_pred, y, criterion_kwargs), got {type(output).__name__}"
            )
        y_pred, y = output[0], output[1]
        kwargs: Mapping[str, Any] = output[2] if len(output) == 3 else {}
        if not isinstance(kwargs, Mapping):
            raise TypeError(f"Argument criterion_kwargs should be a Mapping, got {type(kwargs).__name__}")
        average_loss = self._loss_fn(y_pred, y, **kwargs).detach()
        if average_loss.ndim > 0:
            raise ValueError(
                f"loss_fn should return the batch mean (a 0-d tensor), got shape {tuple(average_loss.shape)}"
            )
        n = self._batch_size(y)
        self._sum += average_loss.to(self._device, torch.float64) * n
        self._num_examples += n

    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("Loss must have at least one example before it can be computed.")
        return (self._sum / self._num_examples).item()
