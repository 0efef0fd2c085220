"""ignite.metrics.regression against numpy / scipy / scikit-learn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric
from scipy import stats
from sklearn import metrics as skm

from ignite.exceptions import NotComputableError
from ignite.metrics import regression as R

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def batches(ties: bool = False, column: bool = False, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    # Positive values away from zero, so that every relative metric is defined.
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(6):
        shape = (5 + i, 1) if column else (5 + i,)
        y_pred, y = 1 + torch.rand(shape, generator=g), 1 + torch.rand(shape, generator=g)
        if ties:
            # Ties within each of y_pred and y, on grids that never meet (no zero error).
            y_pred, y = (y_pred * 4).round() / 4, (y * 3).round() / 3 + 0.01
        out.append((y_pred, y))
    return out


def _np(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Callable[[Sequence[Any]], float]:
    def oracle(bs: Sequence[Any]) -> float:
        p, a = (x.astype(np.float64).reshape(-1) for x in cat_batches(bs))
        return float(fn(p, a))

    return oracle


CASES: list[tuple[Any, Callable[[np.ndarray, np.ndarray], Any]]] = [
    (R.CanberraMetric, lambda p, a: np.sum(np.abs(a - p) / (np.abs(a) + np.abs(p)))),
    (R.ManhattanDistance, lambda p, a: np.sum(np.abs(a - p))),
    (R.WaveHedgesDistance, lambda p, a: np.sum(np.abs(a - p) / np.maximum(a, p))),
    (R.FractionalAbsoluteError, lambda p, a: np.mean(2 * np.abs(a - p) / (np.abs(a) + np.abs(p)))),
    (R.FractionalBias, lambda p, a: np.mean(2 * (a - p) / (a + p))),
    (R.MeanAbsoluteRelativeError, lambda p, a: np.mean(np.abs(a - p) / np.abs(a))),
    (R.MeanError, lambda p, a: np.mean(a - p)),
    (R.MeanNormalizedBias, lambda p, a: np.mean((a - p) / a)),
    (R.GeometricMeanAbsoluteError, lambda p, a: np.exp(np.mean(np.log(np.abs(a - p))))),
    (R.R2Score, lambda p, a: skm.r2_score(a, p)),
    (R.PearsonCorrelation, lambda p, a: stats.pearsonr(p, a)[0]),
    (R.MaximumAbsoluteError, lambda p, a: np.max(np.abs(a - p))),
    (R.MedianAbsoluteError, lambda p, a: np.median(np.abs(a - p))),
    (R.MedianAbsolutePercentageError, lambda p, a: 100 * np.median(np.abs(a - p) / np.abs(a))),
    (R.MedianRelativeAbsoluteError, lambda p, a: np.median(np.abs(a - p) / np.abs(a - a.mean()))),
    (R.GeometricMeanRelativeAbsoluteError, lambda p, a: np.exp(np.mean(np.log(np.abs(a - p) / np.abs(a - a.mean()))))),
    (R.SpearmanRankCorrelation, lambda p, a: stats.spearmanr(p, a)[0]),
    (partial(R.KendallRankCorrelation, "b"), lambda p, a: stats.kendalltau(p, a, variant="b")[0]),
    (partial(R.KendallRankCorrelation, "c"), lambda p, a: stats.kendalltau(p, a, variant="c")[0]),
]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize(("factory", "reference"), CASES, ids=lambda c: getattr(c, "__name__", None) or str(c)[:40])
def test_regression_metric(factory: Any, reference: Any, ties: bool, distributed: bool, request: Any) -> None:
    check_metric(factory, _np(reference), batches(ties=ties, column=ties), _pool(request, distributed), rtol=1e-6)


def test_regression_all_is_locked() -> None:
    assert set(R.__all__) == {
        "CanberraMetric",
        "FractionalAbsoluteError",
        "FractionalBias",
        "GeometricMeanAbsoluteError",
        "GeometricMeanRelativeAbsoluteError",
        "KendallRankCorrelation",
        "ManhattanDistance",
        "MaximumAbsoluteError",
        "MeanAbsoluteRelativeError",
        "MeanError",
        "MeanNormalizedBias",
        "MedianAbsoluteError",
        "MedianAbsolutePercentageError",
        "MedianRelativeAbsoluteError",
        "PearsonCorrelation",
        "R2Score",
        "SpearmanRankCorrelation",
        "WaveHedgesDistance",
    }


def test_regression_input_errors() -> None:
    with pytest.raises(ValueError, match="same shape"):
        R.R2Score().update((torch.rand(3), torch.rand(4)))
    with pytest.raises(ValueError, match=r"\(N,\) or \(N, 1\)"):
        R.MeanError().update((torch.rand(3, 2), torch.rand(3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        R.MeanError().update((torch.tensor([float("nan")]), torch.tensor([1.0])))
    with pytest.raises(ValueError, match="zeros"):
        R.MeanAbsoluteRelativeError().update((torch.tensor([1.0]), torch.tensor([0.0])))
    r2 = R.R2Score()
    r2.update((torch.tensor([1.0]), torch.tensor([1.0])))
    with pytest.raises(NotComputableError, match="at least 2"):
        r2.compute()
    with pytest.raises(NotComputableError):
        R.MaximumAbsoluteError().compute()
    with pytest.raises(ValueError, match="variant"):
        R.KendallRankCorrelation("a")
