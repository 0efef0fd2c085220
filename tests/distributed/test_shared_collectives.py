"""The collective logic shared by all computation models, run on an in-memory world of threads.

Each rank is a thread holding its own model; the raw ``_do_*`` primitives exchange tensors through shared slots, as
a real backend would over the network. Everything above the primitives (numbers, strings, objects, safe mode,
validation) is the production code of ComputationModel.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import torch

import ignite.distributed as idist
import ignite.distributed.utils as idist_utils
from ignite.distributed.comp_models import _SerialModel
from ignite.distributed.comp_models.base import ComputationModel


@dataclass(frozen=True)
class _FakeGroup:
    ranks: tuple[int, ...]


class _Exchange:
    def __init__(self, world_size: int) -> None:
        self.slots: list[Any] = [None] * world_size
        self.barrier = threading.Barrier(world_size, timeout=20)

    def swap(self, rank: int, value: Any) -> list[Any]:
        self.slots[rank] = value
        self.barrier.wait()
        values = list(self.slots)
        self.barrier.wait()
        return values


_REDUCERS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "SUM": lambda s: s.sum(0),
    "PRODUCT": lambda s: s.prod(0),
    "MIN": lambda s: s.amin(0),
    "MAX": lambda s: s.amax(0),
    "AND": lambda s: s.bool().all(0),
    "OR": lambda s: s.bool().any(0),
}


class _ThreadModel(ComputationModel):
    name: ClassVar[str] = "threads"
    available_backends: ClassVar[tuple[str, ...]] = ("threads",)
    context: ClassVar[_ThreadModel | None] = None

    def __init__(self, rank: int = 0, exchange: _Exchange | None = None, world_size: int = 1) -> None:
        self.rank = rank
        self.world_size = world_size
        self.exchange = exchange if exchange is not None else _Exchange(world_size)
        self.finalized = False

    def get_local_rank(self) -> int:
        return self.rank

    def get_rank(self) -> int:
        return self.rank

    def get_world_size(self) -> int:
        return self.world_size

    def get_nproc_per_node(self) -> int:
        return self.world_size

    def get_nnodes(self) -> int:
        return 1

    def get_node_rank(self) -> int:
        return 0

    def device(self) -> torch.device:
        return torch.device("cpu")

    def backend(self) -> str | None:
        return "threads"

    def finalize(self) -> None:
        self.finalized = True

    def barrier(self) -> None:
        self.exchange.swap(self.rank, None)

    @staticmethod
    def create_from_context() -> _ThreadModel | None:
        return _ThreadModel.context

    @staticmethod
    def create_from_backend(backend: str | None = None, **kwargs: Any) -> _ThreadModel:
        return _ThreadModel(**kwargs)

    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any | None) -> torch.Tensor:
        stacked = torch.stack(self.exchange.swap(self.rank, tensor.clone()))
        tensor.copy_(_REDUCERS[op](stacked).to(tensor.dtype))
        return tensor

    def _do_all_gather(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor:
        assert tensor.ndim >= 1
        return torch.cat(self.exchange.swap(self.rank, tensor.clone()), dim=0)

    def _do_all_gather_object(self, obj: Any, group: Any | None) -> list[Any]:
        return [pickle.loads(p) for p in self.exchange.swap(self.rank, pickle.dumps(obj))]

    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor:
        sent = self.exchange.swap(self.rank, tensor.clone())[src]
        # Real backends need matching buffers on every rank: make a mismatch loud here too.
        assert sent.shape == tensor.shape and sent.dtype == tensor.dtype, (sent.shape, tensor.shape)
        tensor.copy_(sent)
        return tensor

    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        return _FakeGroup(tuple(ranks))

    def _is_group(self, group: Any) -> bool:
        return isinstance(group, _FakeGroup)


def _run_world(world_size: int, fn: Callable[[_ThreadModel], Any]) -> list[Any]:
    exchange = _Exchange(world_size)
    results: list[Any] = [None] * world_size
    errors: list[BaseException] = []

    def target(rank: int) -> None:
        try:
            results[rank] = fn(_ThreadModel(rank, exchange, world_size))
        except BaseException as error:
            errors.append(error)
            exchange.barrier.abort()

    threads = [threading.Thread(target=target, args=(rank,)) for rank in range(world_size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_all_reduce_numbers_keep_python_types() -> None:
    assert _run_world(2, lambda m: m.all_reduce(m.rank + 1)) == [3, 3]
    assert all(type(r) is int for r in _run_world(2, lambda m: m.all_reduce(m.rank + 1)))
    # Floats travel in float64: the sum is the one Python computes.
    assert _run_world(2, lambda m: m.all_reduce([0.1, 0.2][m.rank])) == [0.1 + 0.2, 0.1 + 0.2]


@pytest.mark.parametrize(
    ("op", "expected"),
    [("SUM", 9), ("PRODUCT", 24), ("MIN", 2), ("MAX", 4), ("AND", True), ("OR", True)],
)
def test_all_reduce_ops_on_numbers(op: str, expected: int) -> None:
    values = [2, 3, 4]
    results = _run_world(3, lambda m: m.all_reduce(values[m.rank], op=op))
    assert results == [expected] * 3


def test_all_reduce_and_or_on_bools() -> None:
    flags = [True, False]
    assert _run_world(2, lambda m: m.all_reduce(flags[m.rank], op="AND")) == [False, False]
    assert _run_world(2, lambda m: m.all_reduce(flags[m.rank], op="OR")) == [True, True]


def test_all_reduce_tensor_in_place() -> None:
    def body(model: _ThreadModel) -> tuple[bool, torch.Tensor]:
        tensor = torch.full((2,), float(model.rank + 1))
        return model.all_reduce(tensor, op="SUM") is tensor, tensor

    for same, tensor in _run_world(2, body):
        assert same
        assert torch.equal(tensor, torch.tensor([3.0, 3.0]))


def test_all_gather_tensors_numbers_strings_objects() -> None:
    def body(model: _ThreadModel) -> dict[str, Any]:
        r = model.rank
        return {
            "scalar": model.all_gather(torch.tensor(float(r))),
            "rows": model.all_gather(torch.full((1, 2), r)),
            "int": model.all_gather(r * 10),
            "float": model.all_gather(r + 0.5),
            "str": model.all_gather(["", "héllo wörld", "z"][r]),
            "obj": model.all_gather({"rank": r, "items": list(range(r))}),
        }

    for result in _run_world(3, body):
        assert torch.equal(result["scalar"], torch.tensor([0.0, 1.0, 2.0]))
        assert torch.equal(result["rows"], torch.tensor([[0, 0], [1, 1], [2, 2]]))
        assert result["int"] == [0, 10, 20]
        assert result["float"] == [0.5, 1.5, 2.5]
        assert result["str"] == ["", "héllo wörld", "z"]
        assert result["obj"] == [{"rank": 0, "items": []}, {"rank": 1, "items": [0]}, {"rank": 2, "items": [0, 1]}]


def test_broadcast_without_safe_mode() -> None:
    def body(model: _ThreadModel) -> tuple[Any, ...]:
        r = model.rank
        tensor = model.broadcast(torch.full((2, 2), r), src=1)
        number = model.broadcast([1.25, 7.5][r], src=1)
        # Strings may differ in length between ranks: the source's length wins.
        text = model.broadcast(["a much longer local string", "sent"][r], src=1)
        return tensor, number, text

    for tensor, number, text in _run_world(2, body):
        assert torch.equal(tensor, torch.full((2, 2), 1))
        assert number == 7.5
        assert text == "sent"


@pytest.mark.parametrize(
    "value",
    [
        torch.arange(6, dtype=torch.int32).reshape(2, 3),
        torch.tensor(2.5, dtype=torch.float64),
        torch.tensor([True]),
        3,
        0.75,
        "ünïcode",
        "",
    ],
)
def test_broadcast_safe_mode_with_none_on_other_ranks(value: Any) -> None:
    results = _run_world(3, lambda m: m.broadcast(value if m.rank == 2 else None, src=2, safe_mode=True))
    for result in results:
        if isinstance(value, torch.Tensor):
            assert isinstance(result, torch.Tensor)
            assert result.dtype == value.dtype and torch.equal(result, value)
        else:
            assert result == value and type(result) is type(value)


def test_broadcast_none_without_safe_mode_fails_on_non_source() -> None:
    with pytest.raises(ValueError, match=r"Argument safe_mode should be True when tensor is None on a non-source rank"):
        _run_world(2, lambda m: m.broadcast(torch.ones(1) if m.rank == 0 else None, src=0))


def test_broadcast_src_must_be_a_rank_of_the_world() -> None:
    with pytest.raises(ValueError, match=r"Argument src should be a rank in \[0, 1\] \(world size 2\), got 2"):
        _run_world(2, lambda m: m.broadcast(1, src=2))


def test_new_group_checks_ranks_against_world_size() -> None:
    model = _ThreadModel()
    assert model.new_group([0]) == _FakeGroup((0,))
    with pytest.raises(ValueError, match=r"Argument ranks should hold ranks in \[0, 0\], got \[0, 1\]"):
        model.new_group([0, 1])


def test_public_functions_use_the_current_model() -> None:
    model = _ThreadModel()
    idist_utils._set_model(model)
    assert idist.model_name() == "threads"
    assert idist.backend() == "threads"
    assert idist.get_world_size() == 1
    # Through the shared layer a 0-d tensor gains a dimension, unlike in serial.
    assert torch.equal(idist.all_gather(torch.tensor(1.0)), torch.tensor([1.0]))
    assert idist.all_gather("s", group=[0]) == ["s"]
    assert idist.all_reduce(2.5, group=idist.new_group([0])) == 2.5
    with pytest.raises(ValueError, match=r"Argument group should be None.*'threads' model, got \[0\]"):
        model.all_reduce(1.0, group=[0])
    idist.finalize()
    assert model.finalized
    assert isinstance(idist_utils._model, _SerialModel)


def test_initialize_and_sync_with_a_registered_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idist_utils, "registered_computation_models", [_SerialModel, _ThreadModel])
    assert idist.available_backends() == ("threads",)

    idist.initialize("threads", world_size=1)
    assert idist.model_name() == "threads"
    assert not idist_utils._need_to_sync
    idist.finalize()
    assert idist.model_name() == "serial"

    # A context initialized outside of idist is picked up by the next call while the model is serial.
    monkeypatch.setattr(_ThreadModel, "context", _ThreadModel(world_size=1))
    assert idist.backend() == "threads"
    assert idist_utils._need_to_sync
    # As in Ignite, the detected model stays current until an explicit sync() or finalize().
    monkeypatch.setattr(_ThreadModel, "context", None)
    assert idist.backend() == "threads"
    idist.sync()
    assert idist.backend() is None
    assert isinstance(idist_utils._model, _SerialModel)


def test_all_gather_tensors_with_shapes() -> None:
    shapes = [[1, 2], [3, 1], [2, 2]]

    def gather(m: _ThreadModel) -> list[list[list[float]]]:
        tensor = torch.full(shapes[m.rank], float(m.rank))
        return [t.tolist() for t in m.all_gather_tensors_with_shapes(tensor, shapes)]

    expected = [[[0.0, 0.0]], [[1.0], [1.0], [1.0]], [[2.0, 2.0], [2.0, 2.0]]]
    assert _run_world(3, gather) == [expected] * 3


def test_all_gather_tensors_with_shapes_checks_arguments() -> None:
    model = _ThreadModel()
    with pytest.raises(TypeError, match=r"Argument tensor should be a torch.Tensor, got list"):
        model.all_gather_tensors_with_shapes([1], [[1]])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Argument shapes should hold one shape of 1 dimensions per rank \(1 ranks\)"):
        model.all_gather_tensors_with_shapes(torch.ones(2), [[2], [2]])
    with pytest.raises(ValueError, match=r"gives rank 0 the shape \[3\], but its tensor has shape \[2\]"):
        model.all_gather_tensors_with_shapes(torch.ones(2), [[3]])
    assert idist.all_gather_tensors_with_shapes(torch.arange(3), [[3]])[0].tolist() == [0, 1, 2]
    assert idist.all_gather_tensors_with_shapes(torch.arange(3), [[3]], group=[0])[0].tolist() == [0, 1, 2]
