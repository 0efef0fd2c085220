"""Shared parts of the ranking metrics of recommender systems: argument checks and per-user accumulation."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import Metric

__all__ = ["_RankingMetric"]


def _check_top_k(top_k: Sequence[int]) -> list[int]:
    if not isinstance(top_k, (list, tuple)):
        raise TypeError(f"Argument top_k should be a list of positive ints, got {type(top_k).__name__}")
    if not top_k or any(isinstance(k, bool) or not isinstance(k, int) or k <= 0 for k in top_k):
        raise ValueError(f"Argument top_k should be a non-empty list of positive ints, got {list(top_k)!r}")
    return sorted(top_k)


class _RankingMetric(Metric):
    """Mean over users of a per-user score at each cut-off ``k``, accumulated as sums (exact across ranks).

    ``y_pred`` ``(B, N)`` holds the scores of ``N`` items for ``B`` users, ``y`` ``(B, N)`` their relevance.
    Items are ranked by decreasing score (equal scores keep their item order). A user without any relevant item
    (see :meth:`_relevant`) has no hit: it is skipped when ``ignore_zero_hits`` and scores 0 otherwise. A cut-off
    larger than ``N`` counts as ``N``.
    """

    _sum: torch.Tensor
    _num_users: torch.Tensor

    def __init__(
        self,
        top_k: Sequence[int],
        ignore_zero_hits: bool,
        output_transform: Callable[..., Any],
        device: str | torch.device,
        skip_unrolling: bool,
    ) -> None:
        self.top_k = _check_top_k(top_k)
        if not isinstance(ignore_zero_hits, bool):
            raise TypeError(f"Argument ignore_zero_hits should be a bool, got {type(ignore_zero_hits).__name__}")
        self.ignore_zero_hits = ignore_zero_hits
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_sum", torch.zeros(len(self.top_k), dtype=torch.float64), "sum")
        self.add_state("_num_users", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        if y_pred.ndim != 2 or y.shape != y_pred.shape:
            raise ValueError(
                f"Arguments y_pred and y should both have shape (num_users, num_items), got {tuple(y_pred.shape)} "
                f"and {tuple(y.shape)}"
            )
        check_not_nan("y_pred", y_pred)
        check_not_nan("y", y)
        y_pred, y = y_pred.detach(), y.detach().to(torch.float64)
        if self.ignore_zero_hits:
            keep = self._relevant(y).any(dim=1)
            y_pred, y = y_pred[keep], y[keep]
        if y.shape[0] == 0:
            return
        n_items = y.shape[1]
        cuts = [min(k, n_items) for k in self.top_k]
        order = torch.argsort(y_pred, dim=1, descending=True, stable=True)
        ranked = y.gather(1, order)
        scores = torch.stack([self._per_user(ranked, y, k) for k in cuts])
        self._sum += scores.sum(dim=1).to(self._device)
        self._num_users += y.shape[0]

    @abstractmethod
    def _relevant(self, y: torch.Tensor) -> torch.Tensor:
        """Boolean mask of the relevant items."""

    @abstractmethod
    def _per_user(self, ranked: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
        """Score ``(B,)`` at cut-off ``k``, given the relevances in predicted order and the raw relevances."""

    def compute(self) -> list[float]:
        n = int(self._num_users)
        if n == 0:
            raise NotComputableError(f"{type(self).__name__} must have at least one user before it can be computed.")
        return [float(v) / n for v in self._sum]
