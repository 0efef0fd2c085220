"""Exceptions raised by the Ignite distributions.

Hierarchy (every Ignite error stays catchable by the builtin it refines)::

    RuntimeError
    └── NotComputableError   a metric was asked for a value it cannot produce yet
"""

from __future__ import annotations

__all__ = ["NotComputableError"]


class NotComputableError(RuntimeError):
    """Raised when a metric cannot compute its value, typically because it has not seen any sample yet.

    >>> from ignite.exceptions import NotComputableError
    >>> issubclass(NotComputableError, RuntimeError)
    True
    """
