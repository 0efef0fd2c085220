"""GPU memory use and utilization read through NVML (``pynvml``), written into ``engine.state.metrics``."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import torch

from ignite.metrics._usage import _events
from ignite.metrics.metric import EngineLike, Metric

__all__ = ["GpuInfo"]

_MIB = float(2**20)


class GpuInfo(Metric):
    """Memory used (% of total) and utilization (%) of every GPU, for logging during a run.

    Attached to an engine (by default on every ``ITERATION_COMPLETED``), it stores ``"{name}:{i} mem(%)"`` and
    ``"{name}:{i} util(%)"`` as ints in ``engine.state.metrics`` for each GPU ``i``. :meth:`compute` returns one
    report per GPU, ``{"fb_memory_usage": {"used": MiB, "total": MiB, "unit": "MiB"},
    "utilization": {"gpu_util": percent, "unit": "%"}}`` (the layout of nvidia-smi queries), with a part missing
    when NVML cannot read it and ``"N/A"`` for a utilization the device does not report.

    Needs the NVML bindings (``pip install pynvml``, any version: only NVML's core functions are used) and a
    CUDA device.

    Raises:
        ModuleNotFoundError: pynvml is not installed.
        RuntimeError: no CUDA device is available.
    """

    def __init__(self) -> None:
        try:
            nvml = importlib.import_module("pynvml")
        except ImportError as error:
            raise ModuleNotFoundError(
                "GpuInfo reads GPU statistics through NVML and needs the pynvml package: pip install pynvml"
            ) from error
        if not torch.cuda.is_available():
            raise RuntimeError("GpuInfo needs an available CUDA GPU, but torch.cuda.is_available() is False")
        # A missing NVIDIA driver or NVML library fails here, with NVML's own error.
        nvml.nvmlInit()
        self._nvml: Any = nvml
        super().__init__()

    def reset(self) -> None:
        """Nothing to reset: every :meth:`compute` reads the current state of the GPUs."""

    def update(self, output: Any) -> None:
        """Nothing to accumulate: the engine output is not used."""

    def _device_report(self, index: int) -> dict[str, Any]:
        nvml = self._nvml
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        report: dict[str, Any] = {}
        try:
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
        except nvml.NVMLError:
            pass
        else:
            report["fb_memory_usage"] = {"used": memory.used / _MIB, "total": memory.total / _MIB, "unit": "MiB"}
        try:
            utilization: Any = nvml.nvmlDeviceGetUtilizationRates(handle).gpu
        except nvml.NVMLError:
            utilization = "N/A"  # e.g. a device that does not report utilization
        report["utilization"] = {"gpu_util": utilization, "unit": "%"}
        return report

    def compute(self) -> list[dict[str, Any]]:
        """One report per GPU (see the class docstring); an empty list, with a warning, when NVML lists none."""
        reports = [self._device_report(i) for i in range(self._nvml.nvmlDeviceGetCount())]
        if not reports:
            warnings.warn("No GPU information available: NVML lists no device", UserWarning, stacklevel=2)
        return reports

    def completed(self, engine: EngineLike, name: str) -> None:
        """Handler: store the memory and utilization percentages of each GPU in ``engine.state.metrics``."""
        metrics = engine.state.metrics
        reports = self.compute()
        for i, report in enumerate(reports):
            memory = report.get("fb_memory_usage")
            if not isinstance(memory, dict) or not memory.get("total"):
                warnings.warn(f"No memory usage information for GPU {i}: {report}", UserWarning, stacklevel=2)
            else:
                metrics[f"{name}:{i} mem(%)"] = int(memory["used"] * 100.0 / memory["total"])
        for i, report in enumerate(reports):
            utilization = report.get("utilization", {}).get("gpu_util")
            if utilization is None:
                warnings.warn(f"No utilization information for GPU {i}: {report}", UserWarning, stacklevel=2)
                continue
            try:
                metrics[f"{name}:{i} util(%)"] = int(utilization)
            except (TypeError, ValueError):
                metrics[f"{name}:{i} util(%)"] = utilization  # "N/A" is stored as reported

    def attach(self, engine: EngineLike, name: str = "gpu", event_name: Any = None) -> None:
        """Call :meth:`completed` on ``event_name`` (default: ``Events.ITERATION_COMPLETED``) of ``engine``.

        Needs the distribution ``ignite-engine`` when ``event_name`` is not given.
        """
        if event_name is None:
            event_name = _events().ITERATION_COMPLETED
        engine.add_event_handler(event_name, self.completed, name)
