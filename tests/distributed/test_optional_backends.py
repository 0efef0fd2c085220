"""Horovod and XLA models: clear errors when their package is absent, and their logic over in-memory fakes.

The fakes stand for a one-process Horovod / torch_xla world and record every call, so the tests check what the
models ask of those libraries (ops, process sets, in-place results); real Horovod and TPU runs are a separate tier.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from torch import nn

import ignite.distributed as idist
import ignite.distributed.utils as idist_utils
from ignite.distributed.comp_models import _HorovodDistModel, _XlaDistModel
from ignite.distributed.comp_models import horovod as hvd_module
from ignite.distributed.comp_models import xla as xla_module


def _absent(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    for name in names:
        # A None entry makes `import name` raise ImportError, as when the package is not installed.
        monkeypatch.setitem(sys.modules, name, None)


def test_horovod_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    _absent(monkeypatch, "horovod", "horovod.torch")
    hint = r'pip install "ignite-distributed\[horovod\]"'
    with pytest.raises(ImportError, match=rf"The horovod backend needs Horovod with its torch support: {hint}"):
        _HorovodDistModel.create_from_backend("horovod")
    with pytest.raises(ImportError, match=hint):
        _HorovodDistModel.spawn(print, args=(), nproc_per_node=2)
    with pytest.raises(ImportError, match=hint):
        hvd_module.broadcast_model(nn.Linear(1, 1))
    assert _HorovodDistModel.create_from_context() is None


def test_xla_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    _absent(monkeypatch, "torch_xla", "torch_xla.core", "torch_xla.core.xla_model")
    hint = r'pip install "ignite-distributed\[xla\]"'
    with pytest.raises(ImportError, match=rf"The xla-tpu backend needs torch_xla: {hint}"):
        _XlaDistModel.create_from_backend("xla-tpu")
    with pytest.raises(ImportError, match=hint):
        _XlaDistModel.spawn(print, args=(), nproc_per_node=8)
    with pytest.raises(ImportError, match=hint):
        xla_module.wrap_optimizer(torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))
    assert _XlaDistModel.create_from_context() is None


def test_backends_listed_only_when_installed() -> None:
    assert ("horovod" in idist.available_backends()) is idist.has_hvd_support
    assert ("xla-tpu" in idist.available_backends()) is idist.has_xla_support


class _FakeProcessSet:
    def __init__(self, ranks: list[int]) -> None:
        self.ranks = ranks


def _fake_horovod() -> tuple[types.ModuleType, types.ModuleType, list[tuple[Any, ...]]]:
    calls: list[tuple[Any, ...]] = []
    hvd = types.ModuleType("horovod.torch")
    state = {"initialized": False}
    hvd.Sum, hvd.Product, hvd.Min, hvd.Max = "Sum", "Product", "Min", "Max"  # type: ignore[attr-defined]
    hvd.ProcessSet = _FakeProcessSet  # type: ignore[attr-defined]
    hvd.global_process_set = _FakeProcessSet([0])  # type: ignore[attr-defined]

    def init(**kwargs: Any) -> None:
        calls.append(("init", kwargs))
        state["initialized"] = True

    def shutdown() -> None:
        calls.append(("shutdown",))
        state["initialized"] = False

    def allreduce(tensor: torch.Tensor, op: str, process_set: Any) -> torch.Tensor:
        calls.append(("allreduce", op, tensor.dtype, process_set))
        return tensor.clone() * 1

    def allgather(tensor: torch.Tensor, process_set: Any) -> torch.Tensor:
        calls.append(("allgather", tuple(tensor.shape), process_set))
        return tensor.clone()

    def broadcast(tensor: torch.Tensor, root_rank: int) -> torch.Tensor:
        calls.append(("broadcast", root_rank))
        return tensor.clone()

    def distributed_optimizer(optimizer: Any, **kwargs: Any) -> Any:
        calls.append(("DistributedOptimizer", kwargs))
        return optimizer

    functions: dict[str, Any] = {
        "init": init,
        "shutdown": shutdown,
        "is_initialized": lambda: state["initialized"],
        "rank": lambda: 0,
        "local_rank": lambda: 0,
        "size": lambda: 1,
        "local_size": lambda: 1,
        "cross_size": lambda: 1,
        "cross_rank": lambda: 0,
        "allreduce": allreduce,
        "allgather": allgather,
        "allgather_object": lambda obj, process_set: [obj],
        "broadcast": broadcast,
        "barrier": lambda: calls.append(("barrier",)),
        "add_process_set": lambda ranks: _FakeProcessSet(ranks),
        "broadcast_parameters": lambda params, root_rank: calls.append(("broadcast_parameters", root_rank)),
        "broadcast_optimizer_state": lambda opt, root_rank: calls.append(("broadcast_optimizer_state", root_rank)),
        "DistributedOptimizer": distributed_optimizer,
    }
    for name, function in functions.items():
        setattr(hvd, name, function)
    package = types.ModuleType("horovod")
    package.torch = hvd  # type: ignore[attr-defined]
    package.run = lambda worker, **kwargs: calls.append(("run", kwargs["np"], kwargs["use_gloo"]))  # type: ignore[attr-defined]
    return package, hvd, calls


@pytest.fixture
def fake_hvd(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[types.ModuleType, list[tuple[Any, ...]]]]:
    package, hvd, calls = _fake_horovod()
    monkeypatch.setitem(sys.modules, "horovod", package)
    monkeypatch.setitem(sys.modules, "horovod.torch", hvd)
    monkeypatch.setattr(_HorovodDistModel, "available_backends", ("horovod",))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    yield hvd, calls


def test_horovod_model_over_fake(fake_hvd: tuple[types.ModuleType, list[tuple[Any, ...]]]) -> None:
    hvd, calls = fake_hvd
    assert _HorovodDistModel.create_from_context() is None
    idist.initialize("horovod", num_threads=1)
    assert calls.pop(0) == ("init", {"num_threads": 1})
    assert idist.model_name() == "horovod-dist" and idist.backend() == "horovod"
    assert (idist.get_rank(), idist.get_world_size(), idist.get_nnodes()) == (0, 1, 1)
    with pytest.raises(RuntimeError, match=r"Horovod is already initialized"):
        _HorovodDistModel.create_from_backend("horovod")

    t = torch.tensor([2.0])
    assert idist.all_reduce(t, op="PRODUCT") is t
    assert calls.pop() == ("allreduce", "Product", torch.float32, hvd.global_process_set)
    idist.all_reduce(torch.tensor([True]), op="AND")
    assert calls.pop() == ("allreduce", "Min", torch.int32, hvd.global_process_set)
    group = idist.new_group([0])
    assert isinstance(group, _FakeProcessSet)
    idist.all_reduce(1, op="MAX", group=group)
    assert calls.pop() == ("allreduce", "Max", torch.int64, group)
    assert idist.all_gather(torch.arange(3)).tolist() == [0, 1, 2]
    assert calls.pop() == ("allgather", (3,), hvd.global_process_set)
    assert idist.all_gather({"k": 1}) == [{"k": 1}]
    assert idist.broadcast("text", src=0, safe_mode=True) == "text"
    idist.barrier()
    assert calls.pop() == ("barrier",)

    # A context initialized by the user is found through sys.modules.
    assert isinstance(_HorovodDistModel.create_from_context(), _HorovodDistModel)

    model = nn.Linear(2, 1)
    assert idist.auto_model(model) is model
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    calls.clear()
    assert idist.auto_optim(optimizer, backward_passes_per_step=2) is optimizer
    assert calls == [("DistributedOptimizer", {"backward_passes_per_step": 2}), ("broadcast_optimizer_state", 0)]
    idist.finalize()
    assert calls[-1] == ("shutdown",)
    assert idist.model_name() == "serial"


def test_horovod_spawn_over_fake(fake_hvd: tuple[types.ModuleType, list[tuple[Any, ...]]]) -> None:
    _, calls = fake_hvd
    idist.spawn("horovod", print, args=(), nproc_per_node=3)
    assert calls == [("run", 3, True)]
    with pytest.raises(ValueError, match=r"Arguments nnodes/node_rank are not used by Horovod: give hosts"):
        idist.spawn("horovod", print, args=(), nproc_per_node=2, nnodes=2)
    with pytest.raises(ValueError, match=r"Argument master_port is not used by the Horovod backend"):
        idist.spawn("horovod", print, args=(), nproc_per_node=2, master_port=1234)


def test_xla_model_rejects_options_and_other_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"Argument backend should be 'xla-tpu' for the XLA model, got 'gloo'"):
        _XlaDistModel(backend="gloo")
    assert idist_utils.backend() is None
