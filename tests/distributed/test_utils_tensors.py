"""convert_tensor, apply_to_tensor, apply_to_type and to_onehot."""

from __future__ import annotations

from collections import OrderedDict, defaultdict, namedtuple
from typing import Any, NamedTuple

import pytest
import torch

from ignite.utils import apply_to_tensor, apply_to_type, convert_tensor, to_onehot


class Batch(NamedTuple):
    x: torch.Tensor
    y: list[torch.Tensor]
    name: str


PlainPair = namedtuple("PlainPair", ["first", "second"])


class Opaque:
    def __init__(self, tensor: torch.Tensor) -> None:
        self.tensor = tensor


def _nested() -> dict[str, Any]:
    return {
        "batch": Batch(torch.zeros(2), [torch.ones(1), torch.ones(3)], "train"),
        "pair": PlainPair(torch.tensor(1), (torch.tensor(2), 5)),
        "ordered": OrderedDict(b=torch.tensor([1.0]), a="text"),
        "bytes": b"raw",
        "none": None,
        "opaque": Opaque(torch.zeros(1)),
    }


def test_convert_tensor_moves_every_tensor_and_keeps_structure() -> None:
    data = _nested()
    out = convert_tensor(data, device="meta")
    assert isinstance(out, dict) and list(out) == list(data)
    batch = out["batch"]
    assert type(batch) is Batch
    assert batch.x.device.type == "meta" and batch.x.shape == (2,)
    assert [t.device.type for t in batch.y] == ["meta", "meta"]
    assert batch.name == "train"
    assert type(out["pair"]) is PlainPair
    assert out["pair"].first.device.type == "meta"
    assert isinstance(out["pair"].second, tuple) and out["pair"].second[0].device.type == "meta"
    assert out["pair"].second[1] == 5
    assert type(out["ordered"]) is OrderedDict and list(out["ordered"]) == ["b", "a"]
    assert out["ordered"]["b"].device.type == "meta"
    assert out["bytes"] == b"raw" and out["none"] is None
    # Objects that are not containers are left alone, tensors inside them included.
    assert out["opaque"] is data["opaque"] and out["opaque"].tensor.device.type == "cpu"


def test_convert_tensor_without_device_returns_the_same_tensors() -> None:
    tensor = torch.ones(2)
    out: Any = convert_tensor([tensor, {"k": tensor}])
    assert out[0] is tensor and out[1]["k"] is tensor
    assert convert_tensor(tensor, device=torch.device("cpu"), non_blocking=True) is tensor
    assert convert_tensor("label", device="meta") == "label"


def test_convert_tensor_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"Argument device should be a str, a torch.device or None, got int"):
        convert_tensor(torch.ones(1), device=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Argument non_blocking should be a bool, got str"):
        convert_tensor(torch.ones(1), non_blocking="yes")  # type: ignore[arg-type]


def test_apply_to_tensor() -> None:
    out = apply_to_tensor({"a": [torch.tensor(1), 2], "b": (torch.tensor(3),)}, lambda t: t + 10)
    assert torch.equal(out["a"][0], torch.tensor(11)) and out["a"][1] == 2
    assert isinstance(out["b"], tuple) and torch.equal(out["b"][0], torch.tensor(13))


def test_apply_to_type_other_types_and_containers() -> None:
    data = defaultdict(list, {"n": [1, 2.5, "3"], "t": (4,)})
    out = apply_to_type(data, (int, str), lambda v: f"<{v}>")
    assert isinstance(out, defaultdict) and out.default_factory is list
    assert out["n"] == ["<1>", 2.5, "<3>"] and out["t"] == ("<4>",)
    # str is a leaf: when it is not the target type it is returned whole, not split into characters.
    assert apply_to_type("abc", int, lambda v: v + 1) == "abc"
    assert apply_to_type(torch.Size([2, 3]), int, lambda v: v * 2) == torch.Size([4, 6])
    with pytest.raises(TypeError, match=r"Argument func should be callable, got int"):
        apply_to_type([1], int, 5)  # type: ignore[arg-type]


def test_to_onehot() -> None:
    indices = torch.tensor([0, 2, 1, 2])
    onehot = to_onehot(indices, num_classes=3)
    assert onehot.dtype == torch.uint8
    assert torch.equal(onehot, torch.tensor([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=torch.uint8))


def test_to_onehot_multidimensional_matches_manual_encoding() -> None:
    generator = torch.Generator().manual_seed(0)
    indices = torch.randint(0, 4, (3, 5, 6), generator=generator)
    onehot = to_onehot(indices, 4)
    assert onehot.shape == (3, 4, 5, 6)
    for c in range(4):
        assert torch.equal(onehot[:, c].bool(), indices == c)
    assert torch.equal(onehot.argmax(dim=1), indices)
    assert to_onehot(torch.zeros(0, dtype=torch.long), 2).shape == (0, 2)
    assert torch.equal(to_onehot(torch.tensor([1], dtype=torch.int32), 2), torch.tensor([[0, 1]], dtype=torch.uint8))


@pytest.mark.parametrize(
    ("indices", "num_classes", "error", "message"),
    [
        ([0, 1], 2, TypeError, r"Argument indices should be a torch.Tensor, got list"),
        (torch.tensor([0.0, 1.0]), 2, TypeError, r"Argument indices should hold integer class indices, got dtype"),
        (torch.tensor([True]), 2, TypeError, r"Argument indices should hold integer class indices"),
        (
            torch.tensor(1),
            2,
            ValueError,
            r"Argument indices should have at least 1 dimension \(N, ...\), got shape \(\)",
        ),
        (torch.tensor([0, 1]), 0, ValueError, r"Argument num_classes should be a positive int, got 0"),
        (torch.tensor([0, 1]), 2.0, TypeError, r"Argument num_classes should be an int, got float"),
        (torch.tensor([0, 3]), 3, ValueError, r"values in \[0, 2\] \(num_classes=3\), got values in \[0, 3\]"),
        (torch.tensor([-1, 0]), 3, ValueError, r"got values in \[-1, 0\]"),
    ],
)
def test_to_onehot_rejects_bad_input(indices: Any, num_classes: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        to_onehot(indices, num_classes)
