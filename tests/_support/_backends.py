"""Import a logger backend for a test: skipped where it is not installed, a failure in the tiers that install it.

The default `tests` step runs without the backends (they are extras); `tools/loggers_tier` and the isolation venv of
ignite-contrib-loggers install them and set ``IGNITE_TEST_BACKENDS=required``, so that a backend that fails to import
there fails the run instead of silently skipping its tests.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

REQUIRED = os.environ.get("IGNITE_TEST_BACKENDS", "") == "required"


def require(module: str) -> ModuleType:
    """Return the imported ``module``; skip the test when it is missing, unless backends are required."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        if REQUIRED:
            pytest.fail(f"IGNITE_TEST_BACKENDS=required but {module!r} does not import: {error}", pytrace=False)
        pytest.skip(f"{module} is not installed (it runs in tools/loggers_tier)")
