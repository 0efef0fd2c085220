"""Area under the ROC curve and the curve itself, computed in torch on the whole epoch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.metrics._ranking import average_precision, precision_recall_curve, roc_auc, roc_curve
from ignite.metrics.epoch_metric import EpochMetric
from ignite.metrics.metric import _CPU, _identity

__all__ = ["AveragePrecision", "PrecisionRecallCurve", "ROC_AUC", "RocCurve"]


def _float_scores(fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> Callable[[torch.Tensor, torch.Tensor], Any]:
    def compute(y_pred: torch.Tensor, y: torch.Tensor) -> Any:
        if not y_pred.is_floating_point():
            y_pred = y_pred.to(torch.float64)
        if bool(torch.isnan(y_pred).any()):
            raise ValueError("Argument y_pred should not contain NaN")
        return fn(y_pred, y)

    return compute


def _one_dimensional(fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> Callable[[torch.Tensor, torch.Tensor], Any]:
    def compute(y_pred: torch.Tensor, y: torch.Tensor) -> Any:
        if y_pred.ndim != 1 or y.ndim != 1:
            raise ValueError(f"Arguments y_pred and y should have shape (N,) for a curve, got {tuple(y_pred.shape)}")
        return fn(y_pred, y)

    return compute


class _RankingMetric(EpochMetric):
    _fn: Callable[[torch.Tensor, torch.Tensor], Any] = staticmethod(roc_auc)

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            _float_scores(type(self)._fn),
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    def __reduce__(self) -> Any:
        # compute_fn is a closure: rebuild from the class (state is restored from __dict__ minus compute_fn).
        state = {k: v for k, v in self.__dict__.items() if k != "compute_fn"}
        return (_rebuild, (type(self), state))


def _rebuild(cls: type[_RankingMetric], state: dict[str, Any]) -> _RankingMetric:
    metric = cls()
    metric.__dict__.update(state)
    return metric


class ROC_AUC(_RankingMetric):
    """Area under the ROC curve of scores ``y_pred`` ``(N,)`` against 0/1 targets ``y``; ``(N, C)`` inputs give
    the mean over the C columns (multilabel, macro). Computed in torch on the predictions of all ranks.

    >>> import torch
    >>> m = ROC_AUC()
    >>> m.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> m.compute()
    0.75
    """

    _fn = staticmethod(roc_auc)


class AveragePrecision(_RankingMetric):
    """Average precision of scores ``y_pred`` against 0/1 targets ``y`` (``(N, C)``: mean over columns).

    >>> import torch
    >>> m = AveragePrecision()
    >>> m.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> round(m.compute(), 4)
    0.8333
    """

    _fn = staticmethod(average_precision)


class RocCurve(_RankingMetric):
    """``(fpr, tpr, thresholds)`` tensors of the ROC curve of 1-D scores against 0/1 targets (every distinct
    score is a threshold, the first being +inf).
    """

    _fn = staticmethod(_one_dimensional(roc_curve))


class PrecisionRecallCurve(_RankingMetric):
    """``(precision, recall, thresholds)`` tensors of the precision-recall curve of 1-D scores against 0/1
    targets, thresholds increasing, with the final point (precision 1, recall 0).
    """

    _fn = staticmethod(_one_dimensional(precision_recall_curve))
