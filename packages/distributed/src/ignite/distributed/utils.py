"""Public functions of :mod:`ignite.distributed` and the process-wide current computation model.

Every query and collective goes through ``_model``. While it is the serial model, each call first checks whether a
distributed context was initialized by the user since (``sync``), so that code calling
``torch.distributed.init_process_group`` itself still gets the right rank and world size.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast, overload

import torch

from ignite.distributed.comp_models import (
    ComputationModel,
    _SerialModel,
    has_hvd_support,
    has_native_dist_support,
    has_xla_support,
    registered_computation_models,
)

__all__ = [
    "all_gather",
    "all_gather_tensors_with_shapes",
    "all_reduce",
    "available_backends",
    "backend",
    "barrier",
    "broadcast",
    "device",
    "finalize",
    "get_local_rank",
    "get_nnodes",
    "get_node_rank",
    "get_nproc_per_node",
    "get_rank",
    "get_world_size",
    "has_hvd_support",
    "has_native_dist_support",
    "has_xla_support",
    "hostname",
    "initialize",
    "model_name",
    "new_group",
    "one_rank_only",
    "registered_computation_models",
    "set_local_rank",
    "show_config",
    "spawn",
    "sync",
]

_model: ComputationModel = _SerialModel()
_need_to_sync: bool = True

# Backends whose package may be missing: initialize() and spawn() then say what to install.
_EXTRA_OF_BACKEND = {"horovod": ("horovod", has_hvd_support), "xla-tpu": ("xla", has_xla_support)}

_F = TypeVar("_F", bound=Callable[..., Any])


def _get_model() -> ComputationModel:
    if _need_to_sync and isinstance(_model, _SerialModel):
        sync(temporary=True)
    return _model


def _set_model(model: ComputationModel, temporary: bool = False) -> None:
    """Make ``model`` the current computation model.

    A non-serial model set for good stops the automatic re-detection; a temporary one (found by ``sync``) or the
    serial model keeps it on.
    """
    global _model, _need_to_sync
    if not isinstance(model, ComputationModel):
        raise TypeError(f"Argument model should be a ComputationModel, got {type(model).__name__}")
    _model = model
    _need_to_sync = temporary or isinstance(model, _SerialModel)


def sync(temporary: bool = False) -> None:
    """Pick the current model from the registered ones: the first that finds an initialized context, else serial."""
    for model_cls in registered_computation_models:
        if model_cls is _SerialModel:
            continue
        model = model_cls.create_from_context()
        if model is not None:
            _set_model(model, temporary=temporary)
            return
    if not isinstance(_model, _SerialModel):
        _set_model(_SerialModel())


def get_local_rank() -> int:
    """Rank of this process on its node (0 in serial)."""
    return _get_model().get_local_rank()


def get_rank() -> int:
    """Global rank of this process (0 in serial).

    >>> import ignite.distributed as idist
    >>> idist.get_rank(), idist.get_world_size()
    (0, 1)
    """
    return _get_model().get_rank()


def get_world_size() -> int:
    """Number of processes taking part in the computation (1 in serial)."""
    return _get_model().get_world_size()


def get_nproc_per_node() -> int:
    """Number of processes per node (1 in serial)."""
    return _get_model().get_nproc_per_node()


def get_nnodes() -> int:
    """Number of nodes (1 in serial)."""
    return _get_model().get_nnodes()


def get_node_rank() -> int:
    """Rank of this node (0 in serial)."""
    return _get_model().get_node_rank()


def device() -> torch.device:
    """Device this process computes on: in serial, ``cuda`` when CUDA is available, else ``cpu``."""
    return _get_model().device()


def backend() -> str | None:
    """Name of the distributed backend in use (``"gloo"``, ``"nccl"``, ...), or None in serial."""
    return _get_model().backend()


def available_backends() -> tuple[str, ...]:
    """Backends that :func:`initialize` accepts in this environment.

    >>> import ignite.distributed as idist
    >>> "gloo" in idist.available_backends()
    True
    """
    backends: list[str] = []
    for model_cls in registered_computation_models:
        backends.extend(b for b in model_cls.available_backends if b not in backends)
    return tuple(backends)


def model_name() -> str:
    """Name of the current computation model (``"serial"`` without a distributed context)."""
    return _get_model().name


def hostname() -> str:
    """Host name of the machine this process runs on."""
    return socket.gethostname()


def show_config() -> None:
    """Log the distributed configuration at INFO level with the logger ``ignite.distributed.utils``."""
    from ignite.utils import setup_logger

    logger = setup_logger(__name__)
    logger.info(f"distributed configuration: {model_name()}")
    logger.info(f"backend: {backend()}")
    logger.info(f"device: {device().type}")
    logger.info(f"hostname: {hostname()}")
    logger.info(f"world size: {get_world_size()}")
    logger.info(f"rank: {get_rank()}")
    logger.info(f"local rank: {get_local_rank()}")
    logger.info(f"num processes per_node: {get_nproc_per_node()}")
    logger.info(f"num nodes: {get_nnodes()}")
    logger.info(f"node rank: {get_node_rank()}")


def _as_group(model: ComputationModel, group: Any) -> Any:
    if isinstance(group, list) and all(isinstance(r, int) and not isinstance(r, bool) for r in group):
        return model.new_group(group)
    return group


@overload
def all_reduce(tensor: torch.Tensor, op: str = "SUM", group: Any | None = None) -> torch.Tensor: ...


@overload
def all_reduce(tensor: float, op: str = "SUM", group: Any | None = None) -> float: ...


def all_reduce(tensor: torch.Tensor | float, op: str = "SUM", group: Any | None = None) -> torch.Tensor | float:
    """Reduce ``tensor`` over all ranks (or the ranks of ``group``) with ``op``.

    ``op`` is one of ``"SUM"``, ``"PRODUCT"``, ``"MIN"``, ``"MAX"``, ``"AND"``, ``"OR"``. ``tensor`` is a tensor
    (reduced in place by distributed backends) or a Python number; ``group`` is None, a list of ranks or a group
    from :func:`new_group`. In serial the input is returned unchanged.

    >>> import torch, ignite.distributed as idist
    >>> idist.all_reduce(torch.tensor([1.0, 2.0]), op="MAX")
    tensor([1., 2.])
    """
    model = _get_model()
    return model.all_reduce(tensor, op, group=_as_group(model, group))


@overload
def all_gather(tensor: torch.Tensor, group: Any | None = None) -> torch.Tensor: ...


@overload
def all_gather(tensor: float, group: Any | None = None) -> list[float]: ...


@overload
def all_gather(tensor: str, group: Any | None = None) -> list[str]: ...


@overload
def all_gather(tensor: Any, group: Any | None = None) -> Any: ...


def all_gather(tensor: Any, group: Any | None = None) -> Any:
    """Gather ``tensor`` from all ranks (or the ranks of ``group``).

    Tensors come back concatenated along dimension 0; numbers, strings and other picklable objects come back as a
    list with one item per rank. In serial a tensor is returned as it is and anything else as a one-item list.

    >>> import ignite.distributed as idist
    >>> idist.all_gather("hello"), idist.all_gather(3.5)
    (['hello'], [3.5])
    """
    model = _get_model()
    return model.all_gather(tensor, group=_as_group(model, group))


def all_gather_tensors_with_shapes(
    tensor: torch.Tensor, shapes: list[list[int]], group: Any | None = None
) -> list[torch.Tensor]:
    """Gather from every rank a tensor whose shape differs between ranks, when all ranks know all the shapes.

    ``shapes[r]`` is the shape of the tensor of global rank ``r``; the result lists the tensors of all ranks (or of
    the ranks of ``group``, a list of ranks or a group from :func:`new_group`), each with its own shape. Unlike
    :func:`all_gather`, no sizes are exchanged first: one collective of tensors padded to the largest shape.

    >>> import torch, ignite.distributed as idist
    >>> idist.all_gather_tensors_with_shapes(torch.ones(2, 3), [[2, 3]])
    [tensor([[1., 1., 1.],
            [1., 1., 1.]])]
    """
    model = _get_model()
    return model.all_gather_tensors_with_shapes(tensor, shapes, group=_as_group(model, group))


@overload
def broadcast(tensor: torch.Tensor, src: int = 0, safe_mode: bool = False) -> torch.Tensor: ...


@overload
def broadcast(tensor: str, src: int = 0, safe_mode: bool = False) -> str: ...


@overload
def broadcast(tensor: float, src: int = 0, safe_mode: bool = False) -> float: ...


@overload
def broadcast(tensor: None, src: int = 0, safe_mode: bool = False) -> torch.Tensor | float | str: ...


def broadcast(tensor: torch.Tensor | float | str | None, src: int = 0, safe_mode: bool = False) -> Any:
    """Send ``tensor`` (a tensor, number or string) from rank ``src`` to every rank.

    Non-source ranks may pass ``None`` only with ``safe_mode=True``. In serial the input is returned unchanged.

    >>> import ignite.distributed as idist
    >>> idist.broadcast("config", src=0)
    'config'
    """
    return _get_model().broadcast(tensor, src=src, safe_mode=safe_mode)


def new_group(ranks: list[int], **kwargs: Any) -> Any:
    """Create a group of ``ranks`` for the ``group=`` argument of the collectives (in serial: ``ranks`` itself)."""
    return _get_model().new_group(ranks, **kwargs)


def barrier() -> None:
    """Wait until every process reaches this point (nothing to wait for in serial)."""
    _get_model().barrier()


def set_local_rank(index: int) -> None:
    """Tell the distributed models this process's local rank, for launchers that do not export ``LOCAL_RANK``."""
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"Argument index should be a non-negative int, got {index!r}")
    ComputationModel._ext_local_rank = index


