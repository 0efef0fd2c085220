"""Shared input checks of the classification metrics: kind of input (binary, multiclass, multilabel), shapes,
label ranges and NaN, with errors that name the argument, what was expected and what was received.
"""

from __future__ import annotations

from typing import Any, Literal

import torch

__all__ = ["InputKind", "check_classification", "check_same_shape", "check_not_nan", "as_float"]

InputKind = Literal["binary", "multiclass", "multilabel"]


def _shape(t: torch.Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def check_tensors(output: Any, names: tuple[str, str] = ("y_pred", "y")) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(output, (tuple, list)) or len(output) != 2:
        raise TypeError(f"Argument output should be a pair ({names[0]}, {names[1]}), got {type(output).__name__}")
    first, second = output
    for name, value in zip(names, (first, second), strict=True):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"Argument {name} should be a torch.Tensor, got {type(value).__name__}")
    return first, second


def check_not_nan(name: str, tensor: torch.Tensor) -> None:
    # One reduction on the fast path: a sum is NaN if any element is NaN (or +inf meets -inf: then look closer).
    if tensor.is_floating_point() and bool(torch.isnan(tensor.sum())) and bool(torch.isnan(tensor).any()):
        raise ValueError(f"Argument {name} should not contain NaN, got a tensor of shape {_shape(tensor)} with NaN")


def check_same_shape(y_pred: torch.Tensor, y: torch.Tensor) -> None:
    if y_pred.shape != y.shape:
        raise ValueError(f"Arguments y_pred and y should have the same shape, got {_shape(y_pred)} and {_shape(y)}")


def as_float(t: torch.Tensor) -> torch.Tensor:
    return t if t.is_floating_point() else t.to(torch.float32)


def _check_binary_values(name: str, t: torch.Tensor) -> None:
    if t.numel() and not bool(((t == 0) | (t == 1)).all()):
        raise ValueError(f"Argument {name} should only contain 0s and 1s for binary/multilabel input, got other values")


def _check_labels(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    if y.is_floating_point():
        if bool((y != y.round()).any()):
            raise ValueError("Argument y should hold integer class indices, got non-integer floating point values")
    elif y.dtype == torch.bool or y.is_complex():
        raise TypeError(f"Argument y should be an integer tensor of class indices, got dtype {y.dtype}")
    if y.numel():
        low, high = (int(v) for v in torch.aminmax(y))
        if low < 0 or high >= num_classes:
            raise ValueError(
                f"Argument y should hold class indices in [0, {num_classes - 1}] (num_classes={num_classes}), "
                f"got values in [{low}, {high}]"
            )
    return y.long()


def check_classification(
    y_pred: torch.Tensor, y: torch.Tensor, is_multilabel: bool = False
) -> tuple[torch.Tensor, torch.Tensor, InputKind, int]:
    """Validate one batch and return ``(y_pred, y, kind, num_classes)`` with ``y`` as int64 labels.

    Conventions (Ignite's): binary -- ``y_pred`` and ``y`` of shape ``(B, ...)`` with 0/1 values; multiclass --
    ``y_pred`` of shape ``(B, C, ...)`` (scores) and ``y`` of shape ``(B, ...)`` (indices in ``[0, C)``);
    multilabel (``is_multilabel=True``) -- both ``(B, C, ...)`` with 0/1 values. A dimension 1 of size 1 is squeezed.
    """
    if not is_multilabel:
        if y.ndim > 1 and y.shape[1] == 1:
            y = y.squeeze(1)
        if y_pred.ndim > 1 and y_pred.shape[1] == 1:
            y_pred = y_pred.squeeze(1)
    if y_pred.ndim not in (y.ndim, y.ndim + 1) or y.ndim < 1:
        raise ValueError(
            "Arguments y_pred and y should have shapes (B, C, ...) and (B, ...) or the same shape (B, ...), "
            f"got {_shape(y_pred)} and {_shape(y)}"
        )
    check_not_nan("y_pred", y_pred)
    if y_pred.ndim == y.ndim + 1:
        if is_multilabel:
            raise ValueError(
                f"Arguments y_pred and y should have the same shape (B, C, ...) for multilabel input, "
                f"got {_shape(y_pred)} and {_shape(y)}"
            )
        expected = (y_pred.shape[0], *y_pred.shape[2:])
        if _shape(y) != expected:
            raise ValueError(
                f"Argument y should have shape {expected} for y_pred of shape {_shape(y_pred)}, got {_shape(y)}"
            )
        num_classes = y_pred.shape[1]
        return y_pred, _check_labels(y, num_classes), "multiclass", num_classes
    check_same_shape(y_pred, y)
    _check_binary_values("y", y)
    _check_binary_values("y_pred", y_pred)
    if is_multilabel:
        if y.ndim < 2 or y.shape[1] < 2:
            raise ValueError(
                f"Argument y should have shape (B, C, ...) with C > 1 for multilabel input, got {_shape(y)}"
            )
        return y_pred, y.long(), "multilabel", y.shape[1]
    return y_pred, y.long(), "binary", 1
