"""Normalized discounted cumulative gain at k."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.metrics.metric import _CPU, _identity
from ignite.metrics.rec_sys._base import _RankingMetric

__all__ = ["NDCG"]

_GAINS = ("exp_rank", "linear_rank", "linear")


def _discounts(k: int, like: torch.Tensor) -> torch.Tensor:
    return 1.0 / torch.log2(torch.arange(2, k + 2, dtype=torch.float64, device=like.device))


class NDCG(_RankingMetric):
    """Mean over users of ``DCG@k / IDCG@k`` with discount ``1 / log2(rank + 1)``.

    Args:
        top_k: the cut-offs ``k``; the values are returned in increasing order of ``k``.
        ignore_zero_hits: skip users without any item of relevance ``>= relevance_threshold``; otherwise they
            count 0.
        relevance_threshold: smallest value of ``y`` that makes an item relevant (a "hit").
        gain_function: ``"exp_rank"`` (gain ``2 ** rel - 1``) or ``"linear_rank"`` / ``"linear"`` (gain ``rel``,
            as ``sklearn.metrics.ndcg_score``).
        output_transform, device, skip_unrolling: see :class:`~ignite.metrics.metric.Metric`.

    ``update((y_pred, y))`` takes scores and graded relevances of shape ``(num_users, num_items)``; ``compute()``
    returns one float per cut-off. A user whose ideal DCG is 0 scores 0.

    >>> import torch
    >>> m = NDCG(top_k=[1, 3], gain_function="linear")
    >>> m.update((torch.tensor([[0.9, 0.5, 0.1]]), torch.tensor([[0.0, 1.0, 1.0]])))
    >>> [round(v, 4) for v in m.compute()]
    [0.0, 0.6934]
    """

    def __init__(
        self,
        top_k: Sequence[int],
        ignore_zero_hits: bool = True,
        relevance_threshold: float = 1.0,
        gain_function: str = "exp_rank",
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(relevance_threshold, bool) or not isinstance(relevance_threshold, (int, float)):
            raise TypeError(f"Argument relevance_threshold should be a float, got {type(relevance_threshold).__name__}")
        if gain_function not in _GAINS:
            raise ValueError(f"Argument gain_function should be one of {_GAINS}, got {gain_function!r}")
        self.relevance_threshold = float(relevance_threshold)
        self.gain_function = gain_function
        super().__init__(top_k, ignore_zero_hits, output_transform, device, skip_unrolling)

    def _relevant(self, y: torch.Tensor) -> torch.Tensor:
        return y >= self.relevance_threshold

    def _gain(self, relevance: torch.Tensor) -> torch.Tensor:
        if self.gain_function == "exp_rank":
            return torch.pow(2.0, relevance) - 1.0
        return relevance

    def _per_user(self, ranked: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
        discounts = _discounts(k, ranked)
        dcg = (self._gain(ranked[:, :k]) * discounts).sum(dim=1)
        ideal = torch.sort(y, dim=1, descending=True).values[:, :k]
        idcg = (self._gain(ideal) * discounts).sum(dim=1)
        return torch.where(idcg > 0, dcg / idcg.clamp(min=1e-300), 0.0)
