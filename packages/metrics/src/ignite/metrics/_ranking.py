"""Score-ranking maths in torch (what Ignite delegates to scikit-learn): ROC and precision-recall curves, their
areas, and tie-averaged ranks. Inputs are 1-D ``scores`` and 0/1 ``targets``; 2-D inputs are one column per label.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = [
    "average_precision",
    "average_ranks",
    "precision_recall_curve",
    "roc_auc",
    "roc_curve",
]


def _check_binary_targets(targets: torch.Tensor) -> torch.Tensor:
    if targets.numel() and not bool(((targets == 0) | (targets == 1)).all()):
        raise ValueError("Argument y should hold 0/1 targets for ranking metrics, got other values")
    return targets.to(torch.float64)


def _binary_counts(scores: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Cumulated true and false positives at each distinct score threshold, thresholds in decreasing order."""
    order = torch.argsort(scores, descending=True, stable=True)
    sorted_scores = scores[order].to(torch.float64)
    sorted_targets = _check_binary_targets(targets)[order]
    # The last position of each run of equal scores closes one threshold.
    last_of_run = torch.ones_like(sorted_scores, dtype=torch.bool)
    last_of_run[:-1] = sorted_scores[1:] != sorted_scores[:-1]
    idx = torch.nonzero(last_of_run).reshape(-1)
    tps = torch.cumsum(sorted_targets, 0)[idx]
    fps = (idx + 1).to(torch.float64) - tps
    return tps, fps, sorted_scores[idx]


def roc_curve(scores: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(fpr, tpr, thresholds)`` at every distinct score, starting from the point (0, 0) at threshold +inf.

    >>> import torch
    >>> fpr, tpr, thr = roc_curve(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    tps, fps, thresholds = _binary_counts(scores, targets)
    zero = torch.zeros(1, dtype=torch.float64)
    tps, fps = torch.cat([zero, tps]), torch.cat([zero, fps])
    thresholds = torch.cat([torch.tensor([float("inf")], dtype=torch.float64), thresholds])
    fpr = fps / fps[-1] if fps[-1] > 0 else torch.full_like(fps, float("nan"))
    tpr = tps / tps[-1] if tps[-1] > 0 else torch.full_like(tps, float("nan"))
    return fpr, tpr, thresholds


def average_ranks(values: torch.Tensor) -> torch.Tensor:
    """1-based ranks of ``values`` along dimension 0, ties sharing the mean of their ranks (float64)."""
    sorted_values, order = torch.sort(values, stable=True)
    _, inverse, counts = torch.unique_consecutive(sorted_values, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).to(torch.float64)
    mean_rank = ends - (counts.to(torch.float64) - 1.0) / 2.0
    ranks = torch.empty(values.shape[0], dtype=torch.float64, device=values.device)
    ranks[order] = mean_rank[inverse]
    return ranks


def _per_column(
    scores: torch.Tensor, targets: torch.Tensor, fn: Callable[[torch.Tensor, torch.Tensor], float]
) -> float:
    if scores.shape != targets.shape:
        raise ValueError(
            f"Arguments y_pred and y should have the same shape, got {tuple(scores.shape)} and {tuple(targets.shape)}"
        )
    if scores.ndim == 1:
        return fn(scores, targets)
    if scores.ndim != 2:
        raise ValueError(f"Arguments y_pred and y should have shape (N,) or (N, C), got {tuple(scores.shape)}")
    values = [fn(scores[:, c], targets[:, c]) for c in range(scores.shape[1])]
    return sum(values) / len(values)


def _binary_roc_auc(scores: torch.Tensor, targets: torch.Tensor) -> float:
    targets = _check_binary_targets(targets)
    n_pos = float(targets.sum())
    n_neg = targets.numel() - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("Argument y should hold both classes for ROC AUC, got only one class")
    rank_sum = float((average_ranks(scores.to(torch.float64)) * targets).sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def roc_auc(scores: torch.Tensor, targets: torch.Tensor) -> float:
    """Area under the ROC curve (Mann-Whitney statistic, ties counted half); 2-D inputs: mean over columns.

    >>> import torch
    >>> roc_auc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
    0.75
    """
    return _per_column(scores, targets, _binary_roc_auc)


def precision_recall_curve(
    scores: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(precision, recall, thresholds)`` with thresholds increasing and the final point (1, 0) appended.

    >>> import torch
    >>> p, r, t = precision_recall_curve(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
    >>> [round(v, 4) for v in p.tolist()], r.tolist()
    ([0.5, 0.6667, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0])
    """
    tps, fps, thresholds = _binary_counts(scores, targets)
    predicted = tps + fps
    precision = torch.where(predicted > 0, tps / predicted.clamp(min=1.0), torch.zeros_like(tps))
    recall = tps / tps[-1] if tps[-1] > 0 else torch.ones_like(tps)
    one, zero = torch.ones(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    return torch.cat([precision.flip(0), one]), torch.cat([recall.flip(0), zero]), thresholds.flip(0)


def _binary_average_precision(scores: torch.Tensor, targets: torch.Tensor) -> float:
    precision, recall, _ = precision_recall_curve(scores, targets)
    return float(-(torch.diff(recall) * precision[:-1]).sum())


def average_precision(scores: torch.Tensor, targets: torch.Tensor) -> float:
    """Average precision: precision at each threshold weighted by the recall gained there; 2-D: mean over columns.

    >>> import torch
    >>> round(average_precision(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])), 4)
    0.8333
    """
    return _per_column(scores, targets, _binary_average_precision)
