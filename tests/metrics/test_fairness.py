"""ignite.metrics.fairness against numpy / scikit-learn, per group."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric
from sklearn import metrics as skm

from ignite.exceptions import NotComputableError
from ignite.metrics import Accuracy, Precision
from ignite.metrics import fairness as F

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]
GROUPS = [0, 1, 2]
KINDS = ["binary", "multiclass", "multilabel"]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def batches(kind: str, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    # Every batch holds every group, so each rank updates each group's metric.
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(6):
        n = 9 + i
        groups = torch.arange(n)[torch.randperm(n, generator=g)] % len(GROUPS)
        if kind == "binary":
            y_pred, y = torch.randint(0, 2, (n,), generator=g), torch.randint(0, 2, (n,), generator=g)
        elif kind == "multiclass":
            y_pred, y = torch.rand(n, 3, generator=g), torch.randint(0, 3, (n,), generator=g)
        else:
            y_pred, y = torch.randint(0, 2, (n, 3), generator=g), torch.randint(0, 2, (n, 3), generator=g)
        out.append((y_pred, y, groups))
    return out


def _labels(kind: str, y_pred: np.ndarray) -> np.ndarray:
    return y_pred.argmax(axis=1) if kind == "multiclass" else y_pred


def _per_group(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Callable[[Sequence[Any]], dict[int, Any]]:
    def oracle(bs: Sequence[Any]) -> dict[int, Any]:
        y_pred, y, groups = cat_batches(bs)
        return {g: fn(y_pred[groups == g], y[groups == g]) for g in GROUPS if (groups == g).any()}

    return oracle


def _spread(per_group: Callable[[Sequence[Any]], dict[int, Any]]) -> Callable[[Sequence[Any]], float]:
    def oracle(bs: Sequence[Any]) -> float:
        values = np.array([np.atleast_1d(v) for v in per_group(bs).values()], dtype=np.float64)
        return float((values.max(axis=0) - values.min(axis=0)).max())

    return oracle


def _accuracy(kind: str) -> Callable[[np.ndarray, np.ndarray], float]:
    return lambda p, t: float(skm.accuracy_score(t, _labels(kind, p)))


def _selection_rate(kind: str) -> Callable[[np.ndarray, np.ndarray], Any]:
    def rate(p: np.ndarray, _: np.ndarray) -> Any:
        if kind == "binary":
            return float(p.mean())
        if kind == "multiclass":
            return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / p.shape[0]
        return p.mean(axis=0)

    return rate


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("kind", KINDS)
def test_subgroup_metric_of_accuracy(kind: str, distributed: bool, request: Any) -> None:
    factory = partial(F.SubgroupMetric, Accuracy(is_multilabel=kind == "multilabel"), GROUPS)
    check_metric(factory, _per_group(_accuracy(kind)), batches(kind), _pool(request, distributed))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("kind", KINDS)
def test_subgroup_accuracy_difference(kind: str, distributed: bool, request: Any) -> None:
    factory = partial(F.SubgroupAccuracyDifference, GROUPS, is_multilabel=kind == "multilabel")
    check_metric(factory, _spread(_per_group(_accuracy(kind))), batches(kind), _pool(request, distributed))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("kind", KINDS)
def test_demographic_parity_difference(kind: str, distributed: bool, request: Any) -> None:
    factory = partial(F.DemographicParityDifference, GROUPS, is_multilabel=kind == "multilabel")
    check_metric(factory, _spread(_per_group(_selection_rate(kind))), batches(kind), _pool(request, distributed))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("kind", KINDS)
def test_selection_rate(kind: str, distributed: bool, request: Any) -> None:
    def oracle(bs: Sequence[Any]) -> Any:
        y_pred, y = cat_batches(bs)
        return _selection_rate(kind)(y_pred, y)

    pairs = [(p, t) for p, t, _ in batches(kind)]
    check_metric(
        partial(F.SelectionRate, is_multilabel=kind == "multilabel"), oracle, pairs, _pool(request, distributed)
    )


def test_subgroup_difference_of_precision_vector() -> None:
    # A per-class metric: the largest gap over the classes.
    y_pred, y, groups = (torch.cat(parts) for parts in zip(*batches("multiclass"), strict=True))
    metric = F.SubgroupDifference(Precision(average=False), GROUPS)
    metric.update((y_pred, y, groups))
    values = [
        skm.precision_score(
            y[groups == g].numpy(), y_pred[groups == g].argmax(1).numpy(), average=None, zero_division=0
        )
        for g in GROUPS
    ]
    expected = float((np.max(values, axis=0) - np.min(values, axis=0)).max())
    assert metric.compute() == pytest.approx(expected, rel=1e-12)


def test_groups_without_samples_are_left_out() -> None:
    metric = F.SubgroupMetric(Accuracy(), [0, 1, 7])
    metric.update((torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1]), torch.tensor([0, 1, 1])))
    assert metric.compute() == {0: 1.0, 1: 0.5}
    difference = F.SubgroupAccuracyDifference([0, 1])
    difference.update((torch.tensor([1, 0]), torch.tensor([1, 1]), torch.tensor([0, 0])))
    with pytest.raises(NotComputableError, match="at least 2 groups"):
        difference.compute()


def test_base_metric_is_cloned_per_group() -> None:
    base = Accuracy()
    metric = F.SubgroupMetric(base, [0, 1])
    metric.update((torch.tensor([1, 0]), torch.tensor([1, 1]), torch.tensor([0, 1])))
    with pytest.raises(NotComputableError):
        base.compute()  # the given instance is never updated
    assert metric.required_output_keys == ("y_pred", "y", "group_labels")


def test_fairness_input_errors() -> None:
    with pytest.raises(TypeError, match="base_metric should be a Metric"):
        F.SubgroupMetric("accuracy", [0, 1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="distinct group ids"):
        F.SubgroupDifference(Accuracy(), [0, 0])
    with pytest.raises(TypeError, match="groups should be a sequence"):
        F.DemographicParityDifference(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"triple \(y_pred, y, group_labels\)"):
        F.SubgroupMetric(Accuracy(), [0]).update((torch.tensor([1]), torch.tensor([1])))
    with pytest.raises(ValueError, match="share the batch size"):
        F.SubgroupMetric(Accuracy(), [0]).update((torch.tensor([1, 0]), torch.tensor([1, 0]), torch.tensor([0])))


def test_fairness_exports() -> None:
    assert set(F.__all__) == {
        "DemographicParityDifference",
        "SelectionRate",
        "SubgroupAccuracyDifference",
        "SubgroupDifference",
        "SubgroupMetric",
    }