def _model_class_for(backend: Any) -> type[ComputationModel]:
    if not isinstance(backend, str):
        raise TypeError(f"Argument backend should be a str or None, got {type(backend).__name__}")
    for model_cls in registered_computation_models:
        if backend in model_cls.available_backends:
            return model_cls
    if backend in _EXTRA_OF_BACKEND and not _EXTRA_OF_BACKEND[backend][1]:
        extra = _EXTRA_OF_BACKEND[backend][0]
        raise ImportError(
            f'Backend {backend!r} needs its package, which is not installed: pip install "ignite-distributed[{extra}]"'
        )
    if backend == "mpi":
        raise ValueError(f"Backend 'mpi' is not available: this torch build has no MPI support; got {backend!r}")
    raise ValueError(f"Argument backend should be one of {available_backends()} or None, got {backend!r}")


def initialize(backend: str | None, **kwargs: Any) -> None:
    """Set up the computation model for ``backend``; ``None`` selects the serial model.

    ``backend`` is one of :func:`available_backends` (``"gloo"``, ``"nccl"``, ``"mpi"``, ``"horovod"``,
    ``"xla-tpu"``). The process layout comes from the launcher's environment (torchrun, srun, mpirun, horovodrun);
    ``kwargs`` go to the backend: ``timeout`` (a ``datetime.timedelta`` bounding every collective) and
    ``init_method`` for the native backends.
    """
    if backend is None:
        _set_model(_SerialModel())
        return
    model_cls = _model_class_for(backend)
    _set_model(model_cls.create_from_backend(backend, **kwargs))


