"""Deprecated path of :mod:`ignite.handlers.lr_finder`: importing it warns, as in Ignite 0.5."""

from __future__ import annotations

import warnings

from ignite.handlers.lr_finder import (
    FastaiLRFinder,
)

__all__ = [
    "FastaiLRFinder",
]

warnings.warn(
    "ignite.contrib.handlers.lr_finder has moved to ignite.handlers.lr_finder: import from there "
    "(this path will be removed)",
    DeprecationWarning,
    stacklevel=2,
)
