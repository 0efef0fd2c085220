"""Behaviour of every ignite.distributed function in the serial computation model (no process group)."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
import torch

import ignite.distributed as idist
import ignite.distributed.utils as idist_utils
from ignite.distributed.comp_models import _SerialModel
from ignite.distributed.comp_models.base import ComputationModel


def test_queries() -> None:
    assert idist.model_name() == "serial"
    assert idist.backend() is None
    assert idist.get_rank() == 0
    assert idist.get_local_rank() == 0
    assert idist.get_world_size() == 1
    assert idist.get_nproc_per_node() == 1
    assert idist.get_nnodes() == 1
    assert idist.get_node_rank() == 0
    assert idist.hostname() == socket.gethostname()
    assert "gloo" in idist.available_backends()
    assert [m.name for m in idist.registered_computation_models] == [
        "serial",
        "native-dist",
        "xla-dist",
        "horovod-dist",
    ]
    assert isinstance(idist_utils._get_model(), _SerialModel)


def test_device() -> None:
    expected = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    assert idist.device() == expected


def test_support_flags_are_booleans() -> None:
    assert isinstance(idist.has_native_dist_support, bool)
    assert isinstance(idist.has_hvd_support, bool)
    assert isinstance(idist.has_xla_support, bool)
    assert idist.has_native_dist_support == torch.distributed.is_available()


@pytest.mark.parametrize("op", ["SUM", "PRODUCT", "MIN", "MAX", "AND", "OR"])
def test_all_reduce_returns_input(op: str) -> None:
    tensor = torch.tensor([1.0, -2.0])
    assert idist.all_reduce(tensor, op=op) is tensor
    assert torch.equal(tensor, torch.tensor([1.0, -2.0]))
    assert idist.all_reduce(7, op=op) == 7
    assert idist.all_reduce(0.25, op=op) == 0.25


def test_all_reduce_accepts_groups() -> None:
    tensor = torch.ones(3)
    assert idist.all_reduce(tensor, group=[0]) is tensor
    assert idist.all_reduce(tensor, group=idist.new_group([0])) is tensor


@pytest.mark.parametrize("op", ["sum", "MEAN", "", None, 1])
def test_all_reduce_rejects_unknown_op(op: Any) -> None:
    with pytest.raises(ValueError, match=r"Argument op should be one of .*SUM.*got"):
        idist.all_reduce(torch.ones(1), op=op)


@pytest.mark.parametrize("value", ["text", [1.0], None, {"a": 1}])
def test_all_reduce_rejects_bad_input(value: Any) -> None:
    with pytest.raises(TypeError, match=r"Argument tensor should be a torch.Tensor, an int or a float, got"):
        idist.all_reduce(value)


@pytest.mark.parametrize("group", ["all", 0, [0.5], object()])
def test_collectives_reject_bad_group(group: Any) -> None:
    with pytest.raises(ValueError, match=r"Argument group should be None, a list of int ranks"):
        idist.all_reduce(torch.ones(1), group=group)
    with pytest.raises(ValueError, match=r"Argument group should be None, a list of int ranks"):
        idist.all_gather(torch.ones(1), group=group)


def test_all_gather() -> None:
    tensor = torch.arange(4)
    assert idist.all_gather(tensor) is tensor
    scalar = torch.tensor(2.0)
    assert idist.all_gather(scalar) is scalar
    assert idist.all_gather(3) == [3]
    assert idist.all_gather(1.5) == [1.5]
    assert idist.all_gather("abc") == ["abc"]
    obj = {"key": [1, 2]}
    gathered = idist.all_gather(obj)
    assert gathered == [obj]
    assert idist.all_gather("x", group=[0]) == ["x"]


def test_broadcast() -> None:
    tensor = torch.tensor([1, 2])
    assert idist.broadcast(tensor) is tensor
    assert idist.broadcast(tensor, src=0, safe_mode=True) is tensor
    assert idist.broadcast(4.5) == 4.5
    assert idist.broadcast(3) == 3
    assert idist.broadcast("hello", safe_mode=True) == "hello"


@pytest.mark.parametrize("safe_mode", [False, True])
def test_broadcast_rejects_none_on_source(safe_mode: bool) -> None:
    with pytest.raises(ValueError, match=r"Argument tensor should not be None on the source rank"):
        idist.broadcast(None, src=0, safe_mode=safe_mode)


@pytest.mark.parametrize("src", [1, -1, 0.0, True, "0"])
def test_broadcast_rejects_bad_src(src: Any) -> None:
    with pytest.raises(ValueError, match=r"Argument src should be a rank in \[0, 0\] \(world size 1\), got"):
        idist.broadcast(torch.ones(1), src=src)


def test_broadcast_rejects_bad_types() -> None:
    with pytest.raises(TypeError, match=r"Argument tensor should be a torch.Tensor, an int, a float, a str or None"):
        idist.broadcast([1, 2])  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"Argument safe_mode should be a bool, got int"):
        idist.broadcast(1, safe_mode=1)  # type: ignore[call-overload]


def test_new_group() -> None:
    assert idist.new_group([0]) == [0]
    # As in Ignite, serial accepts ranks of a larger world so that N-process code runs unchanged.
    assert idist.new_group([0, 1]) == [0, 1]
    for bad in ([0.0], "0", (0,), [True], None):
        with pytest.raises(ValueError, match=r"Argument ranks should be a list of int, got"):
            idist.new_group(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Argument ranks should hold non-negative ranks, got \[-1\]"):
        idist.new_group([-1])


def test_barrier_and_finalize_keep_serial() -> None:
    idist.barrier()
    idist.finalize()
    assert idist.model_name() == "serial"


def test_initialize_none_sets_serial() -> None:
    idist.initialize(None)
    assert isinstance(idist_utils._model, _SerialModel)
    assert idist.backend() is None


def test_initialize_rejects_unknown_backend() -> None:
    with pytest.raises(ValueError, match=r"Argument backend should be one of \(.*'gloo'.*\) or None, got 'foo'"):
        idist.initialize("foo")
    with pytest.raises(TypeError, match=r"Argument backend should be a str or None, got int"):
        idist.initialize(1)  # type: ignore[arg-type]


def test_set_local_rank() -> None:
    idist.set_local_rank(3)
    assert ComputationModel._ext_local_rank == 3
    # The serial model has exactly one process: its local rank stays 0.
    assert idist.get_local_rank() == 0
    for bad in (-1, 1.0, True, "1"):
        with pytest.raises(ValueError, match=r"Argument index should be a non-negative int"):
            idist.set_local_rank(bad)  # type: ignore[arg-type]


def test_one_rank_only() -> None:
    calls: list[int] = []

    @idist.one_rank_only()
    def on_zero(value: int) -> int:
        calls.append(value)
        return value * 2

    @idist.one_rank_only(rank=1, with_barrier=True)
    def on_one(value: int) -> int:
        calls.append(value)
        return value

    assert on_zero(4) == 8
    assert on_one(5) is None
    assert calls == [4]
    assert on_zero.__name__ == "on_zero"
    with pytest.raises(ValueError, match=r"Argument rank should be a non-negative int, got -1"):
        idist.one_rank_only(rank=-1)
    with pytest.raises(TypeError, match=r"Argument with_barrier should be a bool, got str"):
        idist.one_rank_only(with_barrier="yes")  # type: ignore[arg-type]


def test_show_config_logs_at_info() -> None:
    records: list[logging.LogRecord] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("ignite.distributed.utils")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    handler = _Collect()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        idist.show_config()
    finally:
        logger.handlers[:] = saved[0]
        logger.setLevel(saved[1])
        logger.propagate = saved[2]
    messages = [r.getMessage() for r in records]
    assert all(r.levelno == logging.INFO for r in records)
    assert "distributed configuration: serial" in messages
    assert "backend: None" in messages
    assert f"device: {idist.device().type}" in messages
    assert f"hostname: {socket.gethostname()}" in messages
    assert "world size: 1" in messages
    assert "rank: 0" in messages
    assert "num nodes: 1" in messages


def test_set_model_rejects_non_models() -> None:
    with pytest.raises(TypeError, match=r"Argument model should be a ComputationModel, got str"):
        idist_utils._set_model("serial")  # type: ignore[arg-type]


def test_serial_model_direct_use() -> None:
    model = _SerialModel.create_from_backend()
    assert isinstance(_SerialModel.create_from_context(), _SerialModel)
    with pytest.raises(ValueError, match=r"The serial computation model takes no backend, got 'gloo'"):
        _SerialModel.create_from_backend("gloo")
    with pytest.raises(NotImplementedError, match=r"cannot spawn"):
        _SerialModel.spawn(lambda: None)
    assert model.name == "serial"
    assert model.available_backends == ()
