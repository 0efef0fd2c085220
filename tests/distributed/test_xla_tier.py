"""The XLA context on real torch_xla (``tools/xla_tier``: torch 2.9.0 + torch_xla 2.9.0, ``PJRT_DEVICE=CPU``).

On the CPU PJRT device torch_xla runs one process: the world-size-1 path is exercised for real (``Parallel`` spawning
one process, ``torch_xla.launch``, ``xmp.spawn(nprocs=1)``, every collective on the xla device, ``auto_model`` and
``auto_optim``); the multi-process collectives need several XLA devices and are skipped with that reason.
The tests carry the ``xla`` marker: the default test step deselects them, and inside the tier
(``IGNITE_TEST_TIER=xla``) a missing torch_xla fails them instead of skipping.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import ignite.distributed as idist
from ignite.distributed.comp_models import _XlaDistModel

pytestmark = pytest.mark.xla

_SCRIPT = Path(__file__).parent / "scripts" / "xla_job.py"
_TIMEOUT_S = 300


def _import_or_fail(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        message = f"{name} is not importable ({error}); tools/xla_tier builds the environment that has it"
        if os.environ.get("IGNITE_TEST_TIER") == "xla":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def xr() -> ModuleType:
    """torch_xla's runtime module, on the CPU PJRT device unless the tier was given another one."""
    os.environ.setdefault("PJRT_DEVICE", "CPU")
    _import_or_fail("torch_xla.core.xla_model")
    return _import_or_fail("torch_xla.runtime")


@pytest.fixture
def xla_context(xr: ModuleType) -> Iterator[None]:
    with idist.Parallel(backend="xla-tpu"):
        yield
    assert idist.model_name() == "serial"


def _layout() -> dict[str, Any]:
    return {
        "rank": idist.get_rank(),
        "local_rank": idist.get_local_rank(),
        "world_size": idist.get_world_size(),
        "nproc_per_node": idist.get_nproc_per_node(),
        "nnodes": idist.get_nnodes(),
        "node_rank": idist.get_node_rank(),
        "backend": idist.backend(),
        "model": idist.model_name(),
        "device_type": idist.device().type,
    }


_ONE_XLA_PROCESS = {
    "rank": 0,
    "local_rank": 0,
    "world_size": 1,
    "nproc_per_node": 1,
    "nnodes": 1,
    "node_rank": 0,
    "backend": "xla-tpu",
    "model": "xla-dist",
    "device_type": "xla",
}


def test_backend_is_available(xr: ModuleType) -> None:
    assert idist.has_xla_support
    assert "xla-tpu" in idist.available_backends()
    # One process is no distributed context: idist keeps the serial model until asked for xla-tpu.
    assert _XlaDistModel.create_from_context() is None


def test_parallel_spawns_one_process(xr: ModuleType) -> None:
    seen: list[tuple[int, dict[str, Any], str]] = []

    def training(local_rank: int, tag: str) -> None:
        seen.append((local_rank, _layout(), tag))

    # xmp.spawn(nprocs=1) runs the function in this very process, so the closure's list is filled here.
    with idist.Parallel(backend="xla-tpu", nproc_per_node=1) as parallel:
        parallel.run(training, "config")
    assert seen == [(0, _ONE_XLA_PROCESS, "config")]
    assert idist.model_name() == "serial"


def test_launched_context_layout(xla_context: None) -> None:
    assert _layout() == _ONE_XLA_PROCESS
    assert str(idist.device()).startswith("xla")


def test_all_reduce_on_xla(xla_context: None) -> None:
    device = idist.device()
    for op, expected in [("SUM", [1.5, -2.0]), ("PRODUCT", [1.5, -2.0]), ("MIN", [1.5, -2.0]), ("MAX", [1.5, -2.0])]:
        tensor = torch.tensor([1.5, -2.0], device=device)
        reduced = idist.all_reduce(tensor, op=op)
        assert reduced.device.type == "xla"
        assert reduced.cpu().tolist() == expected, op
    for op in ("AND", "OR"):
        flags = idist.all_reduce(torch.tensor([True, False], device=device), op=op)
        assert flags.cpu().tolist() == [True, False], op
    assert idist.all_reduce(3) == 3
    assert idist.all_reduce(2.5, op="PRODUCT") == 2.5
    assert idist.all_reduce(torch.tensor([4.0], device=device), group=[0]).cpu().tolist() == [4.0]


def test_all_gather_and_broadcast_on_xla(xla_context: None) -> None:
    device = idist.device()
    gathered = idist.all_gather(torch.arange(6, device=device).reshape(3, 2))
    assert gathered.device.type == "xla"
    assert gathered.cpu().tolist() == [[0, 1], [2, 3], [4, 5]]
    assert idist.all_gather(torch.tensor(7, device=device)).cpu().tolist() == [7]
    assert idist.all_gather(1.5) == [1.5]
    assert idist.all_gather("ignite é") == ["ignite é"]
    assert idist.all_gather({"k": [1, 2]}) == [{"k": [1, 2]}]
    assert idist.all_gather(5, group=idist.new_group([0])) == [5]
    shapes = idist.all_gather_tensors_with_shapes(torch.ones(2, 3, device=device), [[2, 3]])
    assert [t.cpu().tolist() for t in shapes] == [[[1.0] * 3] * 2]

    assert idist.broadcast(torch.tensor([1.0, 2.0], device=device), src=0).cpu().tolist() == [1.0, 2.0]
    assert idist.broadcast(torch.tensor([True, False], device=device), src=0).cpu().tolist() == [True, False]
    assert idist.broadcast(4, src=0) == 4
    assert idist.broadcast("text", src=0, safe_mode=True) == "text"
    assert idist.broadcast(torch.arange(3, device=device), src=0, safe_mode=True).cpu().tolist() == [0, 1, 2]
    idist.barrier()


