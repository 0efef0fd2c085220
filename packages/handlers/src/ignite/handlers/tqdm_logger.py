"""Ignite 0.5 path of :mod:`ignite.contrib.handlers.tqdm_logger` (distribution ignite-contrib-loggers)."""

from ignite.handlers._contrib_paths import reexport

__all__ = reexport(globals(), "tqdm_logger")
