"""Entropy, KLDivergence, JSDivergence and MutualInformation against scipy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric
from scipy import special, stats
from scipy.spatial import distance

from ignite.exceptions import NotComputableError
from ignite.metrics import Entropy, JSDivergence, KLDivergence, MutualInformation

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def batches(spatial: bool, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(6):
        shape = (3 + i, 5, 2, 3) if spatial else (3 + i, 5)
        out.append((3 * torch.randn(shape, generator=g), 3 * torch.randn(shape, generator=g)))
    return out


def _probabilities(logits: np.ndarray) -> np.ndarray:
    rows = np.moveaxis(logits.astype(np.float64), 1, -1).reshape(-1, logits.shape[1])
    return special.softmax(rows, axis=1)


def _oracle(fn: Callable[[np.ndarray, np.ndarray], float]) -> Callable[[Sequence[Any]], float]:
    def oracle(bs: Sequence[Any]) -> float:
        y_pred, y = cat_batches(bs)
        return fn(_probabilities(y_pred), _probabilities(y))

    return oracle


def _mutual_information(q: np.ndarray, _: np.ndarray) -> float:
    return float(stats.entropy(q.mean(axis=0)) - stats.entropy(q, axis=1).mean())


CASES: list[tuple[Any, Callable[[np.ndarray, np.ndarray], float]]] = [
    (Entropy, lambda q, p: float(stats.entropy(q, axis=1).mean())),
    (KLDivergence, lambda q, p: float(stats.entropy(p, q, axis=1).mean())),
    (JSDivergence, lambda q, p: float((distance.jensenshannon(p, q, axis=1) ** 2).mean())),
    (MutualInformation, _mutual_information),
]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("spatial", [False, True])
@pytest.mark.parametrize(("factory", "reference"), CASES, ids=lambda c: getattr(c, "__name__", None) or "oracle")
def test_information_metric(factory: Any, reference: Any, spatial: bool, distributed: bool, request: Any) -> None:
    check_metric(factory, _oracle(reference), batches(spatial), _pool(request, distributed), rtol=1e-7, atol=1e-10)


def test_known_values() -> None:
    kl = KLDivergence()
    kl.update((torch.zeros(1, 2), torch.tensor([[0.0, 0.0]])))
    assert kl.compute() == 0.0
    mi = MutualInformation()
    mi.update((torch.full((3, 4), 2.0), torch.zeros(3)))  # identical predictions carry no information
    assert mi.compute() == pytest.approx(0.0, abs=1e-12)


def test_information_input_errors() -> None:
    with pytest.raises(ValueError, match=r"y_pred should have shape \(B, C\)"):
        Entropy().update((torch.rand(4), torch.rand(4)))
    with pytest.raises(TypeError, match="floating point logits"):
        Entropy().update((torch.ones(2, 3, dtype=torch.int64), torch.rand(2)))
    with pytest.raises(ValueError, match="same shape"):
        KLDivergence().update((torch.rand(2, 3), torch.rand(2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        JSDivergence().update((torch.rand(2, 3), torch.tensor([[float("nan"), 0.0, 0.0]] * 2)))
    mi = MutualInformation()
    mi.update((torch.rand(2, 3), torch.rand(2)))
    with pytest.raises(ValueError, match="number of classes 3"):
        mi.update((torch.rand(2, 4), torch.rand(2)))
    for cls in (Entropy, KLDivergence, JSDivergence, MutualInformation):
        with pytest.raises(NotComputableError):
            cls().compute()
