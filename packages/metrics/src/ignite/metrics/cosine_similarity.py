"""Import path of :class:`~ignite.metrics.CosineSimilarity` (defined in ``_pairwise``)."""

from __future__ import annotations

from ignite.metrics._pairwise import CosineSimilarity

__all__ = ["CosineSimilarity"]
