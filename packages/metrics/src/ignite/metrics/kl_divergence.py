"""Kullback-Leibler divergence between the class distributions of targets and predictions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_tensors
from ignite.metrics.entropy import _class_rows
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["KLDivergence"]


class KLDivergence(Metric):
    """Mean ``KL(softmax(y) || softmax(y_pred))`` in nats, over samples (and positions).

    ``update((y_pred, y))`` takes two logit tensors of the same shape ``(B, C)`` or ``(B, C, ...)``.

    >>> import torch
    >>> m = KLDivergence()
    >>> m.update((torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 0.0]])))
    >>> m.compute()
    0.0
    """

    _sum_of_kl: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_sum_of_kl", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        if y_pred.shape != y.shape:
            raise ValueError(
                f"Arguments y_pred and y should have the same shape, got {tuple(y_pred.shape)} and {tuple(y.shape)}"
            )
        log_q = F.log_softmax(_class_rows("y_pred", y_pred).to(torch.float64), dim=1)
        log_p = F.log_softmax(_class_rows("y", y).to(torch.float64), dim=1)
        self._sum_of_kl += self._divergence(log_q, log_p).to(self._device)
        self._num_examples += log_q.shape[0]

    def _divergence(self, log_q: torch.Tensor, log_p: torch.Tensor) -> torch.Tensor:
        return F.kl_div(log_q, log_p, reduction="sum", log_target=True)

    def compute(self) -> float:
        n = int(self._num_examples)
        if n == 0:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        return float(self._sum_of_kl) / n
