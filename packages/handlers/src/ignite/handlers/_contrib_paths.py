"""Ignite 0.5 module paths of the experiment loggers (``ignite.handlers.tensorboard_logger`` ...).

The loggers live in the distribution ignite-contrib-loggers under ``ignite.contrib.handlers``; each 0.5 path in this
distribution is a two-line module that fills itself with the names of its counterpart through :func:`reexport`, or
raises an ImportError naming the distribution to install when it is absent.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["reexport"]

_CONTRIB_PACKAGE = "ignite.contrib.handlers"


def reexport(namespace: dict[str, Any], module: str) -> list[str]:
    """Copy the public names of ``ignite.contrib.handlers.<module>`` into ``namespace``; return its ``__all__``."""
    target = f"{_CONTRIB_PACKAGE}.{module}"
    try:
        # The upward edge ignite.handlers -> ignite.contrib.handlers, allowed by name in tools/py/check_edges.py.
        source = importlib.import_module(target)
    except ModuleNotFoundError as error:
        if error.name is None or not target.startswith(error.name):
            raise
        raise ImportError(
            f"ignite.handlers.{module} is provided by the distribution ignite-contrib-loggers (as {target}): "
            'pip install "ignite-contrib-loggers"',
            name=f"ignite.handlers.{module}",
        ) from error
    names: list[str] = list(source.__all__)
    namespace.update({name: getattr(source, name) for name in names})
    return names
