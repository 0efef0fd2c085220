"""The serial computation model: one process, no process group; every collective is the identity."""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from ignite.distributed.comp_models.base import ComputationModel

__all__ = ["_SerialModel"]


class _SerialModel(ComputationModel):
    """Computation model of a single process without any distributed context.

    Collectives validate their arguments like the distributed models do, then return their input: with one
    process there is nothing to exchange, so no conversion to tensors happens either.
    """

    name: ClassVar[str] = "serial"
    available_backends: ClassVar[tuple[str, ...]] = ()

    def __init__(self, _backend: str | None = None, **kwargs: Any) -> None:
        if _backend is not None:
            raise ValueError(f"The serial computation model takes no backend, got {_backend!r}")

    def get_local_rank(self) -> int:
        return 0

    def get_rank(self) -> int:
        return 0

    def get_world_size(self) -> int:
        return 1

    def get_nproc_per_node(self) -> int:
        return 1

    def get_nnodes(self) -> int:
        return 1

    def get_node_rank(self) -> int:
        return 0

    def device(self) -> torch.device:
        # As in Ignite: the current CUDA device when there is one, without an explicit index.
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("cpu")

    def backend(self) -> str | None:
        return None

    def finalize(self) -> None:
        pass

    def barrier(self) -> None:
        pass

    @staticmethod
    def create_from_context() -> _SerialModel:
        return _SerialModel()

    @staticmethod
    def create_from_backend(backend: str | None = None, **kwargs: Any) -> _SerialModel:
        return _SerialModel(backend, **kwargs)

    @staticmethod
    def spawn(*args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("The serial computation model cannot spawn processes; pick a distributed backend")

    def all_reduce(
        self, tensor: torch.Tensor | float, op: str = "SUM", group: Any | None = None
    ) -> torch.Tensor | float:
        self._check_all_reduce_args(tensor, op, group)
        return tensor

    def all_gather(self, tensor: Any, group: Any | None = None) -> torch.Tensor | list[Any]:
        self._check_group(group)
        if isinstance(tensor, torch.Tensor):
            return tensor
        return [tensor]

    def broadcast(self, tensor: torch.Tensor | float | str | None, src: int = 0, safe_mode: bool = False) -> Any:
        self._check_broadcast_args(tensor, src, safe_mode)
        return tensor

    def _group_ranks(self, group: Any | None) -> list[int] | None:
        return [0]

    def new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        # Ignite accepts any ranks here so that code written for N processes also runs in one.
        self._check_ranks(ranks)
        return ranks

    def _is_group(self, group: Any) -> bool:
        return isinstance(group, list) and all(isinstance(r, int) and not isinstance(r, bool) for r in group)

    # Never reached: the public collectives above short-circuit. Kept to satisfy the interface.
    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any | None) -> torch.Tensor:
        return tensor

    def _do_all_gather(self, tensor: torch.Tensor, group: Any | None) -> torch.Tensor:
        return tensor

    def _do_all_gather_object(self, obj: Any, group: Any | None) -> list[Any]:
        return [obj]

    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor:
        return tensor

    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        return ranks
