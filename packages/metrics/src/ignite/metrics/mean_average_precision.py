"""Mean average precision of classification scores (binary, multiclass or multilabel), computed in torch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import _check_labels, check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["MeanAveragePrecision"]

ClassMean = Literal["micro", "macro", "weighted"] | None
_CLASS_MEANS = ("micro", "macro", "weighted", None)
# Input kinds, stored as a "max"-reduced code so that a rank that saw no batch still learns them when syncing.
_KINDS = ("binary", "multiclass", "multilabel")


def float_dtype(device: torch.device) -> torch.dtype:
    """float64 for the accumulated scores, except on MPS which has no float64."""
    return torch.float32 if device.type == "mps" else torch.float64


def check_thresholds(
    values: Sequence[float] | torch.Tensor, name: str, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    """Validate a 1-D sequence or tensor of thresholds in [0, 1] and return it sorted."""
    if isinstance(values, torch.Tensor):
        tensor = values.detach().to(torch.float64)
    elif isinstance(values, Sequence) and not isinstance(values, str):
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise TypeError(f"Argument {name} should be a sequence of floats or a 1-D tensor, got {list(values)!r}")
        tensor = torch.tensor([float(v) for v in values], dtype=torch.float64)
    else:
        raise TypeError(f"Argument {name} should be a sequence of floats or a 1-D tensor, got {type(values).__name__}")
    if tensor.ndim != 1 or tensor.numel() == 0:
        raise ValueError(f"Argument {name} should be a non-empty 1-D sequence, got shape {tuple(tensor.shape)}")
    if bool(torch.isnan(tensor).any()) or float(tensor.min()) < 0.0 or float(tensor.max()) > 1.0:
        raise ValueError(f"Argument {name} should hold values in [0, 1], got {tensor.tolist()}")
    return tensor.sort().values.to(device, dtype)


def _run_ends(sorted_scores: torch.Tensor) -> torch.Tensor | None:
    """For rows of scores sorted in decreasing order, the index of the last element of each element's run of equal
    scores (a threshold at that score accepts the whole run); None when no row has equal scores.
    """
    n = sorted_scores.shape[-1]
    last = torch.ones_like(sorted_scores, dtype=torch.bool)
    last[:, :-1] = sorted_scores[:, 1:] != sorted_scores[:, :-1]
    if bool(last.all()):
        return None
    positions = torch.arange(n, device=sorted_scores.device).expand_as(sorted_scores)
    marked = torch.where(last, positions, n)
    return marked.flip(-1).cummin(-1).values.flip(-1)


def average_precision_per_column(
    scores: torch.Tensor, targets: torch.Tensor, rec_thresholds: torch.Tensor | None = None
) -> torch.Tensor:
    """Average precision of each column of ``scores`` ``(N, K)`` against 0/1 ``targets`` ``(N, K)``.

    Every distinct score is a threshold. Without ``rec_thresholds`` the AP is ``sum_k (R_k - R_{k-1}) P_k`` over
    the thresholds (as ``sklearn.metrics.average_precision_score``). With them, ``P`` at recall level ``r`` is the
    precision of the first threshold whose recall reaches ``r`` (0 if none does), summed with weights
    ``r_k - r_{k-1}`` (``r_0 = 0``). A column without positive target scores 0.
    """
    dtype = scores.dtype
    if scores.shape[0] == 0:
        return scores.new_zeros(scores.shape[1:])
    # One row per column; the order inside a run of equal scores is irrelevant, so the sort need not be stable.
    sorted_scores, order = torch.sort(scores.T.contiguous(), dim=1, descending=True)
    sorted_targets = targets.T.gather(1, order).to(dtype)
    true_pos = sorted_targets.cumsum(1)
    accepted = torch.arange(1, scores.shape[0] + 1, dtype=dtype, device=scores.device).expand_as(true_pos)
    ends = _run_ends(sorted_scores)
    if ends is not None:
        true_pos, accepted = true_pos.gather(1, ends), (ends + 1).to(dtype)
    precision = true_pos / accepted
    positives = true_pos[:, -1]
    safe_positives = positives.clamp(min=1.0)
    if rec_thresholds is None:
        # Each positive raises the recall by 1/P at the threshold that closes its run of equal scores.
        ap = (sorted_targets * precision).sum(1) / safe_positives
    else:
        recall = true_pos / safe_positives[:, None]
        levels = rec_thresholds.to(dtype).expand(recall.shape[0], -1).contiguous()
        index = torch.searchsorted(recall, levels)
        reached = index < recall.shape[1]
        picked = precision.gather(1, index.clamp(max=recall.shape[1] - 1))
        weights = torch.diff(rec_thresholds.to(dtype), prepend=rec_thresholds.new_zeros(1, dtype=dtype))
        ap = (torch.where(reached, picked, 0.0) * weights).sum(1)
    return torch.where(positives > 0, ap, 0.0)


class MeanAveragePrecision(Metric):
    """Mean over classes of the average precision of the scores ``y_pred`` (the area under the precision-recall
    curve, as a sum of precisions weighted by recall increments).

    Args:
        rec_thresholds: recall levels (floats in [0, 1], any order) at which the precision is read; by default
            every distinct score is a threshold.
        class_mean: ``"macro"`` (plain mean over classes), ``"weighted"`` (weighted by the number of positive
            samples of each class), ``"micro"`` (all classes pooled into one ranking) or ``None`` (the per-class
            tensor; a class without positive sample scores 0). Ignored for binary input.
        is_multilabel: whether ``y`` holds several 0/1 labels per sample.
        output_transform, device, skip_unrolling: see :class:`~ignite.metrics.metric.Metric`.

    Inputs, as for :class:`~ignite.metrics.Precision` except that binary and multilabel ``y_pred`` hold scores or
    probabilities: binary ``(B, ...)`` scores and 0/1 ``y`` of the same shape; multiclass ``(B, C, ...)`` scores
    and ``(B, ...)`` class indices; multilabel ``(B, C, ...)`` scores and 0/1 ``y`` of the same shape. Extra
    dimensions count as more samples. ``compute()`` returns a float for binary input, otherwise a float64 tensor
    (0-d, or ``(C,)`` when ``class_mean=None``).

    >>> import torch
    >>> m = MeanAveragePrecision()
    >>> m.update((torch.tensor([[0.7, 0.2, 0.1], [0.3, 0.5, 0.2], [0.4, 0.1, 0.5]]), torch.tensor([0, 1, 0])))
    >>> round(m.compute().item(), 4)
    0.6667
    """

    _scores: list[torch.Tensor]
    _targets: list[torch.Tensor]
    _kind: torch.Tensor

    def __init__(
        self,
        rec_thresholds: Sequence[float] | torch.Tensor | None = None,
        class_mean: ClassMean = "macro",
        is_multilabel: bool = False,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if class_mean not in _CLASS_MEANS:
            raise ValueError(f"Argument class_mean should be one of {_CLASS_MEANS}, got {class_mean!r}")
        if not isinstance(is_multilabel, bool):
            raise TypeError(f"Argument is_multilabel should be a bool, got {type(is_multilabel).__name__}")
        self.class_mean = class_mean
        self._is_multilabel = is_multilabel
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self._fp = float_dtype(self._device)
        self.rec_thresholds: torch.Tensor | None = (
            None
            if rec_thresholds is None
            else check_thresholds(rec_thresholds, "rec_thresholds", self._device, self._fp)
        )
        # Scores travel flattened (N * C,), targets as (N,) indices or (N * C,) 0/1; [kind code + 1, C].
        self.add_state("_scores", [], "cat")
        self.add_state("_targets", [], "cat")
        self.add_state("_kind", torch.zeros(2, dtype=torch.int64), "max")
        self.reset()

    def reset(self) -> None:
        super().reset()
        if "_scores" in self._state_specs:
            # Typed empty entries: a rank that sees no batch still gathers tensors of the right dtype.
            self._scores.append(torch.empty(0, dtype=self._fp, device=self._device))
            self._targets.append(torch.empty(0, dtype=torch.int64, device=self._device))

    def _check(self, output: Any) -> tuple[torch.Tensor, torch.Tensor, str, int]:
        y_pred, y = check_tensors(output)
        if not y_pred.is_floating_point():
            raise TypeError(f"Argument y_pred should be a floating point tensor of scores, got dtype {y_pred.dtype}")
        if y_pred.ndim == y.ndim + 1 and y_pred.ndim > 1 and y_pred.shape[1] == 1 and not self._is_multilabel:
            y_pred = y_pred.squeeze(1)
        if y.ndim < 1 or y_pred.ndim not in (y.ndim, y.ndim + 1):
            raise ValueError(
                "Arguments y_pred and y should have shapes (B, C, ...) and (B, ...) or the same shape (B, ...), "
                f"got {tuple(y_pred.shape)} and {tuple(y.shape)}"
            )
        check_not_nan("y_pred", y_pred)
        if y_pred.ndim == y.ndim + 1:
            if self._is_multilabel:
                raise ValueError(
                    "Arguments y_pred and y should have the same shape (B, C, ...) for multilabel input, "
                    f"got {tuple(y_pred.shape)} and {tuple(y.shape)}"
                )
            expected = (y_pred.shape[0], *y_pred.shape[2:])
            if tuple(y.shape) != expected:
                raise ValueError(
                    f"Argument y should have shape {expected} for y_pred of shape {tuple(y_pred.shape)}, "
                    f"got {tuple(y.shape)}"
                )
            return y_pred, _check_labels(y, y_pred.shape[1]), "multiclass", y_pred.shape[1]
        if y_pred.shape != y.shape:
            raise ValueError(
                f"Arguments y_pred and y should have the same shape, got {tuple(y_pred.shape)} and {tuple(y.shape)}"
            )
        if y.numel() and not bool(((y == 0) | (y == 1)).all()):
            raise ValueError("Argument y should only contain 0s and 1s for binary/multilabel input, got other values")
        if self._is_multilabel:
            if y.ndim < 2 or y.shape[1] < 2:
                raise ValueError(
                    f"Argument y should have shape (B, C, ...) with C > 1 for multilabel input, got {tuple(y.shape)}"
                )
            return y_pred, y.long(), "multilabel", y.shape[1]
        return y_pred, y.long(), "binary", 1

    def update(self, output: Any) -> None:
        y_pred, y, kind, num_classes = self._check(output)
        code = _KINDS.index(kind) + 1
        seen_code, seen_classes = (int(v) for v in self._kind)
        if seen_code and seen_code != code:
            raise ValueError(
                f"Input data type has changed: the metric saw {_KINDS[seen_code - 1]} input before, got {kind} now"
            )
        if seen_code and seen_classes != num_classes:
            raise ValueError(
                f"Input number of classes has changed: the metric saw {seen_classes} before, got {num_classes}"
            )
        self._kind = torch.tensor([code, num_classes], dtype=torch.int64, device=self._device)
        y_pred, y = y_pred.detach(), y.detach()
        if kind == "binary":
            scores, targets = y_pred.reshape(-1), y.reshape(-1)
        else:
            # (B, C, ...) -> (B * ..., C), flattened row by row.
            scores = y_pred.movedim(1, -1).reshape(-1)
            targets = y.reshape(-1) if kind == "multiclass" else y.movedim(1, -1).reshape(-1)
        self._scores.append(scores.to(self._device, self._fp))
        self._targets.append(targets.to(self._device))

    def compute(self) -> torch.Tensor | float:
        code, num_classes = (int(v) for v in self._kind)
        if code == 0:
            raise NotComputableError("MeanAveragePrecision must have at least one example before it can be computed.")
        kind = _KINDS[code - 1]
        scores = torch.cat(self._scores).reshape(-1, num_classes)
        targets = torch.cat(self._targets)
        if kind == "multiclass":
            targets = torch.nn.functional.one_hot(targets, num_classes)
        else:
            targets = targets.reshape(-1, num_classes)
        if self.class_mean == "micro":
            scores, targets = scores.reshape(-1, 1), targets.reshape(-1, 1)
        per_class = average_precision_per_column(scores, targets, self.rec_thresholds)
        if kind == "binary":
            return float(per_class[0])
        if self.class_mean is None:
            return per_class
        if self.class_mean == "weighted":
            support = targets.sum(0).to(per_class.dtype)
            return (support * per_class).sum() / support.sum()
        return per_class.mean()
