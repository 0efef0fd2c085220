"""Import path of :class:`~ignite.metrics.PSNR` (defined in ``_pairwise``)."""

from __future__ import annotations

from ignite.metrics._pairwise import PSNR

__all__ = ["PSNR"]
