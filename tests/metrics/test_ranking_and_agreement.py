"""ROC AUC, average precision, their curves, Cohen's kappa, MCC, multilabel confusion matrix, classification
report: torch implementations against scikit-learn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric
from sklearn import metrics as skm

from ignite.exceptions import NotComputableError
from ignite.metrics import (
    ROC_AUC,
    AveragePrecision,
    ClassificationReport,
    CohenKappa,
    MatthewsCorrCoef,
    MultiLabelConfusionMatrix,
    PrecisionRecallCurve,
    RocCurve,
)

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def score_batches(columns: int | None, ties: bool, n: int = 6, seed: int = 0) -> list[tuple[torch.Tensor, ...]]:
    g = torch.Generator().manual_seed(seed)
    shape_tail = () if columns is None else (columns,)
    batches = []
    for i in range(n):
        b = 8 + i
        scores = torch.rand(b, *shape_tail, generator=g)
        if ties:
            scores = (scores * 5).round() / 5
        targets = torch.randint(0, 2, (b, *shape_tail), generator=g)
        targets[0], targets[1] = 0, 1  # both classes in every batch (and column)
        batches.append((scores, targets))
    return batches


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("columns", [None, 3])
@pytest.mark.parametrize(
    ("cls", "sk_fn"), [(ROC_AUC, skm.roc_auc_score), (AveragePrecision, skm.average_precision_score)]
)
def test_areas_match_sklearn(
    cls: type, sk_fn: Any, columns: int | None, ties: bool, distributed: bool, request: Any
) -> None:
    def oracle(batches: Sequence[Any]) -> float:
        y_pred, y = cat_batches(batches)
        return float(sk_fn(y, y_pred))

    check_metric(cls, oracle, score_batches(columns, ties), _pool(request, distributed))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("ties", [False, True])
def test_curves_match_sklearn(ties: bool, distributed: bool, request: Any) -> None:
    def roc_oracle(batches: Sequence[Any]) -> tuple[np.ndarray, ...]:
        y_pred, y = cat_batches(batches)
        return tuple(skm.roc_curve(y, y_pred, drop_intermediate=False))

    def pr_oracle(batches: Sequence[Any]) -> tuple[np.ndarray, ...]:
        y_pred, y = cat_batches(batches)
        return tuple(skm.precision_recall_curve(y, y_pred))

    batches = score_batches(None, ties)
    check_metric(RocCurve, roc_oracle, batches, _pool(request, distributed))
    check_metric(PrecisionRecallCurve, pr_oracle, batches, _pool(request, distributed))


def test_ranking_input_errors() -> None:
    m = ROC_AUC()
    m.update((torch.tensor([0.2, 0.4]), torch.tensor([1, 1])))
    with pytest.raises(ValueError, match="both classes"):
        m.compute()
    m = ROC_AUC()
    m.update((torch.tensor([0.2, 0.4]), torch.tensor([2, 1])))
    with pytest.raises(ValueError, match="0/1 targets"):
        m.compute()
    m = RocCurve()
    m.update((torch.rand(3, 2), torch.ones(3, 2)))
    with pytest.raises(ValueError, match=r"shape \(N,\) for a curve"):
        m.compute()
    m = AveragePrecision()
    m.update((torch.tensor([float("nan"), 0.3]), torch.tensor([0, 1])))
    with pytest.raises(ValueError, match="NaN"):
        m.compute()


def label_batches(kind: str, n: int = 6, seed: int = 0, num_classes: int = 3) -> list[tuple[torch.Tensor, ...]]:
    g = torch.Generator().manual_seed(seed)
    batches = []
    for i in range(n):
        b = 6 + i
        if kind == "binary":
            batches.append((torch.randint(0, 2, (b,), generator=g), torch.randint(0, 2, (b,), generator=g)))
        else:
            batches.append((torch.rand(b, num_classes, generator=g), torch.randint(0, num_classes, (b,), generator=g)))
    return batches


def _labels(batches: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    y_pred, y = cat_batches(batches)
    return y, (y_pred.argmax(axis=1) if y_pred.ndim == 2 else y_pred)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_cohen_kappa_matches_sklearn(kind: str, weights: str | None, distributed: bool, request: Any) -> None:
    def oracle(batches: Sequence[Any]) -> float:
        y, y_pred = _labels(batches)
        return float(skm.cohen_kappa_score(y, y_pred, weights=weights))

    check_metric(partial(CohenKappa, weights=weights), oracle, label_batches(kind), _pool(request, distributed))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_matthews_matches_sklearn(kind: str, distributed: bool, request: Any) -> None:
    def oracle(batches: Sequence[Any]) -> float:
        y, y_pred = _labels(batches)
        return float(skm.matthews_corrcoef(y, y_pred))

    check_metric(MatthewsCorrCoef, oracle, label_batches(kind), _pool(request, distributed))


def test_agreement_errors() -> None:
    with pytest.raises(ValueError, match="weights"):
        CohenKappa(weights="cubic")
    with pytest.raises(NotComputableError):
        MatthewsCorrCoef().compute()
    assert MatthewsCorrCoef()._check is not None
    m = MatthewsCorrCoef()
    m.update((torch.tensor([1, 1]), torch.tensor([1, 1])))
    assert m.compute() == 0.0  # undefined correlation, as scikit-learn


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("normalized", [False, True])
@pytest.mark.parametrize("extra", [(), (2,)])
def test_multilabel_confusion_matrix(extra: tuple[int, ...], normalized: bool, distributed: bool, request: Any) -> None:
    g = torch.Generator().manual_seed(4)
    batches = [
        (torch.randint(0, 2, (5 + i, 3, *extra), generator=g), torch.randint(0, 2, (5 + i, 3, *extra), generator=g))
        for i in range(6)
    ]

    def oracle(batches: Sequence[Any]) -> np.ndarray:
        y_pred, y = cat_batches(batches)
        cm = skm.multilabel_confusion_matrix(
            np.moveaxis(y, 1, -1).reshape(-1, 3), np.moveaxis(y_pred, 1, -1).reshape(-1, 3)
        )
        return cm / cm.sum(axis=(1, 2), keepdims=True) if normalized else cm

    factory = partial(MultiLabelConfusionMatrix, 3, normalized=normalized)
    check_metric(factory, oracle, batches, _pool(request, distributed))
    with pytest.raises(ValueError, match="num_classes=3"):
        MultiLabelConfusionMatrix(3).update((torch.ones(2, 4), torch.ones(2, 4)))


@pytest.mark.parametrize("multilabel", [False, True])
def test_classification_report_matches_sklearn(multilabel: bool) -> None:
    g = torch.Generator().manual_seed(5)
    if multilabel:
        y_pred, y = torch.randint(0, 2, (40, 3), generator=g), torch.randint(0, 2, (40, 3), generator=g)
        sk_true, sk_pred = y.numpy(), y_pred.numpy()
    else:
        y_pred, y = torch.rand(40, 3, generator=g), torch.randint(0, 3, (40,), generator=g)
        sk_true, sk_pred = y.numpy(), y_pred.argmax(1).numpy()
    report = ClassificationReport(is_multilabel=multilabel, labels=["a", "b", "c"])
    report.update((y_pred, y))
    ours = json.loads(report.compute())
    ref = skm.classification_report(sk_true, sk_pred, output_dict=True, zero_division=0)
    for ours_key, ref_key in (("a", "0"), ("b", "1"), ("c", "2"), ("macro avg", "macro avg")):
        assert ours[ours_key]["precision"] == pytest.approx(ref[ref_key]["precision"])
        assert ours[ours_key]["recall"] == pytest.approx(ref[ref_key]["recall"])
        if ours_key != "macro avg":
            assert ours[ours_key]["f1-score"] == pytest.approx(ref[ref_key]["f1-score"])
    with pytest.raises(ValueError, match="beta"):
        ClassificationReport(beta=0)
