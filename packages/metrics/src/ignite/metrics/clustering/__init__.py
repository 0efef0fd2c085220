"""`ignite.metrics.clustering`: scores of a clustering of features, computed in torch over the whole epoch."""

from __future__ import annotations

from ignite.metrics.clustering._metrics import CalinskiHarabaszScore, DaviesBouldinScore, SilhouetteScore

__all__ = ["CalinskiHarabaszScore", "DaviesBouldinScore", "SilhouetteScore"]
