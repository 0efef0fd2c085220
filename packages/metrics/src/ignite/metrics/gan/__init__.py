"""`ignite.metrics.gan`: metrics of generative models (FID, Inception Score) on features from any extractor."""

from __future__ import annotations

from ignite.metrics.gan.fid import FID
from ignite.metrics.gan.inception_score import InceptionScore

__all__ = ["FID", "InceptionScore"]
