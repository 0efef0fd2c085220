"""Small helpers of the engine: handler signature checks and duration formatting."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

__all__: list[str] = []


def _describe(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    return f"{name!s}" if name is not None else repr(fn)


def _signature_accepts(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Whether ``fn(*args, **kwargs)`` binds; callables without an inspectable signature are assumed to accept."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _check_signature(fn: Callable[..., Any], fn_description: str, *args: Any, **kwargs: Any) -> None:
    """Raise ValueError when ``fn`` cannot be called with ``args`` and ``kwargs``.

    >>> _check_signature(lambda engine, batch: None, "process_function", "engine", "batch")
    >>> _check_signature(lambda engine: None, "process_function", "engine", "batch")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Error adding <lambda> 'process_function': takes parameters ['engine'] but will be called with ...
    """
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        # Some builtins expose no signature: nothing can be checked before the call.
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        params = list(signature.parameters)
        passed = [*args, *kwargs]
        raise ValueError(
            f"Error adding {_describe(fn)} '{fn_description}': takes parameters {params} "
            f"but will be called with {passed} ({exc})."
        ) from None


def _to_hours_mins_secs(time_taken: float) -> tuple[int, int, float]:
    """Split a duration in seconds into hours, minutes and seconds.

    >>> _to_hours_mins_secs(3725.5)
    (1, 2, 5.5)
    """
    mins, secs = divmod(time_taken, 60.0)
    hours, mins = divmod(mins, 60.0)
    return round(hours), round(mins), secs
