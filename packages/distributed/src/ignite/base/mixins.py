"""Mixins shared by the stateful objects of Ignite (engines, metrics, checkpoint handlers)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = ["Serializable"]


class Serializable:
    """Mixin for objects whose state is saved with ``state_dict()`` and restored with ``load_state_dict()``.

    Subclasses describe the keys a state dict must hold:

    - ``_state_dict_all_req_keys``: names that must all be present;
    - ``_state_dict_one_of_opt_keys``: groups of names of which exactly one per group must be present,
      e.g. ``(("iteration", "epoch"),)``. A flat tuple of names, e.g. ``("iteration", "epoch")``, is read as a
      single group (the older Ignite spelling).

    ``load_state_dict`` of this class only validates; subclasses call it first and then restore their fields.

    >>> class Counter(Serializable):
    ...     _state_dict_all_req_keys = ("count",)
    ...     def state_dict(self):
    ...         return OrderedDict(count=1)
    >>> Counter().load_state_dict({"count": 3})
    >>> Counter().load_state_dict({})
    Traceback (most recent call last):
    ...
    ValueError: Required state attribute 'count' is absent in the provided state_dict (keys: [])
    """

    _state_dict_all_req_keys: ClassVar[tuple[Any, ...]] = ()
    _state_dict_one_of_opt_keys: ClassVar[tuple[Any, ...]] = ()

    def state_dict(self) -> OrderedDict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement state_dict()")

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a Mapping (e.g. a dict), got {type(state_dict).__name__}")
        present = list(state_dict.keys())
        for key in self._state_dict_all_req_keys:
            if key not in state_dict:
                raise ValueError(
                    f"Required state attribute '{key}' is absent in the provided state_dict (keys: {present})"
                )
        for group in _one_of_groups(self._state_dict_one_of_opt_keys):
            found = [key for key in group if key in state_dict]
            if len(found) != 1:
                raise ValueError(
                    f"state_dict should contain exactly one of the keys {list(group)}, got {found or 'none'} "
                    f"(keys: {present})"
                )


def _one_of_groups(spec: tuple[Any, ...]) -> list[tuple[str, ...]]:
    # Ignite 0.5 declares groups of alternatives; earlier releases declared one flat group of names.
    if all(isinstance(item, str) for item in spec):
        return [tuple(spec)] if spec else []
    return [tuple(group) for group in spec if len(group) > 0]
