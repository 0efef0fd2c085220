"""Decorator that marks a function as deprecated."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["deprecated"]

_F = TypeVar("_F", bound=Callable[..., Any])


def deprecated(
    deprecated_in: str, removed_in: str = "", reasons: tuple[str, ...] = (), raise_exception: bool = False
) -> Callable[[_F], _F]:
    """Mark a function as deprecated: calling it warns with ``DeprecationWarning`` (or raises it when
    ``raise_exception=True``) and its docstring gains a ``.. deprecated::`` note.

    >>> @deprecated("0.4.2", "0.6.0", reasons=("use new_func instead",), raise_exception=True)
    ... def old_func():
    ...     return 1
    >>> old_func()
    Traceback (most recent call last):
    ...
    DeprecationWarning: old_func is deprecated since version 0.4.2 and will be removed in version 0.6.0 \
(use new_func instead).
    """
    if not isinstance(deprecated_in, str):
        raise TypeError(f"Argument deprecated_in should be a version string, got {type(deprecated_in).__name__}")
    if isinstance(reasons, str) or not all(isinstance(reason, str) for reason in reasons):
        raise TypeError(f"Argument reasons should be a tuple of str, got {reasons!r}")

    def decorator(func: _F) -> _F:
        message = f"{func.__name__} is deprecated since version {deprecated_in}"
        if removed_in:
            message += f" and will be removed in version {removed_in}"
        if reasons:
            message += " (" + "; ".join(reasons) + ")"
        message += "."

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if raise_exception:
                raise DeprecationWarning(message)
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            return func(*args, **kwargs)

        note = f".. deprecated:: {deprecated_in}"
        for reason in reasons:
            note += f"\n    - {reason}"
        wrapper.__doc__ = f"**Deprecated function**.\n\n{func.__doc__ or ''}\n\n{note}"
        return cast(_F, wrapper)

    return decorator
