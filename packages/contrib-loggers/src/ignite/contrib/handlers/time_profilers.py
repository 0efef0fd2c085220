"""Deprecated path of :mod:`ignite.handlers.time_profilers`: importing it warns, as in Ignite 0.5."""

from __future__ import annotations

import warnings

from ignite.handlers.time_profilers import (
    BasicTimeProfiler,
    HandlersTimeProfiler,
)

__all__ = [
    "BasicTimeProfiler",
    "HandlersTimeProfiler",
]

warnings.warn(
    "ignite.contrib.handlers.time_profilers has moved to ignite.handlers.time_profilers: import from there "
    "(this path will be removed)",
    DeprecationWarning,
    stacklevel=2,
)
