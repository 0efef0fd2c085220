"""Entropy of predicted class distributions, and the shared input handling of the information metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["Entropy"]


def _class_rows(name: str, logits: torch.Tensor) -> torch.Tensor:
    """Logits ``(B, C)`` or ``(B, C, ...)`` as float ``(N, C)`` rows, one per sample and position."""
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"Argument {name} should be a torch.Tensor, got {type(logits).__name__}")
    if logits.ndim < 2:
        raise ValueError(f"Argument {name} should have shape (B, C) or (B, C, ...), got {tuple(logits.shape)}")
    if not logits.is_floating_point():
        raise TypeError(f"Argument {name} should hold floating point logits, got dtype {logits.dtype}")
    check_not_nan(name, logits)
    return logits.detach().movedim(1, -1).reshape(-1, logits.shape[1])


class Entropy(Metric):
    """Mean entropy (in nats) of the class distributions ``softmax(y_pred)``, over samples (and positions).

    ``update((y_pred, y))`` takes logits ``(B, C)`` or ``(B, C, ...)``; ``y`` is not used.

    >>> import torch
    >>> m = Entropy()
    >>> m.update((torch.zeros(2, 4), torch.zeros(2)))
    >>> round(m.compute(), 4)  # uniform over 4 classes: log(4)
    1.3863
    """

    _sum_of_entropies: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_sum_of_entropies", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, _ = check_tensors(output)
        rows = _class_rows("y_pred", y_pred).to(torch.float64)
        self._update_rows(rows)
        self._num_examples += rows.shape[0]

    def _update_rows(self, rows: torch.Tensor) -> None:
        log_p = F.log_softmax(rows, dim=1)
        self._sum_of_entropies += -(log_p.exp() * log_p).sum().to(self._device)

    def _count(self) -> int:
        n = int(self._num_examples)
        if n == 0:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        return n

    def compute(self) -> float:
        return float(self._sum_of_entropies) / self._count()
