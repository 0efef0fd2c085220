"""Ignite 0.5 module paths of the experiment loggers (``ignite.handlers.tensorboard_logger`` ...).

The loggers live in the distribution ignite-contrib-loggers under ``ignite.contrib.handlers``; each 0.5 path in this
distribution is a two-line module that fills itself with the names of its counterpart through :func:`reexport`, or
raises an ImportError naming the distribution to install when it is absent.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["import_contrib", "reexport"]

_CONTRIB_PACKAGE = "ignite.contrib.handlers"


def import_contrib(target: str, wanted: str) -> ModuleType:
    """Import ``target`` (``ignite.contrib.handlers`` or one of its modules) for the Ignite 0.5 name ``wanted``.

    Raises an ImportError naming the distribution to install when ignite-contrib-loggers is absent; an import error
    from inside an installed ignite-contrib-loggers propagates as it is.
    """
    try:
        # The one upward edge of this distribution (ignite.handlers -> ignite.contrib.handlers), written as a static
        # import so that tools/check_edges sees it; it is allowed there by name.
        import ignite.contrib.handlers  # noqa: F401

        return importlib.import_module(target)
    except ModuleNotFoundError as error:
        if error.name is None or not target.startswith(error.name):
            raise
        raise ImportError(
            f"{wanted} is provided by the distribution ignite-contrib-loggers (as {target}): "
            'pip install "ignite-contrib-loggers"',
            name=wanted,
        ) from error


def reexport(namespace: dict[str, Any], module: str) -> list[str]:
    """Copy the public names of ``ignite.contrib.handlers.<module>`` into ``namespace``; return its ``__all__``."""
    source = import_contrib(f"{_CONTRIB_PACKAGE}.{module}", f"ignite.handlers.{module}")
    names: list[str] = list(source.__all__)
    namespace.update({name: getattr(source, name) for name in names})
    return names
