"""Import path of :class:`~ignite.metrics.MeanPairwiseDistance` (defined in ``_pairwise``)."""

from __future__ import annotations

from ignite.metrics._pairwise import MeanPairwiseDistance

__all__ = ["MeanPairwiseDistance"]
