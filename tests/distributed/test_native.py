"""The native model's own logic, on a real one-process gloo group and with torch.distributed calls recorded."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import torch
import torch.distributed as dist

import ignite.distributed as idist
import ignite.distributed.utils as idist_utils
from ignite.distributed.comp_models import _NativeDistModel, _SerialModel
from ignite.distributed.comp_models import native as native_module

_LAYOUT_VARS = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key in list(os.environ):
        if key in _LAYOUT_VARS or key.startswith(("SLURM_", "OMPI_")):
            monkeypatch.delenv(key)
    port = str(_free_port())
    yield port
    if dist.is_initialized():
        dist.destroy_process_group()


def test_initialize_gloo_in_one_process(clean_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTER_PORT", clean_env)
    idist.initialize("gloo", timeout=timedelta(seconds=30))
    assert idist.model_name() == "native-dist"
    assert idist.backend() == "gloo"
    assert (idist.get_rank(), idist.get_local_rank(), idist.get_world_size()) == (0, 0, 1)
    assert (idist.get_nproc_per_node(), idist.get_nnodes(), idist.get_node_rank()) == (1, 1, 0)
    assert idist.device() == torch.device("cpu")
    assert os.environ["RANK"] == "0" and os.environ["WORLD_SIZE"] == "1"

    t = torch.tensor([1.0, 2.0])
    assert idist.all_reduce(t) is t
    assert idist.all_reduce(3) == 3 and type(idist.all_reduce(3)) is int
    assert idist.all_reduce(torch.tensor([True, False]), op="OR").tolist() == [True, False]
    assert idist.all_reduce(torch.tensor([6]), op="AND").tolist() == [6]
    assert idist.all_gather(torch.arange(3)).tolist() == [0, 1, 2]
    assert idist.all_gather(torch.tensor(5)).tolist() == [5]
    assert idist.all_gather("text") == ["text"]
    assert idist.all_gather({"a": 1}) == [{"a": 1}]
    assert idist.broadcast("cfg", src=0, safe_mode=True) == "cfg"
    assert idist.broadcast(2.5) == 2.5
    group = idist.new_group([0])
    assert isinstance(group, dist.ProcessGroup)
    assert idist.all_reduce(4, group=group) == 4
    idist.barrier()
    with pytest.raises(TypeError, match=r"Argument op='AND' needs a bool or integer tensor, got dtype torch.float32"):
        idist.all_reduce(torch.ones(1), op="AND")

    with pytest.raises(RuntimeError, match=r"already initialized; finalize it first"):
        _NativeDistModel.create_from_backend("gloo")
    idist.finalize()
    assert not dist.is_initialized()
    assert idist.model_name() == "serial"
    # finalize() leaves the environment as initialize() found it.
    assert "RANK" not in os.environ and os.environ["MASTER_PORT"] == clean_env


def test_parallel_under_a_launcher_initializes_and_finalizes(clean_env: str) -> None:
    os.environ["MASTER_PORT"] = clean_env

    def training(local_rank: int, scale: int) -> tuple[int, int, str | None]:
        return local_rank, idist.get_world_size() * scale, idist.backend()

    with idist.Parallel(backend="gloo", timeout=timedelta(seconds=30)) as parallel:
        assert parallel.run(training, 3) == (0, 3, "gloo")
    assert not dist.is_initialized()
    assert idist.backend() is None


def test_sync_detects_a_group_the_user_initialized(clean_env: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{clean_env}", rank=0, world_size=1)
    # Detecting the context and asking for the rank never needs a collective.
    assert idist.backend() == "gloo"
    assert (idist.get_rank(), idist.get_world_size()) == (0, 1)
    # Without LOCAL_RANK the local rank comes from the host names, with a warning.
    with pytest.warns(UserWarning, match=r"LOCAL_RANK is not set and idist.set_local_rank\(\) was not called"):
        assert idist.get_local_rank() == 0
    assert (idist.get_nproc_per_node(), idist.get_nnodes(), idist.get_node_rank()) == (1, 1, 0)
    dist.destroy_process_group()
    idist.sync()
    assert idist.model_name() == "serial"


def test_set_local_rank_is_used_without_local_rank_variable(clean_env: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{clean_env}", rank=0, world_size=1)
    idist.set_local_rank(0)
    model = _NativeDistModel.create_from_context()
    assert model is not None
    assert model.get_local_rank() == 0


def test_create_from_context_without_group() -> None:
    assert not dist.is_initialized()
    assert _NativeDistModel.create_from_context() is None
    with pytest.raises(RuntimeError, match=r"No torch.distributed process group is initialized"):
        _NativeDistModel()


def test_create_from_backend_rejects_unavailable_backends() -> None:
    with pytest.raises(ValueError, match=r"Argument backend should be one of .*'gloo'.* got 'nccl'"):
        if "nccl" in _NativeDistModel.available_backends:
            pytest.skip("nccl is available on this machine")
        _NativeDistModel.create_from_backend("nccl")
    if "mpi" not in _NativeDistModel.available_backends:
        with pytest.raises(ValueError, match=r"got 'mpi' \(this torch build has no MPI support\)"):
            _NativeDistModel.create_from_backend("mpi")
        with pytest.raises(ValueError, match=r"Backend 'mpi' is not available: this torch build has no MPI support"):
            idist.initialize("mpi")


def test_native_backends_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dist, "is_nccl_available", lambda: True)
    monkeypatch.setattr(dist, "is_mpi_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert native_module._native_backends() == ("gloo", "mpi")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert native_module._native_backends() == ("gloo", "nccl", "mpi")


def test_timeout_must_be_a_timedelta(clean_env: str) -> None:
    with pytest.raises(TypeError, match=r"Argument timeout should be a datetime.timedelta, got int"):
        _NativeDistModel.create_from_backend("gloo", timeout=10)


class _Stop(Exception):
    pass


def test_nccl_selects_the_local_device_before_init(clean_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(_NativeDistModel, "available_backends", ("gloo", "nccl"))
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: calls.append(("set_device", index)))

    def fake_init(backend: str, **kwargs: Any) -> None:
        calls.append(("init", backend, kwargs))
        raise _Stop

    monkeypatch.setattr(dist, "init_process_group", fake_init)
    for key, value in {"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4", "MASTER_PORT": clean_env}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(_Stop):
        _NativeDistModel.create_from_backend("nccl", timeout=timedelta(seconds=5), init_method="tcp://10.0.0.1:2345")
    assert calls == [
        ("set_device", 1),
        (
            "init",
            "nccl",
            {"init_method": "tcp://10.0.0.1:2345", "timeout": timedelta(seconds=5), "world_size": 4, "rank": 3},
        ),
    ]


def test_nccl_needs_a_local_rank(clean_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_NativeDistModel, "available_backends", ("gloo", "nccl"))
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: pytest.fail("set_device must not be reached"))
    with pytest.raises(ValueError, match=r"Backend 'nccl' needs the local rank .* set LOCAL_RANK or call"):
        _NativeDistModel.create_from_backend("nccl", rank=1, world_size=2)
    assert "RANK" not in os.environ


def test_nccl_device_warns_when_current_device_is_behind_local_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _NativeDistModel.__new__(_NativeDistModel)
    model._backend, model._local_rank = "nccl", 1
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    with pytest.warns(UserWarning, match=r"Current CUDA device index 0 is lower than the local rank 1"):
        assert model.device() == torch.device("cuda:0")
    model._local_rank = 0
    assert model.device() == torch.device("cuda:0")


def test_failed_init_restores_the_environment(clean_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_init(backend: str, **kwargs: Any) -> None:
        raise _Stop

    monkeypatch.setattr(dist, "init_process_group", failing_init)
    with pytest.raises(_Stop):
        _NativeDistModel.create_from_backend("gloo")
    assert "RANK" not in os.environ and "WORLD_SIZE" not in os.environ


def test_spawn_argument_checks() -> None:
    def job(local_rank: int) -> None:
        pass

    with pytest.raises(ValueError, match=r"Argument nproc_per_node should be an int >= 1, got 0"):
        idist.spawn("gloo", job, args=(), nproc_per_node=0)
    with pytest.raises(ValueError, match=r"Argument node_rank should be given when nnodes > 1, got nnodes=2"):
        idist.spawn("gloo", job, args=(), nproc_per_node=1, nnodes=2)
    with pytest.raises(ValueError, match=r"Argument node_rank should be an int in \[0, 1\] \(nnodes=2\), got 2"):
        idist.spawn("gloo", job, args=(), nproc_per_node=1, nnodes=2, node_rank=2, master_addr="a", master_port=1)
    with pytest.raises(ValueError, match=r"Arguments master_addr and master_port \(or init_method\) should be given"):
        idist.spawn("gloo", job, args=(), nproc_per_node=1, nnodes=2, node_rank=0)
    with pytest.raises(TypeError, match=r"Argument args should be a tuple, got list"):
        idist.spawn("gloo", job, args=[], nproc_per_node=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Argument fn should be callable, got int"):
        idist.spawn("gloo", 3, args=(), nproc_per_node=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Argument backend should be one of .* got 'foo'"):
        idist.spawn("foo", job, args=())
    with pytest.raises(ImportError, match=r'pip install "ignite-distributed\[horovod\]"'):
        idist.spawn("horovod", job, args=(), nproc_per_node=2)
    assert isinstance(idist_utils._model, _SerialModel)
