"""`ignite.exceptions` (distribution `ignite-distributed`): the exceptions shared by all Ignite distributions."""

from __future__ import annotations

from ignite.exceptions._errors import NotComputableError

__all__ = ["NotComputableError"]
