"""`ignite.metrics.rec_sys`: ranking metrics of recommender systems, accumulated per user."""

from __future__ import annotations

from ignite.metrics.rec_sys.hitrate import HitRate
from ignite.metrics.rec_sys.ndcg import NDCG

__all__ = ["HitRate", "NDCG"]
