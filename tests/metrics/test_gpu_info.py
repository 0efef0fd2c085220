"""ignite.metrics.GpuInfo on a fake NVML.

This machine has no GPU and no pynvml, so the NVML boundary is replaced by a small in-memory ``pynvml`` module
(and ``torch.cuda.is_available`` by True); everything above that boundary is the real code.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
import torch

from ignite.metrics.gpu_info import GpuInfo

_MIB = 2**20


class _FakeNvml(types.ModuleType):
    """The part of the NVML bindings GpuInfo uses: init, device count, handles, memory and utilization."""

    class NVMLError(Exception):
        pass

    def __init__(self, devices: list[dict[str, Any]]) -> None:
        super().__init__("pynvml")
        self.devices = devices
        self.initialized = False

    def nvmlInit(self) -> None:
        self.initialized = True

    def nvmlDeviceGetCount(self) -> int:
        assert self.initialized, "NVML used before nvmlInit"
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> dict[str, Any]:
        return self.devices[index]

    def nvmlDeviceGetMemoryInfo(self, handle: dict[str, Any]) -> Any:
        if handle.get("memory") is None:
            raise self.NVMLError("Not Supported")
        used, total = handle["memory"]
        return types.SimpleNamespace(used=used, total=total, free=total - used)

    def nvmlDeviceGetUtilizationRates(self, handle: dict[str, Any]) -> Any:
        if handle.get("util") is None:
            raise self.NVMLError("Not Supported")
        return types.SimpleNamespace(gpu=handle["util"], memory=0)


def _install(monkeypatch: pytest.MonkeyPatch, devices: list[dict[str, Any]]) -> _FakeNvml:
    fake = _FakeNvml(devices)
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    return fake


def _engine_like() -> Any:
    return types.SimpleNamespace(state=types.SimpleNamespace(metrics={}))


TWO_GPUS = [
    {"memory": (3 * 1024 * _MIB, 16 * 1024 * _MIB), "util": 87},
    {"memory": (1023 * _MIB, 1024 * _MIB), "util": 0},
]


def test_without_pynvml_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)
    with pytest.raises(ModuleNotFoundError, match="pip install pynvml"):
        GpuInfo()


def test_without_a_gpu_raises_runtime_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", _FakeNvml(TWO_GPUS))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="needs an available CUDA GPU"):
        GpuInfo()


def test_compute_reports_every_device(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _install(monkeypatch, TWO_GPUS)
    info = GpuInfo()
    assert fake.initialized
    assert info.compute() == [
        {
            "fb_memory_usage": {"used": 3072.0, "total": 16384.0, "unit": "MiB"},
            "utilization": {"gpu_util": 87, "unit": "%"},
        },
        {
            "fb_memory_usage": {"used": 1023.0, "total": 1024.0, "unit": "MiB"},
            "utilization": {"gpu_util": 0, "unit": "%"},
        },
    ]


def test_completed_writes_percentages(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, TWO_GPUS)
    engine = _engine_like()
    GpuInfo().completed(engine, "gpu")
    assert engine.state.metrics == {"gpu:0 mem(%)": 18, "gpu:1 mem(%)": 99, "gpu:0 util(%)": 87, "gpu:1 util(%)": 0}


def test_values_follow_the_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _install(monkeypatch, [{"memory": (0, 100), "util": 5}])
    info, engine = GpuInfo(), _engine_like()
    info.completed(engine, "dev")
    fake.devices[0] = {"memory": (50, 100), "util": 60}
    info.completed(engine, "dev")
    assert engine.state.metrics == {"dev:0 mem(%)": 50, "dev:0 util(%)": 60}


def test_unsupported_readings(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, [{"memory": None, "util": None}, {"memory": (1, 4), "util": 10}])
    engine = _engine_like()
    with pytest.warns(UserWarning, match="No memory usage information for GPU 0"):
        GpuInfo().completed(engine, "gpu")
    # A utilization NVML cannot read is stored as "N/A", as nvidia-smi reports it.
    assert engine.state.metrics == {"gpu:1 mem(%)": 25, "gpu:0 util(%)": "N/A", "gpu:1 util(%)": 10}


def test_no_device_warns_and_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, [])
    engine = _engine_like()
    with pytest.warns(UserWarning, match="No GPU information available"):
        GpuInfo().completed(engine, "gpu")
    assert engine.state.metrics == {}


def test_attach_logs_on_every_iteration(monkeypatch: pytest.MonkeyPatch) -> None:
    engine_module = pytest.importorskip("ignite.engine")
    fake = _install(monkeypatch, [{"memory": (0, 10), "util": 0}])
    seen: list[tuple[Any, Any]] = []

    def step(engine: Any, batch: int) -> int:
        fake.devices[0] = {"memory": (batch, 10), "util": 10 * batch}
        return batch

    engine = engine_module.Engine(step)
    GpuInfo().attach(engine)

    def record(engine: Any) -> None:
        seen.append((engine.state.metrics["gpu:0 mem(%)"], engine.state.metrics["gpu:0 util(%)"]))

    engine.add_event_handler(engine_module.Events.ITERATION_COMPLETED, record)

    engine.run([1, 2, 3], max_epochs=1)
    assert seen == [(10, 10), (20, 20), (30, 30)]


def test_attach_on_another_event(monkeypatch: pytest.MonkeyPatch) -> None:
    engine_module = pytest.importorskip("ignite.engine")
    _install(monkeypatch, [{"memory": (1, 2), "util": 3}])
    engine = engine_module.Engine(lambda engine, batch: batch)
    GpuInfo().attach(engine, name="card", event_name=engine_module.Events.EPOCH_COMPLETED)
    state = engine.run([0, 1], max_epochs=1)
    assert state.metrics == {"card:0 mem(%)": 50, "card:0 util(%)": 3}
