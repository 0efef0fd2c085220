"""Base of the classification metrics: remembers the input kind and class count seen first and rejects a change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.metrics._inputs import InputKind, check_classification, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["_BaseClassification"]


class _BaseClassification(Metric):
    # Saved with the counts: a restored metric computes in the same form (float for binary input) before updating.
    _state_dict_all_req_keys = ("_type", "_num_classes")

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        is_multilabel: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if not isinstance(is_multilabel, bool):
            raise TypeError(f"Argument is_multilabel should be a bool, got {type(is_multilabel).__name__}")
        self._is_multilabel = is_multilabel
        self._type: InputKind | None = None
        self._num_classes: int | None = None
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        super().reset()
        self._type = None
        self._num_classes = None

    def _check(self, output: Any) -> tuple[torch.Tensor, torch.Tensor, InputKind, int]:
        y_pred, y = check_tensors(output)
        y_pred, y, kind, num_classes = _checked_once(y_pred, y, self._is_multilabel)
        if self._type is None:
            self._type, self._num_classes = kind, num_classes
        elif self._type != kind:
            raise ValueError(f"Input data type has changed: the metric saw {self._type} input before, got {kind} now")
        elif self._num_classes != num_classes:
            raise ValueError(
                f"Input number of classes has changed: the metric saw {self._num_classes} before, got {num_classes}"
            )
        return y_pred, y, kind, num_classes


class _LastBatch:
    """The last batch validated, with its argmax: the metrics fed the same tensors (Precision and Recall of one
    F-beta, a MetricGroup) validate them once. Keyed by tensor identity and in-place version, and holding the
    tensors, so that a key can never match another batch.
    """

    key: tuple[Any, ...] | None = None
    checked: tuple[torch.Tensor, torch.Tensor, InputKind, int] | None = None
    argmax: torch.Tensor | None = None
    counts: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None


def _key(y_pred: torch.Tensor, y: torch.Tensor, is_multilabel: bool) -> tuple[Any, ...]:
    return (y_pred, y, y_pred._version, y._version, is_multilabel)


def _same(a: tuple[Any, ...] | None, b: tuple[Any, ...]) -> bool:
    return a is not None and a[0] is b[0] and a[1] is b[1] and a[2:] == b[2:]


def _checked_once(
    y_pred: torch.Tensor, y: torch.Tensor, is_multilabel: bool
) -> tuple[torch.Tensor, torch.Tensor, InputKind, int]:
    key = _key(y_pred, y, is_multilabel)
    if _same(_LastBatch.key, key) and _LastBatch.checked is not None:
        return _LastBatch.checked
    checked = check_classification(y_pred, y, is_multilabel)
    _LastBatch.key, _LastBatch.checked, _LastBatch.argmax, _LastBatch.counts = key, checked, None, None
    return checked


def class_argmax(y_pred: torch.Tensor) -> torch.Tensor:
    """``y_pred.argmax(dim=1)``, computed once for the last validated batch."""
    checked = _LastBatch.checked
    if checked is not None and checked[0] is y_pred:
        if _LastBatch.argmax is None:
            _LastBatch.argmax = y_pred.argmax(dim=1)
        return _LastBatch.argmax
    return y_pred.argmax(dim=1)


def class_counts(
    y_pred: torch.Tensor, y: torch.Tensor, num_classes: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-class ``(true positives, predicted, actual)`` int64 counts of multiclass scores and labels, computed
    once for the last validated batch.
    """
    checked = _LastBatch.checked
    cached = checked is not None and checked[0] is y_pred and checked[1] is y
    if cached and _LastBatch.counts is not None:
        return _LastBatch.counts
    predicted = class_argmax(y_pred).reshape(-1)
    target = y.reshape(-1)
    counts = (
        torch.bincount(target[predicted == target], minlength=num_classes),
        torch.bincount(predicted, minlength=num_classes),
        torch.bincount(target, minlength=num_classes),
    )
    if cached:
        _LastBatch.counts = counts
    return counts


def flatten_classes(t: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(B, C, ...)`` -> ``(N, C)`` with the class dimension last."""
    return t.movedim(1, -1).reshape(-1, num_classes)


def predicted_one_hot(
    y_pred: torch.Tensor, y: torch.Tensor, kind: InputKind, num_classes: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """0/1 matrices ``(N, C)`` of predicted and true classes (binary input gives ``(N, 1)``)."""
    if kind == "multiclass":
        pred = torch.nn.functional.one_hot(class_argmax(y_pred).reshape(-1), num_classes)
        true = torch.nn.functional.one_hot(y.reshape(-1), num_classes)
        return pred, true
    if kind == "multilabel":
        return flatten_classes(y_pred, num_classes).long(), flatten_classes(y, num_classes)
    return y_pred.reshape(-1, 1).long(), y.reshape(-1, 1)
