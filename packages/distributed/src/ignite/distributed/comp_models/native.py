"""The native computation model: torch.distributed process groups with the gloo, nccl or mpi backend."""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, ClassVar

import torch
import torch.distributed as dist

from ignite.distributed.comp_models._env import ddp_vars_from_env
from ignite.distributed.comp_models.base import ComputationModel

__all__ = ["NCCL", "GLOO", "MPI", "_NativeDistModel"]

NCCL, GLOO, MPI = "nccl", "gloo", "mpi"


def _native_backends() -> tuple[str, ...]:
    if not dist.is_available():
        return ()
    found = [GLOO] if dist.is_gloo_available() else []
    if dist.is_nccl_available() and torch.cuda.is_available():
        found.append(NCCL)
    if dist.is_mpi_available():
        found.append(MPI)
    return tuple(found)


_ENV_KEYS = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
_SIMPLE_OPS = {"SUM": "SUM", "PRODUCT": "PRODUCT", "MIN": "MIN", "MAX": "MAX"}


def _trailing_shape_code(shape: torch.Size) -> int:
    # Any injective-enough code of shape[1:] will do: ranks only compare codes to detect a mismatch.
    code = 0
    for size in shape[1:]:
        code = (code * 1_000_003 + size + 1) % (2**61 - 1)
    return code


