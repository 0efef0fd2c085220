"""ignite.base.Serializable key validation and ignite.exceptions."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ClassVar

import pytest

from ignite.base import Serializable
from ignite.exceptions import NotComputableError


class Required(Serializable):
    _state_dict_all_req_keys: ClassVar[tuple[Any, ...]] = ("epoch_length", "max_epochs")

    def state_dict(self) -> OrderedDict[str, Any]:
        return OrderedDict(epoch_length=1, max_epochs=2)


class Grouped(Serializable):
    _state_dict_all_req_keys: ClassVar[tuple[Any, ...]] = ("max_epochs",)
    _state_dict_one_of_opt_keys: ClassVar[tuple[Any, ...]] = (("iteration", "epoch"), ("a", "b"))


class Flat(Serializable):
    _state_dict_one_of_opt_keys: ClassVar[tuple[Any, ...]] = ("iteration", "epoch")


def test_required_keys() -> None:
    obj = Required()
    obj.load_state_dict(obj.state_dict())
    obj.load_state_dict({"epoch_length": 1, "max_epochs": 2, "extra": 3})
    with pytest.raises(ValueError, match=r"Required state attribute 'max_epochs' is absent .*\['epoch_length'\]"):
        obj.load_state_dict({"epoch_length": 1})


@pytest.mark.parametrize("bad", [None, [("epoch_length", 1)], "epoch_length"])
def test_state_dict_must_be_a_mapping(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"Argument state_dict should be a Mapping \(e.g. a dict\), got"):
        Required().load_state_dict(bad)


def test_one_of_groups() -> None:
    obj = Grouped()
    obj.load_state_dict({"max_epochs": 1, "iteration": 5, "b": 0})
    obj.load_state_dict({"max_epochs": 1, "epoch": 5, "a": 0})
    with pytest.raises(
        ValueError, match=r"exactly one of the keys \['iteration', 'epoch'\], got \['iteration', 'epoch'\]"
    ):
        obj.load_state_dict({"max_epochs": 1, "iteration": 5, "epoch": 1, "a": 0})
    with pytest.raises(ValueError, match=r"exactly one of the keys \['a', 'b'\], got none"):
        obj.load_state_dict({"max_epochs": 1, "iteration": 5})


def test_flat_one_of_spec_is_one_group() -> None:
    obj = Flat()
    obj.load_state_dict({"epoch": 1})
    with pytest.raises(ValueError, match=r"exactly one of the keys \['iteration', 'epoch'\], got none"):
        obj.load_state_dict({})


def test_defaults_accept_anything_and_state_dict_is_abstract() -> None:
    Serializable().load_state_dict({})
    with pytest.raises(NotImplementedError, match=r"Serializable must implement state_dict\(\)"):
        Serializable().state_dict()


def test_not_computable_error() -> None:
    assert issubclass(NotComputableError, RuntimeError)
    with pytest.raises(RuntimeError, match="no samples"):
        raise NotComputableError("no samples")
