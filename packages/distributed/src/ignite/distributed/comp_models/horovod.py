"""The Horovod computation model (``backend="horovod"``): scripts run by ``horovodrun`` or spawned by ``horovod.run``.

Horovod is imported only when this model is used: ``import ignite.distributed`` never loads it, and without it
installed every entry point raises an ImportError saying which extra to install.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, ClassVar

import torch
from torch import nn
from torch.optim import Optimizer

from ignite.distributed._spawn import RankFailure, _first_failure, _rebuild_error, _record_failure
from ignite.distributed.comp_models import _support
from ignite.distributed.comp_models.base import ComputationModel

__all__ = ["HOROVOD", "_HorovodDistModel", "broadcast_model", "wrap_optimizer"]

HOROVOD = "horovod"
_INSTALL_HINT = 'pip install "ignite-distributed[horovod]"'


def _import_hvd() -> ModuleType:
    try:
        hvd = importlib.import_module("horovod.torch")
    except ImportError as error:
        raise ImportError(f"The horovod backend needs Horovod with its torch support: {_INSTALL_HINT}") from error
    return hvd


class _HorovodDistModel(ComputationModel):
    """Computation model over an initialized Horovod context (``hvd.init()``)."""

    name: ClassVar[str] = "horovod-dist"
    available_backends: ClassVar[tuple[str, ...]] = (HOROVOD,) if _support.has_hvd_support else ()

    def __init__(self, backend: str | None = None, **kwargs: Any) -> None:
        self._hvd = _import_hvd()
        self._process_sets: dict[tuple[int, ...], Any] = {}
        if backend is not None:
            if backend != HOROVOD:
                raise ValueError(f"Argument backend should be {HOROVOD!r} for the Horovod model, got {backend!r}")
            if self._hvd.is_initialized():
                raise RuntimeError("Horovod is already initialized; finalize it before initializing it again")
            self._hvd.init(**kwargs)
        if torch.cuda.is_available():
            torch.cuda.set_device(self._hvd.local_rank())

    @staticmethod
    def create_from_context() -> _HorovodDistModel | None:
        # A user who initialized Horovod imported it: never import it here just to find out.
        hvd = sys.modules.get("horovod.torch")
        if hvd is None or not hvd.is_initialized():
            return None
        return _HorovodDistModel()

    @staticmethod
    def create_from_backend(backend: str | None = HOROVOD, **kwargs: Any) -> _HorovodDistModel:
        return _HorovodDistModel(backend=HOROVOD if backend is None else backend, **kwargs)

    def get_local_rank(self) -> int:
        return int(self._hvd.local_rank())

    def get_rank(self) -> int:
        return int(self._hvd.rank())

    def get_world_size(self) -> int:
        return int(self._hvd.size())

    def get_nproc_per_node(self) -> int:
        return int(self._hvd.local_size())

    def get_nnodes(self) -> int:
        return int(self._hvd.cross_size())

    def get_node_rank(self) -> int:
        return int(self._hvd.cross_rank())

    def device(self) -> torch.device:
        if torch.cuda.is_available():
            return torch.device(f"cuda:{torch.cuda.current_device()}")
        return torch.device("cpu")

    def backend(self) -> str | None:
        return HOROVOD

    def finalize(self) -> None:
        self._hvd.shutdown()

    def barrier(self) -> None:
        if hasattr(self._hvd, "barrier"):
            self._hvd.barrier()
        else:
            # Horovod releases without barrier(): a tiny allreduce waits for every rank just the same.
            self._hvd.allreduce(torch.tensor(0, device=self.device()), name="ignite-barrier")

    def _process_set(self, group: Any | None) -> Any:
        return self._hvd.global_process_set if group is None else group

    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any | None) -> torch.Tensor:
        hvd, process_set = self._hvd, self._process_set(group)
        if op in ("AND", "OR") and tensor.dtype != torch.bool:
            if tensor.is_floating_point() or tensor.is_complex():
                raise TypeError(f"Argument op={op!r} needs a bool or integer tensor, got dtype {tensor.dtype}")
            # Horovod has no bitwise reductions: gather every rank's tensor and fold it here.
            stacked = self._do_all_gather(tensor.unsqueeze(0), group)
            folded = stacked[0].clone()
            for row in stacked[1:]:
                folded = folded & row if op == "AND" else folded | row
            tensor.copy_(folded)
            return tensor
        if op in ("AND", "OR"):
            # Logical AND/OR are MIN/MAX of 0/1; Horovod's allreduce takes no bool or uint8 tensors, int32 it does.
            as_int = tensor.to(torch.int32)
            reduced = hvd.allreduce(as_int, op=hvd.Min if op == "AND" else hvd.Max, process_set=process_set)
        else:
            hvd_op = {"SUM": hvd.Sum, "PRODUCT": hvd.Product, "MIN": hvd.Min, "MAX": hvd.Max}[op]
            reduced = hvd.allreduce(tensor, op=hvd_op, process_set=process_set)
        # Horovod returns a new tensor; the other models reduce in place.
        tensor.copy_(reduced.to(tensor.dtype))
        return tensor

    def _do_all_gather(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor:
        # Horovod gathers tensors whose first dimension differs between ranks natively.
        gathered: torch.Tensor = self._hvd.allgather(tensor, process_set=self._process_set(group))
        return gathered

    def _do_all_gather_object(self, obj: Any, group: Any | None) -> list[Any]:
        # hvd.allgather_object takes no process set: pickled bytes through allgather work for groups too.
        return self._all_gather_pickled(obj, group)

    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor:
        result: torch.Tensor = self._hvd.broadcast(tensor, root_rank=src)
        return result

    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        wanted = tuple(sorted(set(ranks)))
        if wanted == tuple(range(self.get_world_size())):
            # Every rank: Horovod's global set, which needs no registration.
            return self._hvd.global_process_set
        # Horovod refuses to register the same ranks twice (and idist turns every `group=[...]` into a new group).
        if wanted not in self._process_sets:
            try:
                self._process_sets[wanted] = self._hvd.add_process_set(list(wanted), **kwargs)
            except ValueError as error:
                if "HOROVOD_DYNAMIC_PROCESS_SETS" not in str(error):
                    raise
                raise RuntimeError(
                    f"Argument ranks={list(wanted)} asks for a Horovod process set, which needs dynamic process sets: "
                    f'initialize with idist.initialize("horovod", process_sets="dynamic") (or '
                    f'Parallel(backend="horovod", process_sets="dynamic")), or set HOROVOD_DYNAMIC_PROCESS_SETS=1 '
                    f"before Horovod starts"
                ) from error
        return self._process_sets[wanted]

    def _group_ranks(self, group: Any | None) -> list[int] | None:
        if group is None or group is self._hvd.global_process_set:
            return list(range(self.get_world_size()))
        ranks = list(group.ranks)
        return ranks if self.get_rank() in ranks else None

    def _is_group(self, group: Any) -> bool:
        return isinstance(group, self._hvd.ProcessSet)

    @staticmethod
    def spawn(
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs_dict: Mapping[str, Any] | None = None,
        nproc_per_node: int = 1,
        hosts: str | None = None,
        backend: str = HOROVOD,
        **kwargs: Any,
    ) -> None:
        """Run ``fn`` on ``nproc_per_node`` processes with ``horovod.run`` (``hosts`` for several machines)."""
        if kwargs.pop("nnodes", 1) != 1 or kwargs.pop("node_rank", 0) != 0:
            raise ValueError(
                "Arguments nnodes/node_rank are not used by Horovod: give hosts (as in horovod.run) instead"
            )
        for unused in ("master_addr", "master_port", "init_method"):
            if kwargs.pop(unused, None) is not None:
                raise ValueError(f"Argument {unused} is not used by the Horovod backend")
        _import_hvd()
        horovod = importlib.import_module("horovod")
        # As with the native spawn, each failing rank records its error here, so that the parent raises the first
        # one instead of horovod.run's bare "a process exited with non-zero status".
        error_dir = tempfile.mkdtemp(prefix="ignite-hvd-spawn-")
        try:
            horovod.run(
                _horovod_worker,
                args=(fn, args, dict(kwargs_dict or {}), error_dir),
                np=nproc_per_node,
                hosts=hosts,
                use_gloo=kwargs.pop("use_gloo", True),
                **kwargs,
            )
        except Exception:
            record = _first_failure(error_dir)
            if record is None:
                raise
            cause = RankFailure(record["rank"], record["pid"], record["traceback"])
            raise _rebuild_error(record, nproc_per_node) from cause
        finally:
            shutil.rmtree(error_dir, ignore_errors=True)


def _horovod_worker(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs_dict: Mapping[str, Any], error_dir: str
) -> None:
    from ignite.distributed import utils as idist_utils

    model = _HorovodDistModel.create_from_backend(HOROVOD)
    idist_utils._set_model(model)
    try:
        fn(model.get_local_rank(), *args, **kwargs_dict)
    except BaseException as error:
        # Ranks on other hosts cannot reach the parent's folder: they only get horovod.run's generic error.
        with contextlib.suppress(OSError):
            _record_failure(error_dir, model.get_rank(), error)
        raise
    idist_utils.finalize()


def broadcast_model(model: nn.Module) -> None:
    """Send rank 0's parameters and buffers to every rank (what ``auto_model`` does under Horovod)."""
    _import_hvd().broadcast_parameters(model.state_dict(), root_rank=0)


def wrap_optimizer(optimizer: Optimizer, **kwargs: Any) -> Optimizer:
    """Horovod's ``DistributedOptimizer`` around ``optimizer``, with rank 0's state broadcast to all ranks."""
    hvd = _import_hvd()
    wrapped: Optimizer = hvd.DistributedOptimizer(optimizer, **kwargs)
    hvd.broadcast_optimizer_state(wrapped, root_rank=0)
    return wrapped
