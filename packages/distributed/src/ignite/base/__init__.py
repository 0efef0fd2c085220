"""`ignite.base` (distribution `ignite-distributed`): base classes and mixins shared by Ignite objects."""

from __future__ import annotations

from ignite.base.mixins import Serializable

__all__ = ["Serializable"]
