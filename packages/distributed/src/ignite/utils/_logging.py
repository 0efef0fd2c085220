"""Logger set-up that is quiet on every rank but rank 0."""

from __future__ import annotations

import logging
from typing import TextIO

__all__ = ["setup_logger"]

_DEFAULT_FORMAT = "%(asctime)s %(name)s %(levelname)s: %(message)s"


def setup_logger(
    name: str | None = "ignite",
    level: int = logging.INFO,
    stream: TextIO | None = None,
    format: str = _DEFAULT_FORMAT,
    filepath: str | None = None,
    distributed_rank: int | None = None,
    reset: bool = False,
    encoding: str | None = "utf-8",
) -> logging.Logger:
    """Create (or fetch) the logger ``name`` with a stream handler and, optionally, a file handler.

    - On ``distributed_rank > 0`` (by default the current rank of :mod:`ignite.distributed`) the logger gets only a
      ``logging.NullHandler`` so that processes other than rank 0 stay silent.
    - A logger that already exists keeps its configuration unless ``reset=True``.
    - A named logger does not propagate its records to its ancestors, so records are not printed twice.
    - ``name=None`` configures the root logger.

    >>> import io
    >>> buffer = io.StringIO()
    >>> logger = setup_logger("doc.example", stream=buffer, format="%(levelname)s %(message)s")
    >>> logger.info("hello")
    >>> buffer.getvalue()
    'INFO hello\\n'
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"Argument name should be a str or None, got {type(name).__name__}")
    if distributed_rank is None:
        # Imported here: ignite.distributed imports this module for show_config().
        from ignite.distributed import get_rank

        distributed_rank = get_rank()
    if isinstance(distributed_rank, bool) or not isinstance(distributed_rank, int) or distributed_rank < 0:
        raise ValueError(f"Argument distributed_rank should be a non-negative int or None, got {distributed_rank!r}")

    # A child logger created first leaves only a PlaceHolder under the parent's name: that is not a configured logger.
    already_exists = name is None or isinstance(logging.root.manager.loggerDict.get(name), logging.Logger)
    logger = logging.getLogger(name)

    if distributed_rank > 0 or reset:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
    if distributed_rank > 0:
        logger.addHandler(logging.NullHandler())

    if already_exists and not reset:
        return logger

    if distributed_rank == 0:
        logger.setLevel(level)
        formatter = logging.Formatter(format)
        stream_handler = logging.StreamHandler(stream=stream)
        stream_handler.setLevel(level)
        stream_handler.setFormatter(formatter)
        logger.addHandler(stream_handler)
        if filepath is not None:
            file_handler = logging.FileHandler(filepath, encoding=encoding)
            file_handler.setLevel(level)
            file_handler.setFormatter(formatter)
            logger.addHandler(file_handler)

    if name is not None:
        logger.propagate = False
    return logger