def spawn(
    backend: str,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs_dict: dict[str, Any] | None = None,
    nproc_per_node: int = 1,
    **kwargs: Any,
) -> None:
    """Start ``nproc_per_node`` processes on this node running ``fn(local_rank, *args, **kwargs_dict)``.

    Each process initializes ``backend`` before calling ``fn`` and finalizes it afterwards. ``kwargs`` hold
    ``nnodes``, ``node_rank``, ``master_addr``, ``master_port``, ``init_method``, the options of
    ``torch.multiprocessing.start_processes`` (``start_method``, ``daemon``, ``join``) and backend options such as
    ``timeout``. When any process raises, the others are stopped and the error of the first failing rank is raised
    here, its ``__cause__`` naming that rank and holding its traceback.
    """
    model_cls = _model_class_for(backend)
    spawn_fn = getattr(model_cls, "spawn", None)
    if spawn_fn is None:
        raise ValueError(f"The {model_cls.name!r} computation model cannot spawn processes (backend {backend!r})")
    spawn_fn(fn, args=args, kwargs_dict=kwargs_dict, nproc_per_node=nproc_per_node, backend=backend, **kwargs)


def finalize() -> None:
    """Tear down the current distributed context and go back to the serial model."""
    _get_model().finalize()
    _set_model(_SerialModel())


def one_rank_only(rank: int = 0, with_barrier: bool = False) -> Callable[[_F], _F]:
    """Decorator running the function only on process ``rank`` (others get None), optionally followed by a barrier.

    >>> import ignite.distributed as idist
    >>> @idist.one_rank_only()
    ... def greet():
    ...     return "hi"
    >>> greet()
    'hi'
    """
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
        raise ValueError(f"Argument rank should be a non-negative int, got {rank!r}")
    if not isinstance(with_barrier, bool):
        raise TypeError(f"Argument with_barrier should be a bool, got {type(with_barrier).__name__}")

    def decorator(func: _F) -> _F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = func(*args, **kwargs) if get_rank() == rank else None
            if with_barrier:
                barrier()
            return result

        return cast(_F, wrapper)

    return decorator
