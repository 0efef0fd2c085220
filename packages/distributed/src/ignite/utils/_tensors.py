"""Helpers that walk nested batches (sequences, namedtuples, mappings) and transform the tensors inside."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import torch

__all__ = ["apply_to_tensor", "apply_to_type", "convert_tensor", "to_onehot"]

_T = TypeVar("_T")


def convert_tensor(x: _T, device: str | torch.device | None = None, non_blocking: bool = False) -> _T:
    """Move every tensor found in ``x`` to ``device``; containers keep their type.

    With ``device=None`` tensors are returned unchanged. Objects that are neither tensors nor containers of
    tensors are returned as they are.

    >>> import torch
    >>> batch = {"x": torch.zeros(2), "y": [torch.ones(1), "label"]}
    >>> moved = convert_tensor(batch, device="cpu")
    >>> moved["y"][1], moved["x"].device.type
    ('label', 'cpu')
    """
    if device is not None and not isinstance(device, (str, torch.device)):
        raise TypeError(f"Argument device should be a str, a torch.device or None, got {type(device).__name__}")
    if not isinstance(non_blocking, bool):
        raise TypeError(f"Argument non_blocking should be a bool, got {type(non_blocking).__name__}")

    def _move(tensor: torch.Tensor) -> torch.Tensor:
        if device is None:
            return tensor
        return tensor.to(device=device, non_blocking=non_blocking)

    result: _T = apply_to_tensor(x, _move)
    return result


def apply_to_tensor(x: Any, func: Callable[[torch.Tensor], Any]) -> Any:
    """Apply ``func`` to every tensor found in ``x`` (see :func:`apply_to_type`).

    >>> import torch
    >>> apply_to_tensor((torch.tensor(1), torch.tensor(2)), lambda t: t * 10)
    (tensor(10), tensor(20))
    """
    return apply_to_type(x, torch.Tensor, func)


def apply_to_type(x: Any, input_type: type | tuple[type, ...], func: Callable[[Any], Any]) -> Any:
    """Apply ``func`` to every object of type ``input_type`` found in ``x``.

    Lists, tuples, namedtuples, other sequences and mappings are walked recursively and rebuilt with their own
    type; strings and bytes are leaves; any other object is returned untouched.

    >>> apply_to_type({"a": [1, 2.5], "b": "text"}, int, lambda v: v + 1)
    {'a': [2, 2.5], 'b': 'text'}
    """
    if not callable(func):
        raise TypeError(f"Argument func should be callable, got {type(func).__name__}")
    return _walk(x, input_type, func)


def _walk(x: Any, input_type: type | tuple[type, ...], func: Callable[[Any], Any]) -> Any:
    if isinstance(x, input_type):
        return func(x)
    if isinstance(x, (str, bytes, bytearray)):
        return x
    if isinstance(x, Mapping):
        items = {key: _walk(value, input_type, func) for key, value in x.items()}
        if isinstance(x, defaultdict):
            return type(x)(x.default_factory, items)
        return cast(Any, type(x))(items)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        # namedtuples take their fields positionally, not as one iterable
        return type(x)(*(_walk(item, input_type, func) for item in x))
    if isinstance(x, Sequence):
        return cast(Any, type(x))([_walk(item, input_type, func) for item in x])
    return x


def to_onehot(indices: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Convert a tensor of class indices of shape ``(N, ...)`` to a one-hot ``uint8`` tensor ``(N, num_classes, ...)``.

    >>> import torch
    >>> to_onehot(torch.tensor([0, 2]), num_classes=3)
    tensor([[1, 0, 0],
            [0, 0, 1]], dtype=torch.uint8)
    """
    if not isinstance(indices, torch.Tensor):
        raise TypeError(f"Argument indices should be a torch.Tensor, got {type(indices).__name__}")
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype == torch.bool:
        raise TypeError(f"Argument indices should hold integer class indices, got dtype {indices.dtype}")
    if indices.ndim < 1:
        raise ValueError(
            f"Argument indices should have at least 1 dimension (N, ...), got shape {tuple(indices.shape)}"
        )
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise TypeError(f"Argument num_classes should be an int, got {type(num_classes).__name__}")
    if num_classes < 1:
        raise ValueError(f"Argument num_classes should be a positive int, got {num_classes}")
    if indices.numel() > 0:
        low, high = torch.aminmax(indices)
        if low.item() < 0 or high.item() >= num_classes:
            raise ValueError(
                f"Argument indices should hold values in [0, {num_classes - 1}] (num_classes={num_classes}), "
                f"got values in [{low.item()}, {high.item()}]"
            )
    shape = (indices.shape[0], num_classes, *indices.shape[1:])
    onehot = torch.zeros(shape, dtype=torch.uint8, device=indices.device)
    return onehot.scatter_(1, indices.unsqueeze(1).long(), 1)
