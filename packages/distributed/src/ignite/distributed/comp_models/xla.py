"""The XLA computation model (``backend="xla-tpu"``), over torch_xla's multiprocessing on TPU devices.

torch_xla is imported only when this model is used: ``import ignite.distributed`` never loads it, and without it
installed every entry point raises an ImportError saying which extra to install.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, ClassVar

import torch
from torch.optim import Optimizer
from torch.utils.data import DataLoader

from ignite.distributed.comp_models import _support
from ignite.distributed.comp_models.base import ComputationModel

__all__ = ["XLA_TPU", "_XlaDistModel", "wrap_loader", "wrap_optimizer"]

XLA_TPU = "xla-tpu"
_INSTALL_HINT = 'pip install "ignite-distributed[xla]"'


def _import_xm() -> ModuleType:
    try:
        xm = importlib.import_module("torch_xla.core.xla_model")
    except ImportError as error:
        raise ImportError(f"The xla-tpu backend needs torch_xla: {_INSTALL_HINT}") from error
    return xm


def _import_runtime() -> ModuleType:
    # torch_xla >= 2.x reads the process layout from torch_xla.runtime; 2.9 removed xm.xrt_world_size/get_ordinal.
    try:
        runtime = importlib.import_module("torch_xla.runtime")
    except ImportError as error:
        raise ImportError(f"The xla-tpu backend needs torch_xla (with torch_xla.runtime): {_INSTALL_HINT}") from error
    return runtime


def _xla_device() -> torch.device:
    # torch_xla.device() replaces xm.xla_device(), which warns as deprecated from torch_xla 2.7 on.
    torch_xla = importlib.import_module("torch_xla")
    make_device = getattr(torch_xla, "device", None)
    device: torch.device = make_device() if make_device is not None else _import_xm().xla_device()
    return device


class _XlaDistModel(ComputationModel):
    """Computation model of a process started by torch_xla's multiprocessing (one process per XLA device)."""

    name: ClassVar[str] = "xla-dist"
    available_backends: ClassVar[tuple[str, ...]] = (XLA_TPU,) if _support.has_xla_support else ()

    def __init__(self, backend: str | None = None, **kwargs: Any) -> None:
        if backend is not None and backend != XLA_TPU:
            raise ValueError(f"Argument backend should be {XLA_TPU!r} for the XLA model, got {backend!r}")
        if kwargs:
            raise ValueError(f"The XLA model takes no options, got {sorted(kwargs)}")
        self._xm = _import_xm()
        self._xr = _import_runtime()
        # Anything but SUM/MIN/MAX goes through gathering: xla reductions are a short list.
        self._ops = {"SUM": self._xm.REDUCE_SUM, "MIN": self._xm.REDUCE_MIN, "MAX": self._xm.REDUCE_MAX}

    @staticmethod
    def create_from_context() -> _XlaDistModel | None:
        # Only processes that already use torch_xla can be in an XLA context; do not import it to find out.
        if sys.modules.get("torch_xla.core.xla_model") is None:
            return None
        if int(_import_runtime().world_size()) < 2:
            return None
        return _XlaDistModel()

    @staticmethod
    def create_from_backend(backend: str | None = XLA_TPU, **kwargs: Any) -> _XlaDistModel:
        return _XlaDistModel(backend=XLA_TPU if backend is None else backend, **kwargs)

    def get_local_rank(self) -> int:
        return int(self._xr.local_ordinal())

    def get_rank(self) -> int:
        return int(self._xr.global_ordinal())

    def get_world_size(self) -> int:
        return int(self._xr.world_size())

    def get_nproc_per_node(self) -> int:
        local = torch.tensor([self.get_local_rank() + 1], dtype=torch.int64, device=self.device())
        return int(self._do_all_reduce(local, "MAX", None).item())

    def get_nnodes(self) -> int:
        return max(self.get_world_size() // self.get_nproc_per_node(), 1)

    def get_node_rank(self) -> int:
        return self.get_rank() // self.get_nproc_per_node()

    def device(self) -> torch.device:
        return _xla_device()

    def backend(self) -> str | None:
        return XLA_TPU

    def finalize(self) -> None:
        pass

    def barrier(self) -> None:
        with warnings.catch_warnings():
            # torch_xla 2.9's rendezvous calls its own deprecated xm.xla_device(): nothing a user could change.
            warnings.filterwarnings("ignore", message="Use torch_xla.device instead", category=DeprecationWarning)
            self._xm.rendezvous("ignite.distributed.barrier")

    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any | None) -> torch.Tensor:
        if op in self._ops:
            self._xm.all_reduce(self._ops[op], [tensor], groups=group)
            return tensor
        stacked = self._do_all_gather_same(tensor.unsqueeze(0), group)
        if op == "PRODUCT":
            tensor.copy_(stacked.prod(dim=0))
        elif op == "AND":
            tensor.copy_(stacked.bool().all(dim=0).to(tensor.dtype))
        else:
            tensor.copy_(stacked.bool().any(dim=0).to(tensor.dtype))
        return tensor

    def _do_all_gather_same(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor:
        gathered: torch.Tensor = self._xm.all_gather(tensor, dim=0, groups=group)
        return gathered

    def _do_all_gather(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor:
        # XLA gathers equal shapes only: pad every piece to the longest first dimension, then cut the padding off.
        size = torch.tensor([tensor.shape[0]], dtype=torch.int64, device=tensor.device)
        sizes = self._do_all_gather_same(size, group).tolist()
        longest = max(sizes)
        padded = tensor.new_zeros((longest, *tensor.shape[1:]))
        padded[: tensor.shape[0]] = tensor
        gathered = self._do_all_gather_same(padded, group)
        return torch.cat([gathered[i * longest : i * longest + n] for i, n in enumerate(sizes)], dim=0)

    def _do_all_gather_object(self, obj: Any, group: Any | None) -> list[Any]:
        return self._all_gather_pickled(obj, group)

    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor:
        # A broadcast is a sum where every rank but the source contributes zeros.
        if self.get_rank() != src:
            tensor.zero_()
        if tensor.dtype == torch.bool:
            as_int = tensor.to(torch.uint8)
            self._xm.all_reduce(self._xm.REDUCE_SUM, [as_int])
            tensor.copy_(as_int.bool())
        else:
            self._xm.all_reduce(self._xm.REDUCE_SUM, [tensor])
        return tensor

    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        return [ranks]

    def _group_ranks(self, group: Any | None) -> list[int] | None:
        if group is None:
            return list(range(self.get_world_size()))
        ranks = [int(r) for r in group[0]]
        return ranks if self.get_rank() in ranks else None

    def _is_group(self, group: Any) -> bool:
        return isinstance(group, list) and all(isinstance(g, list) for g in group)

    @staticmethod
    def spawn(
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs_dict: Mapping[str, Any] | None = None,
        nproc_per_node: int = 1,
        nnodes: int = 1,
        node_rank: int = 0,
        backend: str = XLA_TPU,
        **kwargs: Any,
    ) -> None:
        """Run ``fn`` on ``nproc_per_node`` XLA devices of this host with ``torch_xla``'s multiprocessing.

        torch_xla (PJRT) runs either one process or one per local device, nothing in between: ``nproc_per_node``
        above 1 asks for every local device (limit them with torch_xla's ``<DEVICE>_NUM_DEVICES`` variables), and
        each process checks that the count it finds is ``nproc_per_node``.
        """
        if nnodes != 1 or node_rank != 0:
            raise ValueError(f"The XLA backend spawns on one host only, got nnodes={nnodes}, node_rank={node_rank}")
        for unused in ("master_addr", "master_port", "init_method"):
            if kwargs.pop(unused, None) is not None:
                raise ValueError(f"Argument {unused} is not used by the xla-tpu backend")
        _import_xm()
        xmp = importlib.import_module("torch_xla.distributed.xla_multiprocessing")

        nprocs = 1 if nproc_per_node == 1 else None
        worker_args = (fn, args, dict(kwargs_dict or {}), nproc_per_node)
        xmp.spawn(_xla_worker, args=worker_args, nprocs=nprocs, **kwargs)


def _xla_worker(
    index: int, fn: Callable[..., Any], args: tuple[Any, ...], kwargs_dict: Mapping[str, Any], nproc_per_node: int
) -> None:
    from ignite.distributed import utils as idist_utils

    model = _XlaDistModel.create_from_backend(XLA_TPU)
    idist_utils._set_model(model)
    try:
        started = model.get_nproc_per_node()
        if started != nproc_per_node:
            # Every process sees the same count, so all of them stop here together.
            raise ValueError(
                f"Argument nproc_per_node should be 1 or the number of local XLA devices torch_xla uses "
                f"({started} on this host), got {nproc_per_node}"
            )
        fn(model.get_local_rank(), *args, **kwargs_dict)
    finally:
        idist_utils.finalize()


class _XlaOptimizer(Optimizer):
    """An optimizer whose ``step`` goes through ``xm.optimizer_step`` (gradients all-reduced across devices)."""

    def __init__(self, optimizer: Optimizer) -> None:
        # Share the wrapped optimizer's state and groups rather than copying them.
        self.__dict__ = optimizer.__dict__
        self._wrapped = optimizer

    def step(self, closure: Callable[[], float] | None = None) -> None:  # type: ignore[override]
        _import_xm().optimizer_step(self._wrapped, barrier=True, optimizer_args={"closure": closure})


def wrap_optimizer(optimizer: Optimizer) -> Optimizer:
    """``optimizer`` with its ``step`` replaced by ``xm.optimizer_step`` (what ``auto_optim`` does on XLA)."""
    _import_xm()
    return _XlaOptimizer(optimizer)


def wrap_loader(loader: DataLoader[Any]) -> Any:
    """``loader`` wrapped in torch_xla's ``MpDeviceLoader``, keeping its ``sampler`` reachable."""
    _import_xm()
    parallel_loader = importlib.import_module("torch_xla.distributed.parallel_loader")
    device_loader = parallel_loader.MpDeviceLoader(loader, _xla_device())
    device_loader.sampler = loader.sampler
    return device_loader
