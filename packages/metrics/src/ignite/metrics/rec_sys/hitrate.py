"""Hit rate at k: the share of users with at least one relevant item among their top k."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.metrics.metric import _CPU, _identity
from ignite.metrics.rec_sys._base import _RankingMetric

__all__ = ["HitRate"]


class HitRate(_RankingMetric):
    """Share of users for whom a relevant item (``y > 0``, usually binary ``y``) is ranked in the top ``k``.

    Args:
        top_k: the cut-offs ``k``; the values are returned in increasing order of ``k``.
        ignore_zero_hits: skip users without any relevant item instead of counting them as misses.
        output_transform, device, skip_unrolling: see :class:`~ignite.metrics.metric.Metric`.

    ``update((y_pred, y))`` takes scores and relevances of shape ``(num_users, num_items)``; ``compute()`` returns
    one float per cut-off.

    >>> import torch
    >>> m = HitRate(top_k=[1, 2])
    >>> m.update((torch.tensor([[0.9, 0.5, 0.1], [0.2, 0.8, 0.4]]), torch.tensor([[0, 1, 0], [0, 1, 1]])))
    >>> m.compute()
    [0.5, 1.0]
    """

    def __init__(
        self,
        top_k: Sequence[int],
        ignore_zero_hits: bool = True,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(top_k, ignore_zero_hits, output_transform, device, skip_unrolling)

    def _relevant(self, y: torch.Tensor) -> torch.Tensor:
        return y > 0

    def _per_user(self, ranked: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
        return self._relevant(ranked[:, :k]).any(dim=1).to(torch.float64)
