from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric
from sklearn import metrics as skm

from ignite.metrics import (
    Accuracy,
    ConfusionMatrix,
    DiceCoefficient,
    Fbeta,
    IoU,
    Precision,
    Recall,
    TopKCategoricalAccuracy,
    cmAccuracy,
    cmPrecision,
    cmRecall,
    mIoU,
)

NUM_CLASSES = 4
KINDS = ["binary", "binary_nd", "multiclass", "multiclass_nd", "multilabel", "multilabel_nd"]
DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]


def make_batches(kind: str, n_batches: int = 6, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    batches = []
    for i in range(n_batches):
        b = 5 + i  # batches of different sizes
        extra = (3,) if kind.endswith("_nd") else ()
        if kind.startswith("binary"):
            batches.append(
                (torch.randint(0, 2, (b, *extra), generator=g), torch.randint(0, 2, (b, *extra), generator=g))
            )
        elif kind.startswith("multiclass"):
            y_pred = torch.rand(b, NUM_CLASSES, *extra, generator=g)
            batches.append((y_pred, torch.randint(0, NUM_CLASSES, (b, *extra), generator=g)))
        else:
            shape = (b, NUM_CLASSES, *extra)
            batches.append((torch.randint(0, 2, shape, generator=g), torch.randint(0, 2, shape, generator=g)))
    return batches


def labels(kind: str, batches: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) as sklearn wants them: 1-D labels, or (N, C) indicator matrices for multilabel."""
    y_pred, y = cat_batches(batches)
    if kind.startswith("multiclass"):
        return y.reshape(-1), y_pred.argmax(axis=1).reshape(-1)
    if kind.startswith("multilabel"):
        return np.moveaxis(y, 1, -1).reshape(-1, NUM_CLASSES), np.moveaxis(y_pred, 1, -1).reshape(-1, NUM_CLASSES)
    return y.reshape(-1), y_pred.reshape(-1)


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("kind", KINDS)
def test_accuracy_matches_sklearn(kind: str, distributed: bool, request: pytest.FixtureRequest) -> None:
    factory = partial(Accuracy, is_multilabel=kind.startswith("multilabel"))

    def oracle(batches: Sequence[Any]) -> float:
        y_true, y_pred = labels(kind, batches)
        return float(skm.accuracy_score(y_true, y_pred))

    check_metric(factory, oracle, make_batches(kind), _pool(request, distributed))


def _sk_average(kind: str, average: Any) -> Any:
    if kind.startswith("binary"):
        return "binary"
    return None if average is False else average


AVERAGES = [False, "macro", "micro", "weighted"]


PR_CASES = [(kind, average) for kind in KINDS for average in AVERAGES] + [
    (kind, "samples") for kind in KINDS if kind.startswith("multilabel")
]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(("kind", "average"), PR_CASES)
@pytest.mark.parametrize("cls", [Precision, Recall])
def test_precision_recall_match_sklearn(
    cls: type, kind: str, average: Any, distributed: bool, request: pytest.FixtureRequest
) -> None:
    multilabel = kind.startswith("multilabel")
    sk_fn = skm.precision_score if cls is Precision else skm.recall_score
    factory = partial(cls, average=average, is_multilabel=multilabel)

    def oracle(batches: Sequence[Any]) -> Any:
        y_true, y_pred = labels(kind, batches)
        extra = {} if kind.startswith("binary") else {"labels": list(range(NUM_CLASSES))}
        return sk_fn(y_true, y_pred, average=_sk_average(kind, average), zero_division=0, **extra)

    check_metric(factory, oracle, make_batches(kind), _pool(request, distributed))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("average", [True, False])
@pytest.mark.parametrize("kind", ["multiclass", "multiclass_nd", "multilabel"])
def test_fbeta_matches_sklearn(
    kind: str, average: bool, beta: float, distributed: bool, request: pytest.FixtureRequest
) -> None:
    multilabel = kind.startswith("multilabel")

    def factory() -> Any:
        p = Precision(average=False, is_multilabel=multilabel)
        r = Recall(average=False, is_multilabel=multilabel)
        return Fbeta(beta, average=average, precision=p, recall=r)

    def oracle(batches: Sequence[Any]) -> Any:
        y_true, y_pred = labels(kind, batches)
        sk_average = "macro" if average else None
        return skm.fbeta_score(
            y_true, y_pred, beta=beta, average=sk_average, labels=list(range(NUM_CLASSES)), zero_division=0
        )

    # The factory builds lambdas (not picklable): the gloo ranks get the public partial form instead.
    batches = make_batches(kind)
    check_metric(factory, oracle, batches)
    if distributed and not multilabel:
        from _metric_tester import check_on_ranks

        check_on_ranks(partial(Fbeta, beta, average), oracle, batches, request.getfixturevalue("gloo_pool"))


def test_f1_by_arithmetic_equals_fbeta() -> None:
    p, r = Precision(average=False), Recall(average=False)
    f1 = (p * r * 2 / (p + r + 1e-20)).mean()
    batches = make_batches("multiclass")
    for batch in batches:
        f1.update(batch)
    y_true, y_pred = labels("multiclass", batches)
    expected = skm.f1_score(y_true, y_pred, average="macro", labels=list(range(NUM_CLASSES)), zero_division=0)
    assert f1.compute().item() == pytest.approx(expected)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("average", [None, "samples", "recall", "precision"])
@pytest.mark.parametrize("kind", ["multiclass", "multiclass_nd"])
def test_confusion_matrix_matches_sklearn(
    kind: str, average: str | None, distributed: bool, request: pytest.FixtureRequest
) -> None:
    normalize = {None: None, "samples": "all", "recall": "true", "precision": "pred"}[average]

    def oracle(batches: Sequence[Any]) -> np.ndarray:
        y_true, y_pred = labels(kind, batches)
        cm = skm.confusion_matrix(y_true, y_pred, labels=list(range(NUM_CLASSES)), normalize=normalize)
        return np.nan_to_num(cm)

    check_metric(
        partial(ConfusionMatrix, NUM_CLASSES, average), oracle, make_batches(kind), _pool(request, distributed)
    )


def test_confusion_matrix_ignores_targets_out_of_range() -> None:
    cm = ConfusionMatrix(num_classes=2)
    cm.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]]), torch.tensor([0, 255, -1])))
    assert cm.compute().tolist() == [[1, 0], [0, 0]]


def _cm_of(batches: Sequence[Any]) -> tuple[ConfusionMatrix, np.ndarray]:
    cm = ConfusionMatrix(NUM_CLASSES)
    for batch in batches:
        cm.update(batch)
    y_true, y_pred = labels("multiclass", batches)
    return cm, skm.confusion_matrix(y_true, y_pred, labels=list(range(NUM_CLASSES))).astype(np.float64)


def test_cm_derived_scores() -> None:
    batches = make_batches("multiclass", seed=3)
    cm, ref = _cm_of(batches)
    y_true, y_pred = labels("multiclass", batches)
    tp = np.diag(ref)
    iou = tp / (ref.sum(0) + ref.sum(1) - tp)
    np.testing.assert_allclose(IoU(cm).compute().numpy(), iou)
    np.testing.assert_allclose(IoU(cm, ignore_index=1).compute().numpy(), np.delete(iou, 1))
    assert mIoU(cm).compute().item() == pytest.approx(iou.mean())
    np.testing.assert_allclose(DiceCoefficient(cm).compute().numpy(), 2 * tp / (ref.sum(0) + ref.sum(1)))
    assert cmAccuracy(cm).compute() == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert cmPrecision(cm).compute().item() == pytest.approx(
        skm.precision_score(y_true, y_pred, average="macro", zero_division=0)
    )
    np.testing.assert_allclose(
        cmRecall(cm, average=False).compute().numpy(), skm.recall_score(y_true, y_pred, average=None)
    )
    with pytest.raises(TypeError, match="cm"):
        IoU(Accuracy())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ignore_index"):
        IoU(cm, ignore_index=NUM_CLASSES)
    with pytest.raises(ValueError, match="average"):
        IoU(ConfusionMatrix(NUM_CLASSES, average="recall"))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_matches_sklearn(k: int, distributed: bool, request: pytest.FixtureRequest) -> None:
    def oracle(batches: Sequence[Any]) -> float:
        y_pred, y = cat_batches(batches)
        return float(skm.top_k_accuracy_score(y, y_pred, k=k, labels=list(range(NUM_CLASSES))))

    check_metric(partial(TopKCategoricalAccuracy, k), oracle, make_batches("multiclass"), _pool(request, distributed))


# --- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Accuracy, Precision, Recall])
def test_bad_inputs_are_named(cls: type) -> None:
    metric = cls()
    with pytest.raises(ValueError, match=r"y_pred and y should have shapes"):
        metric.update((torch.rand(4, 3, 2, 2), torch.randint(0, 3, (4,))))
    with pytest.raises(ValueError, match=r"y should hold class indices in \[0, 2\].*got values in \[0, 3\]"):
        metric.update((torch.rand(4, 3), torch.tensor([0, 1, 2, 3])))
    with pytest.raises(ValueError, match="y_pred should not contain NaN"):
        metric.update((torch.tensor([[0.1, float("nan")], [0.3, 0.7]]), torch.tensor([0, 1])))
    with pytest.raises(ValueError, match="only contain 0s and 1s"):
        metric.update((torch.tensor([0, 2, 1]), torch.tensor([0, 1, 1])))
    with pytest.raises(TypeError, match=r"y should be a torch\.Tensor"):
        metric.update((torch.tensor([0, 1]), [0, 1]))
    metric.update((torch.tensor([0, 1]), torch.tensor([0, 1])))
    with pytest.raises(ValueError, match="saw binary input before, got multiclass"):
        metric.update((torch.rand(2, 3), torch.tensor([0, 1])))


def test_number_of_classes_may_not_change() -> None:
    metric = Precision()
    metric.update((torch.rand(2, 3), torch.tensor([0, 1])))
    with pytest.raises(ValueError, match="number of classes has changed"):
        metric.update((torch.rand(2, 4), torch.tensor([0, 1])))


def test_argument_validation() -> None:
    with pytest.raises(ValueError, match="average"):
        Precision(average="bogus")
    with pytest.raises(ValueError, match="samples"):
        Recall(average="samples")
    with pytest.raises(ValueError, match="num_classes"):
        ConfusionMatrix(0)
    with pytest.raises(ValueError, match="k should be a positive int"):
        TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match="beta"):
        Fbeta(0.0)
    with pytest.raises(ValueError, match="average=False"):
        Fbeta(1.0, precision=Precision(average="macro"))
    with pytest.raises(ValueError, match=r"y_pred should have shape \(B, num_classes=3"):
        ConfusionMatrix(3).update((torch.rand(2, 4), torch.tensor([0, 1])))
    with pytest.raises(TypeError, match="integer tensor"):
        ConfusionMatrix(3).update((torch.rand(2, 3), torch.tensor([0.0, 1.0])))


def test_binary_precision_is_a_float_and_per_class_is_a_tensor() -> None:
    p = Precision()
    p.update((torch.tensor([1, 1, 0]), torch.tensor([1, 0, 0])))
    assert p.compute() == pytest.approx(0.5)
    q = Precision()
    q.update((torch.rand(3, 2), torch.tensor([0, 1, 1])))
    assert isinstance(q.compute(), torch.Tensor) and q.compute().shape == (2,)


@pytest.mark.slow
def test_metric_group_syncs_on_gloo(request: pytest.FixtureRequest) -> None:
    from _metric_tester import check_on_ranks

    from ignite.metrics import MetricGroup

    factory = partial(
        MetricGroup,
        {
            "acc": Accuracy(),
            "p": Precision(average="weighted"),
            "r": Recall(average=False),
            "cm": ConfusionMatrix(NUM_CLASSES),
            "topk": TopKCategoricalAccuracy(2),
        },
    )

    def oracle(batches: Sequence[Any]) -> dict[str, Any]:
        y_true, y_pred = labels("multiclass", batches)
        scores, y = cat_batches(batches)
        all_labels = list(range(NUM_CLASSES))
        return {
            "acc": skm.accuracy_score(y_true, y_pred),
            "p": skm.precision_score(y_true, y_pred, average="weighted", labels=all_labels, zero_division=0),
            "r": skm.recall_score(y_true, y_pred, average=None, labels=all_labels, zero_division=0),
            "cm": skm.confusion_matrix(y_true, y_pred, labels=all_labels),
            "topk": skm.top_k_accuracy_score(y, scores, k=2, labels=all_labels),
        }

    check_on_ranks(factory, oracle, make_batches("multiclass"), request.getfixturevalue("gloo_pool"))


def test_shared_batch_validation_sees_in_place_changes() -> None:
    # Metrics fed the same tensors validate them once; an in-place change in between must not be missed.
    y_pred = torch.tensor([[0.9, 0.1], [0.2, 0.8]])
    y = torch.tensor([0, 0])
    p, r = Precision(average=False), Recall(average=False)
    p.update((y_pred, y))
    y_pred.copy_(torch.tensor([[0.1, 0.9], [0.2, 0.8]]))  # now both predicted as class 1
    r.update((y_pred, y))
    assert r.compute().tolist() == [0.0, 0.0]
    assert p.compute().tolist() == [1.0, 0.0]
    y[0] = 5
    with pytest.raises(ValueError, match="class indices"):
        Recall().update((y_pred, y))
