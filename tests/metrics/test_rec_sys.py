"""ignite.metrics.rec_sys against a numpy oracle and sklearn.metrics.ndcg_score."""

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
from ignite.metrics import rec_sys as RS

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]
N_ITEMS = 8


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def batches(seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    # Graded relevance 0..3, sparse enough that some users have nothing relevant; distinct scores (no ties).
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(6):
        users = 4 + i
        y_pred = torch.rand(users, N_ITEMS, generator=g)
        y = torch.randint(0, 4, (users, N_ITEMS), generator=g) * (torch.rand(users, N_ITEMS, generator=g) < 0.2)
        y[0] = 0  # one user without any relevant item in every batch
        out.append((y_pred, y))
    return out


def _users(bs: Sequence[Any], ignore_zero_hits: bool, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    y_pred, y = cat_batches(bs)
    y = y.astype(np.float64)
    if ignore_zero_hits:
        keep = (y >= threshold).any(axis=1) if threshold > 0 else (y > 0).any(axis=1)
        y_pred, y = y_pred[keep], y[keep]
    return y_pred, y


def hit_rate_oracle(top_k: list[int], ignore_zero_hits: bool) -> Callable[[Sequence[Any]], Any]:
    def oracle(bs: Sequence[Any]) -> list[float]:
        y_pred, y = _users(bs, ignore_zero_hits, 0.0)
        order = np.argsort(-y_pred, axis=1)
        ranked = np.take_along_axis(y, order, axis=1)
        return [float(np.mean((ranked[:, :k] > 0).any(axis=1))) for k in sorted(top_k)]

    return oracle


def ndcg_oracle(top_k: list[int], ignore_zero_hits: bool, threshold: float, gain: str) -> Any:
    def oracle(bs: Sequence[Any]) -> list[float]:
        y_pred, y = _users(bs, ignore_zero_hits, threshold)
        if gain in ("linear", "linear_rank"):
            return [float(skm.ndcg_score(y, y_pred, k=k)) for k in top_k]
        gains = 2.0**y - 1.0
        order = np.argsort(-y_pred, axis=1)
        values = []
        for k in top_k:
            discount = 1.0 / np.log2(np.arange(2, k + 2))
            dcg = (np.take_along_axis(gains, order, axis=1)[:, :k] * discount).sum(axis=1)
            idcg = (-np.sort(-gains, axis=1)[:, :k] * discount).sum(axis=1)
            values.append(float(np.mean(np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1.0), 0.0))))
        return values

    return oracle


HIT_CASES = [([1, 3, 5], True), ([10, 2], False), ([4], True)]
NDCG_CASES = [
    ([1, 3, 5], True, 1.0, "linear_rank"),
    ([1, 4], True, 2.0, "linear"),
    ([2, 8], False, 1.0, "linear"),
    ([1, 3, 5], True, 1.0, "exp_rank"),
    ([3], False, 2.0, "exp_rank"),
]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(("top_k", "ignore_zero_hits"), HIT_CASES)
def test_hit_rate(top_k: list[int], ignore_zero_hits: bool, distributed: bool, request: Any) -> None:
    factory = partial(RS.HitRate, top_k=top_k, ignore_zero_hits=ignore_zero_hits)
    expected = hit_rate_oracle([min(k, N_ITEMS) for k in top_k], ignore_zero_hits)
    check_metric(factory, expected, batches(), _pool(request, distributed), rtol=1e-9)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(("top_k", "ignore_zero_hits", "threshold", "gain"), NDCG_CASES)
def test_ndcg(
    top_k: list[int], ignore_zero_hits: bool, threshold: float, gain: str, distributed: bool, request: Any
) -> None:
    factory = partial(
        RS.NDCG, top_k=top_k, ignore_zero_hits=ignore_zero_hits, relevance_threshold=threshold, gain_function=gain
    )
    check_metric(factory, ndcg_oracle(top_k, ignore_zero_hits, threshold, gain), batches(), _pool(request, distributed))


def test_cut_off_beyond_the_catalog_covers_all_items() -> None:
    y_pred, y = batches()[1]
    hit, ndcg = RS.HitRate([100], ignore_zero_hits=False), RS.NDCG([100], gain_function="linear")
    hit.update((y_pred, y))
    ndcg.update((y_pred, y))
    keep = (y >= 1).any(dim=1)
    assert hit.compute() == [float(keep.double().mean())]
    assert ndcg.compute() == pytest.approx([skm.ndcg_score(y[keep].numpy(), y_pred[keep].numpy())], rel=1e-9)


def test_values_follow_sorted_top_k() -> None:
    metric = RS.HitRate(top_k=[5, 1])
    assert metric.top_k == [1, 5]
    metric.update((torch.tensor([[0.9, 0.1, 0.5, 0.2, 0.3, 0.0]]), torch.tensor([[0, 0, 0, 1, 0, 0]])))
    assert metric.compute() == [0.0, 1.0]


def test_rec_sys_input_errors() -> None:
    with pytest.raises(TypeError, match="top_k should be a list"):
        RS.HitRate(top_k=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="top_k should be a non-empty list of positive ints, got \\[0\\]"):
        RS.NDCG(top_k=[0])
    with pytest.raises(ValueError, match="gain_function should be one of"):
        RS.NDCG([1], gain_function="log")
    with pytest.raises(TypeError, match="relevance_threshold should be a float"):
        RS.NDCG([1], relevance_threshold="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ignore_zero_hits should be a bool"):
        RS.HitRate([1], ignore_zero_hits=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\(num_users, num_items\)"):
        RS.HitRate([1]).update((torch.rand(3, 4), torch.rand(3, 5)))
    with pytest.raises(ValueError, match="NaN"):
        RS.NDCG([1]).update((torch.tensor([[float("nan"), 0.0]]), torch.tensor([[1.0, 0.0]])))
    only_misses = RS.HitRate([1])
    only_misses.update((torch.rand(2, 3), torch.zeros(2, 3)))  # every user skipped: nothing to average
    with pytest.raises(NotComputableError):
        only_misses.compute()


def test_rec_sys_exports() -> None:
    assert set(RS.__all__) == {"HitRate", "NDCG"}