def test_auto_model_and_auto_optim_on_xla(xla_context: None) -> None:
    torch.manual_seed(0)
    reference = nn.Linear(3, 1)
    model = nn.Linear(3, 1)
    model.load_state_dict(reference.state_dict())
    x, y = torch.randn(8, 3), torch.randn(8, 1)

    wrapped = idist.auto_model(model)
    assert wrapped is model
    assert all(p.device.type == "xla" for p in wrapped.parameters())
    optimizer = idist.auto_optim(torch.optim.SGD(wrapped.parameters(), lr=0.1))
    assert type(optimizer).__name__ == "_XlaOptimizer"
    assert isinstance(optimizer, torch.optim.Optimizer)
    assert optimizer.param_groups[0]["lr"] == 0.1

    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    for _ in range(2):
        optimizer.zero_grad()
        nn.functional.mse_loss(wrapped(x.to(idist.device())), y.to(idist.device())).backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        reference_optimizer.zero_grad()
        nn.functional.mse_loss(reference(x), y).backward()  # type: ignore[no-untyped-call]
        reference_optimizer.step()
    # Two steps of xm.optimizer_step on one device are two plain SGD steps.
    assert torch.allclose(wrapped.weight.detach().cpu(), reference.weight.detach(), atol=1e-5)
    assert not torch.equal(wrapped.weight.detach().cpu(), model.weight.new_zeros(1, 3).cpu())


def test_auto_dataloader_on_xla(xla_context: None) -> None:
    with pytest.warns(UserWarning, match=r"pin_memory=True is not supported with XLA"):
        loader = idist.auto_dataloader(TensorDataset(torch.arange(6)), batch_size=4, pin_memory=True)
    assert loader.pin_memory is False
    assert [batch.tolist() for (batch,) in loader] == [[0, 1, 2, 3], [4, 5]]


def _run_job(mode: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PJRT_DEVICE=os.environ.get("PJRT_DEVICE", "CPU"))
    result = subprocess.run(
        [sys.executable, str(_SCRIPT), mode, str(outdir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, f"xla_job.py {mode} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    assert f"xla_job {mode}: done after serial" in result.stdout
    return result


@pytest.mark.parametrize("mode", ["launch", "xmp"])
def test_torch_xla_launchers(xr: ModuleType, tmp_path: Path, mode: str) -> None:
    _run_job(mode, tmp_path)
    result = json.loads((tmp_path / "rank-0.json").read_text())
    launcher_pid = json.loads((tmp_path / "launcher.json").read_text())["pid"]
    pid = result.pop("pid")
    # torch_xla.launch starts a worker process even for one device; xmp.spawn(nprocs=1) runs in the caller.
    assert (pid != launcher_pid) if mode == "launch" else (pid == launcher_pid)
    assert result == {
        "run_local_rank": 0,
        "rank": 0,
        "world_size": 1,
        "nproc_per_node": 1,
        "backend": "xla-tpu",
        "model": "xla-dist",
        "device_type": "xla",
        "sum": [1.0, 1.0],
        "gather": [0],
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["launcher.json", "rank-0.json"]


def test_nproc_per_node_above_device_count_is_refused(xr: ModuleType, tmp_path: Path) -> None:
    if xr.device_type() != "CPU":
        pytest.skip("the CPU PJRT device starts one process; other devices may start two")
    _run_job("too_many", tmp_path)
    report = json.loads((tmp_path / "parent.json").read_text())
    assert report == {
        "type": "ValueError",
        "message": "Argument nproc_per_node should be 1 or the number of local XLA devices torch_xla uses "
        "(1 on this host), got 2",
    }
    assert not list(tmp_path.glob("rank-*.json"))


def test_multi_process_collectives(xr: ModuleType, tmp_path: Path) -> None:
    if xr.device_type() == "CPU":
        pytest.skip(
            "multi-process XLA collectives need several XLA devices: the CPU PJRT device runs one process only "
            "(torch_xla starts one process per TPU/GPU device, one in all on CPU)"
        )
    # On devices with several processes per host, every process of torch_xla.launch joins one group.
    outdir = tmp_path
    _run_job("launch", outdir)
    results = [json.loads(path.read_text()) for path in sorted(outdir.glob("rank-*.json"))]
    world_size = len(results)
    assert world_size > 1
    for rank, result in enumerate(sorted(results, key=lambda r: r["rank"])):
        assert (result["rank"], result["world_size"]) == (rank, world_size)
        assert result["sum"] == [float(world_size * (world_size + 1) // 2)] * 2
        assert result["gather"] == list(range(world_size))