class _NativeDistModel(ComputationModel):
    """Computation model over a ``torch.distributed`` default process group (gloo, nccl or mpi).

    ``create_from_backend`` initializes the group from the environment a launcher left (torchrun, srun, mpirun, or
    the variables ``idist.spawn`` sets), ``create_from_context`` wraps a group the user initialized.
    """

    name: ClassVar[str] = "native-dist"
    available_backends: ClassVar[tuple[str, ...]] = _native_backends()

    def __init__(
        self,
        backend: str | None = None,
        timeout: timedelta | None = None,
        init_method: str | None = None,
        world_size: int | None = None,
        rank: int | None = None,
        _spawned: bool = False,
        **kwargs: Any,
    ) -> None:
        self._env_backup: dict[str, str | None] | None = None
        if backend is not None:
            self._create_group(backend, timeout, init_method, world_size, rank, _spawned, **kwargs)
        elif not dist.is_available() or not dist.is_initialized():
            raise RuntimeError("No torch.distributed process group is initialized to build the native model from")
        self._setup_attrs()

    # ---- creation ----------------------------------------------------------------------------------------------
    @staticmethod
    def create_from_context() -> _NativeDistModel | None:
        if not dist.is_available() or not dist.is_initialized():
            return None
        if dist.get_backend() not in _NativeDistModel.available_backends:
            return None
        return _NativeDistModel()

    @staticmethod
    def create_from_backend(backend: str | None = None, **kwargs: Any) -> _NativeDistModel:
        if backend not in _NativeDistModel.available_backends:
            raise ValueError(
                f"Argument backend should be one of {_NativeDistModel.available_backends} for the native model, "
                f"got {backend!r}" + (" (this torch build has no MPI support)" if backend == MPI else "")
            )
        if dist.is_initialized():
            raise RuntimeError("A torch.distributed default process group is already initialized; finalize it first")
        return _NativeDistModel(backend=backend, **kwargs)

    def _create_group(
        self,
        backend: str,
        timeout: timedelta | None,
        init_method: str | None,
        world_size: int | None,
        rank: int | None,
        spawned: bool,
        **kwargs: Any,
    ) -> None:
        if timeout is not None and not isinstance(timeout, timedelta):
            raise TypeError(f"Argument timeout should be a datetime.timedelta, got {type(timeout).__name__}")
        if not spawned:
            # Processes started by idist.spawn already hold their layout; launchers' variables there are the parent's.
            self._apply_env(ddp_vars_from_env(os.environ, rank=rank, world_size=world_size))
        init_kwargs: dict[str, Any] = dict(kwargs)
        if timeout is not None:
            init_kwargs["timeout"] = timeout
        init_method = "env://" if init_method is None else init_method
        if not init_method.startswith("env://"):
            init_kwargs["world_size"] = int(os.environ["WORLD_SIZE"])
            init_kwargs["rank"] = int(os.environ["RANK"])
        if backend == NCCL:
            # Each process must own its GPU before the group forms; the local rank says which one.
            local_rank = self._local_rank_from_env()
            if local_rank is None:
                self._restore_env()
                raise ValueError(
                    "Backend 'nccl' needs the local rank before initializing: set LOCAL_RANK or call "
                    "idist.set_local_rank(), got neither"
                )
            torch.cuda.set_device(local_rank)
        try:
            dist.init_process_group(backend, init_method=init_method, **init_kwargs)
        except BaseException:
            self._restore_env()
            raise

    def _apply_env(self, values: Mapping[str, str]) -> None:
        # Remember what was there so that finalize() leaves the environment as it found it.
        self._env_backup = {key: os.environ.get(key) for key in _ENV_KEYS}
        os.environ.update(values)

    def _restore_env(self) -> None:
        if self._env_backup is None:
            return
        for key, value in self._env_backup.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._env_backup = None

    def _setup_attrs(self) -> None:
        self._backend: str = str(dist.get_backend())
        self._rank = dist.get_rank()
        self._world_size = dist.get_world_size()
        # What the environment does not tell needs a collective: computed on first use, not here, so that merely
        # detecting a context (idist.sync() runs on whichever rank calls idist first) never blocks.
        self._local_rank: int | None = self._local_rank_from_env()
        local_size = os.environ.get("LOCAL_WORLD_SIZE")
        self._nproc_per_node: int | None = int(local_size) if local_size is not None else None

    def _local_rank_from_env(self) -> int | None:
        if "LOCAL_RANK" in os.environ:
            return int(os.environ["LOCAL_RANK"])
        return ComputationModel._ext_local_rank

    def _local_rank_from_hosts(self) -> int:
        warnings.warn(
            "LOCAL_RANK is not set and idist.set_local_rank() was not called: the local rank is derived from the "
            "host names of all processes (a collective: call it on every rank)",
            stacklevel=4,
        )
        hosts = self._all_gather_str(socket.gethostname(), None)
        return hosts[: self._rank].count(hosts[self._rank])

    # ---- queries -----------------------------------------------------------------------------------------------
    def get_local_rank(self) -> int:
        if self._local_rank is None:
            self._local_rank = self._local_rank_from_hosts()
        return self._local_rank

    def get_rank(self) -> int:
        return self._rank

    def get_world_size(self) -> int:
        return self._world_size

    def get_nproc_per_node(self) -> int:
        if self._nproc_per_node is None:
            # Without LOCAL_WORLD_SIZE, the largest local rank tells the number of processes per node.
            local = torch.tensor([self.get_local_rank() + 1], dtype=torch.int64, device=self.device())
            dist.all_reduce(local, op=dist.ReduceOp.MAX)
            self._nproc_per_node = int(local.item())
        return self._nproc_per_node

    def get_nnodes(self) -> int:
        return max(self._world_size // self.get_nproc_per_node(), 1)

    def get_node_rank(self) -> int:
        return self._rank // self.get_nproc_per_node()

    def device(self) -> torch.device:
        if self._backend == NCCL:
            index = torch.cuda.current_device()
            if self._local_rank is not None and index < self._local_rank:
                warnings.warn(
                    f"Current CUDA device index {index} is lower than the local rank {self._local_rank}; call "
                    f"torch.cuda.set_device(local_rank) before initializing the nccl backend",
                    stacklevel=2,
                )
            return torch.device(f"cuda:{index}")
        return torch.device("cpu")

    def backend(self) -> str | None:
        return self._backend

    def finalize(self) -> None:
        if dist.is_initialized():
            dist.destroy_process_group()
        self._restore_env()

    def barrier(self) -> None:
        dist.barrier()

    # ---- raw collectives ---------------------------------------------------------------------------------------
    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any | None) -> torch.Tensor:
        if op in _SIMPLE_OPS:
            dist.all_reduce(tensor, op=getattr(dist.ReduceOp, op), group=group)
            return tensor
        if tensor.dtype == torch.bool:
            # Logical AND/OR of booleans are MIN/MAX of their 0/1 values, supported by every backend.
            as_int = tensor.to(torch.uint8)
            dist.all_reduce(as_int, op=dist.ReduceOp.MIN if op == "AND" else dist.ReduceOp.MAX, group=group)
            tensor.copy_(as_int.bool())
            return tensor
        if tensor.is_floating_point() or tensor.is_complex():
            raise TypeError(f"Argument op={op!r} needs a bool or integer tensor, got dtype {tensor.dtype}")
        dist.all_reduce(tensor, op=dist.ReduceOp.BAND if op == "AND" else dist.ReduceOp.BOR, group=group)
        return tensor

    def _group_size(self, group: Any | None) -> int:
        return self._world_size if group is None else dist.get_world_size(group)

    def _do_all_gather_same(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor:
        if group is not None and not self._in_group(group):
            return tensor
        pieces = [torch.empty_like(tensor) for _ in range(self._group_size(group))]
        dist.all_gather(pieces, tensor.contiguous(), group=group)
        return torch.cat(pieces, dim=0)

    def _do_all_gather(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor:
        if group is not None and not self._in_group(group):
            return tensor
        dtype_code = _dtype_code(tensor.dtype)
        header = torch.tensor(
            [tensor.ndim, tensor.shape[0], _trailing_shape_code(tensor.shape), dtype_code],
            dtype=torch.int64,
            device=tensor.device,
        )
        headers = self._do_all_gather_same(header.unsqueeze(0), group).tolist()
        # Every rank sees the same headers, so a mismatch raises on all of them instead of hanging some.
        if any(h[0] != headers[0][0] or h[2] != headers[0][2] or h[3] != headers[0][3] for h in headers):
            raise ValueError(
                "Argument tensor should have the same dtype, number of dimensions and sizes after dimension 0 on "
                f"every rank; rank {self._rank} has dtype {tensor.dtype} and shape {tuple(tensor.shape)} "
                f"(headers [ndim, size0, trailing code, dtype code] per rank: {headers})"
            )
        sizes = [h[1] for h in headers]
        longest = max(sizes)
        if all(size == longest for size in sizes):
            return self._do_all_gather_same(tensor, group)
        padded = tensor.new_zeros((longest, *tensor.shape[1:]))
        padded[: tensor.shape[0]] = tensor
        gathered = self._do_all_gather_same(padded, group)
        return torch.cat([gathered[i * longest : i * longest + size] for i, size in enumerate(sizes)], dim=0)

    def _do_all_gather_object(self, obj: Any, group: Any | None) -> list[Any]:
        if group is not None and not self._in_group(group):
            return [obj]
        return self._all_gather_pickled(obj, group)

    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor:
        dist.broadcast(tensor, src=src)
        return tensor

    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        return dist.new_group(ranks=ranks, **kwargs)

    def _is_group(self, group: Any) -> bool:
        return isinstance(group, dist.ProcessGroup) or group is dist.GroupMember.NON_GROUP_MEMBER

    def _group_ranks(self, group: Any | None) -> list[int] | None:
        if group is None:
            return list(range(self._world_size))
        if not self._in_group(group):
            return None
        return list(dist.get_process_group_ranks(group))

    @staticmethod
    def _in_group(group: Any) -> bool:
        return group is not dist.GroupMember.NON_GROUP_MEMBER

    # ---- spawning ----------------------------------------------------------------------------------------------
    @staticmethod
    def spawn(
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs_dict: Mapping[str, Any] | None = None,
        nproc_per_node: int = 1,
        nnodes: int | None = None,
        node_rank: int | None = None,
        master_addr: str | None = None,
        master_port: int | None = None,
        backend: str = GLOO,
        init_method: str | None = None,
        **kwargs: Any,
    ) -> None:
        from ignite.distributed._spawn import spawn_native

        spawn_native(
            fn,
            args,
            kwargs_dict,
            nproc_per_node=nproc_per_node,
            nnodes=nnodes,
            node_rank=node_rank,
            master_addr=master_addr,
            master_port=master_port,
            backend=backend,
            init_method=init_method,
            **kwargs,
        )


_GATHER_DTYPES = (
    torch.float32,
    torch.float64,
    torch.float16,
    torch.bfloat16,
    torch.complex64,
    torch.complex128,
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.bool,
)


def _dtype_code(dtype: torch.dtype) -> int:
    return _GATHER_DTYPES.index(dtype) if dtype in _GATHER_DTYPES else len(_GATHER_DTYPES)
