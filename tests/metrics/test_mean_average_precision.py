"""MeanAveragePrecision against sklearn.metrics.average_precision_score and a numpy recall-threshold oracle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric
from sklearn.metrics import average_precision_score

from ignite.exceptions import NotComputableError
from ignite.metrics.mean_average_precision import ClassMean, MeanAveragePrecision

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]
C = 4


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def make_batches(kind: str, seed: int = 0, extra_dim: bool = False) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(6):
        b = 5 + i
        tail = (3,) if extra_dim else ()
        if kind == "binary":
            y_pred = torch.rand(b, *tail, generator=g)
            y = torch.randint(0, 2, (b, *tail), generator=g)
        elif kind == "multiclass":
            y_pred = torch.rand(b, C, *tail, generator=g)
            y = torch.randint(0, C - 1, (b, *tail), generator=g)  # the last class never occurs: its AP is 0
        else:
            y_pred = torch.rand(b, C, *tail, generator=g)
            y = torch.randint(0, 2, (b, C, *tail), generator=g)
            y[:, -1] = 0  # the last label is never positive
        # Coarse scores in half of the batches: ties between samples (one threshold per distinct score).
        if i % 2:
            y_pred = (y_pred * 5).round() / 5
        out.append((y_pred, y))
    return out


def _columns(bs: Sequence[Any], kind: str) -> tuple[np.ndarray, np.ndarray]:
    y_pred, y = cat_batches(bs)
    if kind == "binary":
        return y_pred.reshape(-1, 1), y.reshape(-1, 1)
    scores = np.moveaxis(y_pred, 1, -1).reshape(-1, C)
    if kind == "multiclass":
        return scores, np.eye(C, dtype=np.int64)[y.reshape(-1)]
    return scores, np.moveaxis(y, 1, -1).reshape(-1, C)


def _ap_at_levels(scores: np.ndarray, target: np.ndarray, levels: np.ndarray) -> float:
    # Precision of the first distinct threshold whose recall reaches each level, weighted by the level increments.
    thresholds = np.unique(scores)[::-1]
    recall = np.array([target[scores >= t].sum() / target.sum() for t in thresholds])
    precision = np.array([target[scores >= t].mean() for t in thresholds])
    total, previous = 0.0, 0.0
    for level in np.sort(levels):
        reached = np.nonzero(recall >= level)[0]
        total += (level - previous) * (precision[reached[0]] if reached.size else 0.0)
        previous = level
    return total


def oracle(kind: str, class_mean: str | None, levels: list[float] | None) -> Callable[[Sequence[Any]], Any]:
    def per_column(scores: np.ndarray, target: np.ndarray) -> float:
        if target.sum() == 0:
            return 0.0
        if levels is None:
            return float(average_precision_score(target, scores))
        return _ap_at_levels(scores, target, np.asarray(levels))

    def expected(bs: Sequence[Any]) -> Any:
        scores, target = _columns(bs, kind)
        if class_mean == "micro":
            scores, target = scores.reshape(-1, 1), target.reshape(-1, 1)
        aps = np.array([per_column(scores[:, c], target[:, c]) for c in range(scores.shape[1])])
        if kind == "binary":
            return aps[0]
        if class_mean is None:
            return aps
        if class_mean == "weighted":
            support = target.sum(0)
            return float((aps * support).sum() / support.sum())
        return float(aps.mean())

    return expected


CASES = [
    (kind, class_mean, levels)
    for kind in ("binary", "multiclass", "multilabel")
    for class_mean in ("macro", "weighted", "micro", None)
    for levels in (None, [0.9, 0.1, 0.5, 0.25, 0.3])
    if kind != "binary" or class_mean == "macro"
]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(("kind", "class_mean", "levels"), CASES)
def test_mean_average_precision(
    kind: str, class_mean: ClassMean, levels: list[float] | None, distributed: bool, request: Any
) -> None:
    factory = partial(
        MeanAveragePrecision, rec_thresholds=levels, class_mean=class_mean, is_multilabel=kind == "multilabel"
    )
    batches = make_batches(kind, seed=len(CASES))
    check_metric(factory, oracle(kind, class_mean, levels), batches, _pool(request, distributed))


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_extra_dimensions_count_as_samples(kind: str) -> None:
    factory = partial(MeanAveragePrecision, class_mean="weighted", is_multilabel=kind == "multilabel")
    check_metric(factory, oracle(kind, "weighted", None), make_batches(kind, seed=3, extra_dim=True))


def test_output_types() -> None:
    binary = MeanAveragePrecision(class_mean=None)
    binary.update((torch.tensor([0.2, 0.9, 0.4]), torch.tensor([0, 1, 1])))
    assert isinstance(binary.compute(), float)
    per_class = MeanAveragePrecision(class_mean=None)
    per_class.update((torch.rand(6, 3), torch.tensor([0, 1, 2, 0, 1, 1])))
    value = per_class.compute()
    assert isinstance(value, torch.Tensor) and value.shape == (3,) and value.dtype == torch.float64
    macro = MeanAveragePrecision()
    macro.update((torch.rand(6, 3), torch.tensor([0, 1, 2, 0, 1, 1])))
    assert isinstance(macro.compute(), torch.Tensor) and macro.compute().ndim == 0  # type: ignore[union-attr]


def test_single_column_scores_are_binary() -> None:
    scores, target = torch.tensor([[0.1], [0.8], [0.35], [0.4]]), torch.tensor([0, 1, 1, 0])
    metric = MeanAveragePrecision()
    metric.update((scores, target))
    assert metric.compute() == pytest.approx(average_precision_score(target.numpy(), scores[:, 0].numpy()))


def test_thresholds_are_sorted_and_kept_exact() -> None:
    metric = MeanAveragePrecision(rec_thresholds=[0.3, 0.1])
    assert metric.rec_thresholds is not None
    assert metric.rec_thresholds.tolist() == [0.1, 0.3]
    assert metric.rec_thresholds.dtype == torch.float64


def test_mean_average_precision_input_errors() -> None:
    with pytest.raises(ValueError, match="class_mean should be one of"):
        MeanAveragePrecision(class_mean="samples")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is_multilabel should be a bool"):
        MeanAveragePrecision(is_multilabel=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"rec_thresholds should hold values in \[0, 1\]"):
        MeanAveragePrecision(rec_thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="rec_thresholds should be a non-empty 1-D"):
        MeanAveragePrecision(rec_thresholds=torch.rand(2, 2))
    with pytest.raises(TypeError, match="rec_thresholds should be a sequence of floats"):
        MeanAveragePrecision(rec_thresholds="0.5")  # type: ignore[arg-type]
    metric = MeanAveragePrecision()
    with pytest.raises(TypeError, match="y_pred should be a floating point tensor"):
        metric.update((torch.tensor([1, 0]), torch.tensor([1, 0])))
    with pytest.raises(ValueError, match="y should only contain 0s and 1s"):
        metric.update((torch.rand(3), torch.tensor([0, 2, 1])))
    with pytest.raises(ValueError, match=r"y should hold class indices in \[0, 2\]"):
        metric.update((torch.rand(3, 3), torch.tensor([0, 3, 1])))
    with pytest.raises(ValueError, match=r"y should have shape \(3,\)"):
        metric.update((torch.rand(3, 3), torch.tensor([0, 1])))
    with pytest.raises(ValueError, match="NaN"):
        metric.update((torch.tensor([0.1, float("nan")]), torch.tensor([0, 1])))
    with pytest.raises(ValueError, match="same shape"):
        MeanAveragePrecision(is_multilabel=True).update((torch.rand(3, 3), torch.tensor([0, 1, 1])))
    metric.update((torch.rand(3, 3), torch.tensor([0, 1, 2])))
    with pytest.raises(ValueError, match="number of classes has changed"):
        metric.update((torch.rand(3, 4), torch.tensor([0, 1, 2])))
    with pytest.raises(ValueError, match="data type has changed"):
        metric.update((torch.rand(3), torch.tensor([0, 1, 1])))
    with pytest.raises(NotComputableError):
        MeanAveragePrecision().compute()
