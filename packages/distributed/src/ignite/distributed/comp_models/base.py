"""The interface every computation model implements, and the collective logic shared by all of them.

A computation model (serial, native torch.distributed, Horovod, XLA) only provides rank/size/device queries and raw
collectives on tensors (the ``_do_*`` methods). What Ignite layers on top -- accepting Python numbers, strings and
arbitrary objects, converting them to tensors and back, validating ``op``/``group``/``src`` -- is written once here.
"""

from __future__ import annotations

import pickle
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch

__all__ = ["ComputationModel"]

_REDUCE_OPS = ("SUM", "PRODUCT", "MIN", "MAX", "AND", "OR")

# The header that announces a broadcast payload to ranks that do not hold it: [kind, dtype code, ndim].
_KIND_TENSOR, _KIND_NUMBER, _KIND_STR = 0, 1, 2
_DTYPES = (
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


class ComputationModel(ABC):
    """A way of running the same program on one or several processes (see :mod:`ignite.distributed`).

    Subclasses set ``name`` and ``available_backends`` and implement the abstract queries and ``_do_*``
    collectives; the public collectives ``all_reduce``, ``all_gather``, ``broadcast`` and ``new_group`` are
    inherited. ``_do_all_gather`` receives tensors with at least one dimension, whose size along dimension 0 may
    differ between ranks, and returns the pieces of all ranks concatenated along dimension 0, in rank order.
    ``_do_all_gather_same`` does the same for tensors known to have one shape on every rank (numbers, 0-d tensors):
    backends that must exchange sizes first override it with a single collective.
    """

    name: ClassVar[str]
    available_backends: ClassVar[tuple[str, ...]]
    # Precision used to carry Python floats through collectives; backends without float64 lower it.
    _float_dtype: ClassVar[torch.dtype] = torch.float64
    # Local rank given by idist.set_local_rank() for launchers that do not export LOCAL_RANK.
    _ext_local_rank: ClassVar[int | None] = None

    # ---- queries -----------------------------------------------------------------------------------------------
    @abstractmethod
    def get_local_rank(self) -> int: ...

    @abstractmethod
    def get_rank(self) -> int: ...

    @abstractmethod
    def get_world_size(self) -> int: ...

    @abstractmethod
    def get_nproc_per_node(self) -> int: ...

    @abstractmethod
    def get_nnodes(self) -> int: ...

    @abstractmethod
    def get_node_rank(self) -> int: ...

    @abstractmethod
    def device(self) -> torch.device: ...

    @abstractmethod
    def backend(self) -> str | None: ...

    @abstractmethod
    def finalize(self) -> None: ...

    @abstractmethod
    def barrier(self) -> None: ...

    @staticmethod
    @abstractmethod
    def create_from_context() -> ComputationModel | None:
        """Return a model wrapping an already initialized context of this kind, or None when there is none."""

    @staticmethod
    @abstractmethod
    def create_from_backend(backend: str | None = None, **kwargs: Any) -> ComputationModel:
        """Initialize the context for ``backend`` and return a model wrapping it."""

    # ---- raw collectives on tensors ----------------------------------------------------------------------------
    @abstractmethod
    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any | None) -> torch.Tensor: ...

    @abstractmethod
    def _do_all_gather(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor: ...

    def _do_all_gather_same(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor:
        return self._do_all_gather(tensor, group)

    @abstractmethod
    def _do_all_gather_object(self, obj: Any, group: Any | None) -> list[Any]: ...

    @abstractmethod
    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor: ...

    @abstractmethod
    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> Any: ...

    @abstractmethod
    def _is_group(self, group: Any) -> bool:
        """Whether ``group`` is a group object of this model (as returned by ``new_group``)."""

    def _group_ranks(self, group: Any | None) -> list[int] | None:
        """Global ranks of ``group`` in group order, or None when this process is not one of them."""
        if group is None:
            return list(range(self.get_world_size()))
        raise NotImplementedError(f"The {self.name!r} model cannot list the ranks of a group")

    # ---- shared validation -------------------------------------------------------------------------------------
    def _check_group(self, group: Any) -> None:
        if group is not None and not self._is_group(group):
            raise ValueError(
                f"Argument group should be None, a list of int ranks or a group returned by idist.new_group() "
                f"for the {self.name!r} model, got {group!r}"
            )

    def _check_all_reduce_args(self, tensor: Any, op: Any, group: Any) -> None:
        if not isinstance(tensor, (torch.Tensor, int, float)):
            raise TypeError(f"Argument tensor should be a torch.Tensor, an int or a float, got {type(tensor).__name__}")
        if not isinstance(op, str) or op not in _REDUCE_OPS:
            raise ValueError(f"Argument op should be one of {_REDUCE_OPS}, got {op!r}")
        self._check_group(group)

    def _check_broadcast_args(self, tensor: Any, src: Any, safe_mode: Any) -> None:
        if tensor is not None and not isinstance(tensor, (torch.Tensor, int, float, str)):
            raise TypeError(
                f"Argument tensor should be a torch.Tensor, an int, a float, a str or None, got {type(tensor).__name__}"
            )
        if not isinstance(safe_mode, bool):
            raise TypeError(f"Argument safe_mode should be a bool, got {type(safe_mode).__name__}")
        world_size = self.get_world_size()
        if isinstance(src, bool) or not isinstance(src, int) or not 0 <= src < world_size:
            raise ValueError(
                f"Argument src should be a rank in [0, {world_size - 1}] (world size {world_size}), got {src!r}"
            )
        if tensor is None:
            if self.get_rank() == src:
                raise ValueError(f"Argument tensor should not be None on the source rank (src={src})")
            if not safe_mode:
                raise ValueError("Argument safe_mode should be True when tensor is None on a non-source rank")

    @staticmethod
    def _check_ranks(ranks: Any) -> None:
        if not isinstance(ranks, list) or not all(isinstance(r, int) and not isinstance(r, bool) for r in ranks):
            raise ValueError(f"Argument ranks should be a list of int, got {ranks!r}")
        if any(r < 0 for r in ranks):
            raise ValueError(f"Argument ranks should hold non-negative ranks, got {ranks}")

    # ---- public collectives ------------------------------------------------------------------------------------
    def all_reduce(
        self, tensor: torch.Tensor | float, op: str = "SUM", group: Any | None = None
    ) -> torch.Tensor | float:
        """Reduce ``tensor`` (a tensor or a Python number) over all ranks of ``group`` with ``op``."""
        self._check_all_reduce_args(tensor, op, group)
        if isinstance(tensor, torch.Tensor):
            return self._do_all_reduce(tensor, op, group)
        reduced: float = self._do_all_reduce(self._number_to_tensor(tensor), op, group).item()
        return reduced

    def all_gather(self, tensor: Any, group: Any | None = None) -> torch.Tensor | list[Any]:
        """Gather ``tensor`` from all ranks of ``group``.

        Tensors are concatenated along dimension 0 (a 0-d tensor counts as one element); numbers and strings give a
        list with one item per rank; other objects are pickled and give a list as well.
        """
        self._check_group(group)
        if isinstance(tensor, torch.Tensor):
            if tensor.ndim == 0:
                return self._do_all_gather_same(tensor.unsqueeze(0), group)
            return self._do_all_gather(tensor, group)
        if isinstance(tensor, (int, float)):
            gathered: list[Any] = self._do_all_gather_same(self._number_to_tensor(tensor).unsqueeze(0), group).tolist()
            return gathered
        if isinstance(tensor, str):
            return self._all_gather_str(tensor, group)
        return self._do_all_gather_object(tensor, group)

    def broadcast(self, tensor: torch.Tensor | float | str | None, src: int = 0, safe_mode: bool = False) -> Any:
        """Send ``tensor`` from rank ``src`` to every rank.

        Without ``safe_mode`` every rank passes a value of the source's type and shape. With ``safe_mode=True``
        non-source ranks may pass ``None``: the source first announces the type, dtype and shape of its value.
        """
        self._check_broadcast_args(tensor, src, safe_mode)
        if not safe_mode and isinstance(tensor, torch.Tensor):
            return self._do_broadcast(tensor, src)
        if not safe_mode and isinstance(tensor, (int, float)):
            return self._do_broadcast(self._number_to_tensor(tensor), src).item()
        return self._broadcast_described(tensor, src)

    def all_gather_tensors_with_shapes(
        self, tensor: torch.Tensor, shapes: list[list[int]], group: Any | None = None
    ) -> list[torch.Tensor]:
        """Gather tensors whose shapes differ between ranks and are known to every rank: one collective, no sizes
        exchanged. ``shapes[r]`` is the shape of global rank ``r``'s tensor; with ``group`` the result holds the
        tensors of the group's ranks, in group order (a rank outside the group gets ``[tensor]``).
        """
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"Argument tensor should be a torch.Tensor, got {type(tensor).__name__}")
        self._check_group(group)
        world_size = self.get_world_size()
        if (
            not isinstance(shapes, (list, tuple))
            or len(shapes) != world_size
            or not all(isinstance(s, (list, tuple, torch.Size)) and len(s) == tensor.ndim for s in shapes)
        ):
            raise ValueError(
                f"Argument shapes should hold one shape of {tensor.ndim} dimensions per rank ({world_size} ranks), "
                f"got {shapes!r}"
            )
        if list(shapes[self.get_rank()]) != list(tensor.shape):
            raise ValueError(
                f"Argument shapes gives rank {self.get_rank()} the shape {list(shapes[self.get_rank()])}, but its "
                f"tensor has shape {list(tensor.shape)}"
            )
        ranks = self._group_ranks(group)
        if ranks is None:
            return [tensor]
        largest = [max([int(shapes[r][d]) for r in ranks] or [0]) for d in range(tensor.ndim)]
        padded = tensor.new_zeros(largest)
        padded[tuple(slice(0, n) for n in tensor.shape)] = tensor
        gathered = self._do_all_gather_same(padded.unsqueeze(0), group)
        return [gathered[i][tuple(slice(0, int(n)) for n in shapes[r])] for i, r in enumerate(ranks)]

    def new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        """Create a group of the given ranks, usable as ``group=`` of the collectives."""
        self._check_ranks(ranks)
        world_size = self.get_world_size()
        if any(r >= world_size for r in ranks):
            raise ValueError(f"Argument ranks should hold ranks in [0, {world_size - 1}], got {ranks}")
        return self._do_new_group(ranks, **kwargs)

    # ---- conversions -------------------------------------------------------------------------------------------
    def _number_to_tensor(self, value: float) -> torch.Tensor:
        if isinstance(value, bool):
            dtype = torch.bool
        elif isinstance(value, int):
            dtype = torch.int64
        else:
            dtype = self._float_dtype
        return torch.tensor(value, dtype=dtype, device=self.device())

    def _encode_str(self, text: str, size: int) -> torch.Tensor:
        data = text.encode("utf-8")
        # One spare byte keeps the buffer non-empty for the empty string.
        buffer = torch.zeros(size + 1, dtype=torch.uint8)
        if data:
            buffer[: len(data)] = torch.frombuffer(bytearray(data), dtype=torch.uint8)
        return buffer.to(self.device())

    @staticmethod
    def _decode_str(buffer: torch.Tensor, length: int) -> str:
        return bytes(buffer[:length].cpu().tolist()).decode("utf-8")

    def _all_gather_str(self, text: str, group: Any | None) -> list[str]:
        length = len(text.encode("utf-8"))
        lengths_tensor = torch.tensor([length], dtype=torch.int64, device=self.device())
        lengths = self._do_all_gather_same(lengths_tensor, group).tolist()
        rows = self._do_all_gather_same(self._encode_str(text, max(lengths)).unsqueeze(0), group)
        return [self._decode_str(row, n) for row, n in zip(rows, lengths, strict=True)]

    def _all_gather_pickled(self, obj: Any, group: Any | None) -> list[Any]:
        # Pickled bytes travel as uint8 tensors padded to the longest; unlike torch's all_gather_object this needs
        # no numpy, which ignite-distributed does not depend on.
        data = pickle.dumps(obj)
        device = self.device()
        sizes = self._do_all_gather_same(torch.tensor([len(data)], dtype=torch.int64, device=device), group).tolist()
        buffer = torch.zeros(max(sizes), dtype=torch.uint8)
        buffer[: len(data)] = torch.frombuffer(bytearray(data), dtype=torch.uint8)
        rows = self._do_all_gather_same(buffer.to(device).unsqueeze(0), group).cpu()
        return [pickle.loads(bytes(row[:size].tolist())) for row, size in zip(rows, sizes, strict=True)]

    def _broadcast_described(self, value: torch.Tensor | float | str | None, src: int) -> Any:
        device = self.device()
        payload: torch.Tensor | None = None
        header = torch.zeros(3, dtype=torch.int64, device=device)
        if self.get_rank() == src:
            if isinstance(value, str):
                kind, payload = _KIND_STR, self._encode_str(value, len(value.encode("utf-8")))
            elif isinstance(value, torch.Tensor):
                kind, payload = _KIND_TENSOR, value
            else:
                kind, payload = _KIND_NUMBER, self._number_to_tensor(value)  # type: ignore[arg-type]
            if payload.dtype not in _DTYPES:
                raise TypeError(f"Argument tensor has dtype {payload.dtype}, which cannot be broadcast in safe mode")
            header = torch.tensor([kind, _DTYPES.index(payload.dtype), payload.ndim], dtype=torch.int64, device=device)
        kind, dtype_code, ndim = self._do_broadcast(header, src).tolist()
        shape_buffer = torch.zeros(ndim, dtype=torch.int64, device=device)
        if payload is not None:
            shape_buffer = torch.tensor(payload.shape, dtype=torch.int64, device=device)
        shape = self._do_broadcast(shape_buffer, src).tolist() if ndim > 0 else []
        if payload is None:
            payload = torch.empty(shape, dtype=_DTYPES[dtype_code], device=device)
        result = self._do_broadcast(payload, src)
        if kind == _KIND_STR:
            return self._decode_str(result, shape[0] - 1)
        if kind == _KIND_NUMBER:
            return result.item()
        return result
