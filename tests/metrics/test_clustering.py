"""ignite.metrics.clustering against scikit-learn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric
from sklearn import metrics as skm

from ignite.metrics import clustering as C
from ignite.metrics import functional as MF
from ignite.metrics.epoch_metric import EpochMetricWarning

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def batches(seed: int = 0, label_offset: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    # Every batch holds 3 clusters of 2+ points, so the score exists on any prefix and on any rank's share.
    g = torch.Generator().manual_seed(seed)
    centers = 3 * torch.randn(3, 4, generator=g)
    out = []
    for i in range(6):
        n = 7 + i
        labels = torch.arange(n)[torch.randperm(n, generator=g)] % 3
        features = centers[labels] + torch.randn(n, 4, generator=g)
        out.append((features, labels * 5 + label_offset))
    return out


def _sk(fn: Callable[..., float], **kwargs: Any) -> Callable[[Sequence[Any]], float]:
    def oracle(bs: Sequence[Any]) -> float:
        x, labels = cat_batches(bs)
        return float(fn(x.astype(np.float64), labels, **kwargs))

    return oracle


CASES: list[tuple[Any, Callable[[Sequence[Any]], float]]] = [
    (C.SilhouetteScore, _sk(skm.silhouette_score)),
    (partial(C.SilhouetteScore, silhouette_kwargs={"metric": "cosine"}), _sk(skm.silhouette_score, metric="cosine")),
    (
        partial(C.SilhouetteScore, silhouette_kwargs={"metric": "manhattan"}),
        _sk(skm.silhouette_score, metric="manhattan"),
    ),
    (C.DaviesBouldinScore, _sk(skm.davies_bouldin_score)),
    (C.CalinskiHarabaszScore, _sk(skm.calinski_harabasz_score)),
]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(("factory", "oracle"), CASES, ids=lambda c: getattr(c, "__name__", None) or str(c)[:60])
def test_clustering_metric(factory: Any, oracle: Any, distributed: bool, request: Any) -> None:
    check_metric(factory, oracle, batches(label_offset=-3), _pool(request, distributed), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cityblock", "cosine"])
def test_silhouette_function_matches_sklearn_on_many_points(metric: str) -> None:
    # More rows than one chunk of the distance matrix, and a singleton cluster (its sample scores 0).
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2500, 5, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 6, (2500,), generator=g)
    labels[0] = 9
    expected = skm.silhouette_score(x.numpy(), labels.numpy(), metric=metric)
    assert MF.silhouette_score(x, labels, metric=metric) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_degenerate_clusterings_follow_sklearn() -> None:
    # All points of each cluster on their centroid: zero within-cluster dispersion.
    x = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    labels = torch.tensor([0, 0, 1, 1])
    assert MF.davies_bouldin_score(x, labels) == skm.davies_bouldin_score(x.numpy(), labels.numpy()) == 0.0
    assert MF.calinski_harabasz_score(x, labels) == skm.calinski_harabasz_score(x.numpy(), labels.numpy()) == 1.0


def test_clustering_input_errors() -> None:
    with pytest.raises(ValueError, match=r"features should have shape \(B, D\)"):
        C.SilhouetteScore().update((torch.rand(4), torch.tensor([0, 0, 1, 1])))
    with pytest.raises(ValueError, match=r"labels should have shape \(B,\)"):
        C.DaviesBouldinScore().update((torch.rand(4, 2), torch.tensor([0, 1, 1])))
    with pytest.raises(TypeError, match="labels should be an integer tensor"):
        C.CalinskiHarabaszScore().update((torch.rand(4, 2), torch.tensor([0.0, 1.0, 1.0, 0.0])))
    with pytest.raises(TypeError, match="features should be a floating point"):
        C.CalinskiHarabaszScore().update((torch.ones(4, 2, dtype=torch.int64), torch.tensor([0, 1, 1, 0])))
    with pytest.raises(ValueError, match="between 2 and n_samples - 1 = 3 distinct clusters, got 1"):
        MF.silhouette_score(torch.rand(4, 2), torch.zeros(4, dtype=torch.int64))
    with pytest.raises(ValueError, match="NaN"):
        MF.davies_bouldin_score(torch.tensor([[float("nan")], [0.0], [1.0]]), torch.tensor([0, 0, 1]))
    with pytest.raises(ValueError, match="silhouette_kwargs should only hold the key 'metric'"):
        C.SilhouetteScore(silhouette_kwargs={"sample_size": 10})
    with pytest.raises(ValueError, match="metric should be one of"):
        C.SilhouetteScore(silhouette_kwargs={"metric": "chebyshev"})


def test_single_cluster_first_batch_warns_and_compute_raises() -> None:
    metric = C.SilhouetteScore()
    with pytest.warns(EpochMetricWarning, match="between 2 and"):
        metric.update((torch.rand(4, 2), torch.zeros(4, dtype=torch.int64)))
    with pytest.raises(ValueError, match="distinct clusters"):
        metric.compute()
    quiet = C.SilhouetteScore(check_compute_fn=False)
    quiet.update((torch.rand(4, 2), torch.zeros(4, dtype=torch.int64)))  # no warning without the check
    quiet.update((torch.rand(4, 2), torch.ones(4, dtype=torch.int64)))
    assert -1.0 <= quiet.compute() <= 1.0


def test_clustering_exports_and_output_keys() -> None:
    assert set(C.__all__) == {"CalinskiHarabaszScore", "DaviesBouldinScore", "SilhouetteScore"}
    for cls in (C.SilhouetteScore, C.DaviesBouldinScore, C.CalinskiHarabaszScore):
        assert cls.required_output_keys == ("features", "labels")
