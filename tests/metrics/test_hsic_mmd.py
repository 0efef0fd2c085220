"""HSIC and MaximumMeanDiscrepancy against numpy oracles written from the estimators' definitions."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import check_metric

from ignite.exceptions import NotComputableError
from ignite.metrics import hsic as hsic_module
from ignite.metrics import maximum_mean_discrepancy as mmd_module
from ignite.metrics.hsic import HSIC
from ignite.metrics.maximum_mean_discrepancy import MaximumMeanDiscrepancy

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def dependent_batches(sizes: Sequence[int], seed: int = 0, shape: tuple[int, ...] = (3,)) -> list[Any]:
    # y depends on x non-linearly, with noise: HSIC well above 0, and x, y far enough apart for a non-zero MMD.
    g = torch.Generator().manual_seed(seed)
    out = []
    for b in sizes:
        x = torch.randn(b, *shape, generator=g)
        y = torch.sin(2 * x) + 0.5 + 0.3 * torch.randn(b, *shape, generator=g)
        out.append((x, y))
    return out


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    distances: np.ndarray = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
    return distances


def _gaussian_gram(x: np.ndarray, sigma: float) -> np.ndarray:
    d = _squared_distances(x, x)
    variance = np.median(d) if sigma < 0 else sigma**2
    k = np.exp(-d / (2 * variance))
    np.fill_diagonal(k, 0.0)
    return k


def _hsic_batch(x: np.ndarray, y: np.ndarray, sigma_x: float, sigma_y: float) -> float:
    b = x.shape[0]
    k, l = _gaussian_gram(x, sigma_x), _gaussian_gram(y, sigma_y)  # noqa: E741
    ones = np.ones(b)
    value = (
        np.trace(k @ l)
        + (ones @ k @ ones) * (ones @ l @ ones) / ((b - 1) * (b - 2))
        - 2.0 / (b - 2) * (ones @ k @ l @ ones)
    ) / (b * (b - 3))
    return max(float(value), 0.0)


def hsic_oracle(sigma_x: float, sigma_y: float) -> Callable[[Sequence[Any]], float]:
    def oracle(batches: Sequence[Any]) -> float:
        values = [
            _hsic_batch(x.double().flatten(1).numpy(), y.double().flatten(1).numpy(), sigma_x, sigma_y)
            for x, y in batches
            if x.shape[0] >= 4
        ]
        return sum(values) / len(values)

    return oracle


def mmd_oracle(var: float) -> Callable[[Sequence[Any]], float]:
    def oracle(batches: Sequence[Any]) -> float:
        total = 0.0
        for x_t, y_t in batches:
            x, y = x_t.double().flatten(1).numpy(), y_t.double().flatten(1).numpy()
            b = x.shape[0]
            off_diagonal = ~np.eye(b, dtype=bool)
            kxx = np.exp(-_squared_distances(x, x) / (2 * var))[off_diagonal].mean()
            kyy = np.exp(-_squared_distances(y, y) / (2 * var))[off_diagonal].mean()
            kxy = np.exp(-_squared_distances(x, y) / (2 * var)).mean()
            total += kxx + kyy - 2 * kxy
        return math.sqrt(max(total / len(batches), 0.0))

    return oracle


HSIC_CASES = [(-1.0, -1.0), (1.5, 0.7), (-1.0, 2.0)]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(("sigma_x", "sigma_y"), HSIC_CASES)
def test_hsic(sigma_x: float, sigma_y: float, distributed: bool, request: Any) -> None:
    # A batch of 3 is skipped (ignore_invalid_batch=True by default) and (B, 2, 3) inputs are flattened.
    batches = dependent_batches([8, 3, 12, 9, 16, 10], shape=(2, 3))
    factory = partial(HSIC, sigma_x=sigma_x, sigma_y=sigma_y)
    check_metric(factory, hsic_oracle(sigma_x, sigma_y), batches, _pool(request, distributed), rtol=1e-9)


def test_hsic_is_near_zero_for_independent_samples_and_large_for_dependent_ones() -> None:
    g = torch.Generator().manual_seed(1)
    independent, dependent = HSIC(), HSIC()
    for _ in range(4):
        x = torch.randn(64, 2, generator=g)
        independent.update((x, torch.randn(64, 2, generator=g)))
        dependent.update((x, x**2))
    assert independent.compute() < 1e-3 < 5e-3 < dependent.compute()


def test_hsic_known_value() -> None:
    x = torch.arange(50.0).reshape(10, 5)
    metric = HSIC()
    metric.update((x, torch.sin(x * torch.pi * 2 / 50)))
    assert metric.compute() == pytest.approx(0.09226646274328232, rel=1e-6)  # Ignite's documented value


def test_hsic_input_errors() -> None:
    with pytest.raises(ValueError, match="sigma_x should be positive, or negative for the median heuristic, got 0"):
        HSIC(sigma_x=0)
    with pytest.raises(TypeError, match="sigma_y should be a float, got str"):
        HSIC(sigma_y="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ignore_invalid_batch should be a bool"):
        HSIC(ignore_invalid_batch=None)  # type: ignore[arg-type]
    strict = HSIC(ignore_invalid_batch=False)
    with pytest.raises(ValueError, match="at least 4 samples per batch, got 3"):
        strict.update((torch.rand(3, 2), torch.rand(3, 2)))
    with pytest.raises(ValueError, match=r"same batch size B, got \(5, 2\) and \(4, 2\)"):
        strict.update((torch.rand(5, 2), torch.rand(4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        strict.update((torch.full((5, 2), float("nan")), torch.rand(5, 2)))
    lenient = HSIC()
    lenient.update((torch.rand(2, 2), torch.rand(2, 2)))  # skipped: nothing to average
    with pytest.raises(NotComputableError):
        lenient.compute()


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(("var", "shape"), [(1.0, (3,)), (0.5, (2, 2)), (4.0, (5,))])
def test_maximum_mean_discrepancy(var: float, shape: tuple[int, ...], distributed: bool, request: Any) -> None:
    batches = dependent_batches([6, 9, 2, 12, 7, 10], seed=3, shape=shape)
    factory = partial(MaximumMeanDiscrepancy, var=var)
    check_metric(factory, mmd_oracle(var), batches, _pool(request, distributed), rtol=1e-9)


def test_maximum_mean_discrepancy_known_value() -> None:
    x = torch.tensor(
        [
            [-0.80324818, -0.95768364, -0.03807209],
            [-0.11059691, -0.38230813, -0.4111988],
            [-0.8864329, -0.02890403, -0.60119252],
            [-0.68732452, -0.12854739, -0.72095073],
            [-0.62604613, -0.52368328, -0.24112842],
        ]
    )
    y = torch.tensor(
        [
            [0.0686768, 0.80502737, 0.53321717],
            [0.83849465, 0.59099726, 0.76385441],
            [0.68688272, 0.56833803, 0.98100778],
            [0.55267761, 0.13084654, 0.45382906],
            [0.0754253, 0.70317304, 0.4756805],
        ]
    )
    metric = MaximumMeanDiscrepancy()
    metric.update((x, y))
    assert metric.compute() == pytest.approx(1.0726, abs=1e-4)  # Ignite's documented value
    same = MaximumMeanDiscrepancy()
    same.update((x, x))
    assert same.compute() == pytest.approx(0.0, abs=1e-7)


def test_maximum_mean_discrepancy_input_errors() -> None:
    with pytest.raises(ValueError, match="var should be a positive finite float, got 0"):
        MaximumMeanDiscrepancy(var=0)
    with pytest.raises(TypeError, match="var should be a positive float, got NoneType"):
        MaximumMeanDiscrepancy(var=None)  # type: ignore[arg-type]
    metric = MaximumMeanDiscrepancy()
    with pytest.raises(ValueError, match=r"same shape \(B, ...\) with at least 2 dimensions, got \(4,\) and \(4,\)"):
        metric.update((torch.rand(4), torch.rand(4)))
    with pytest.raises(ValueError, match=r"got \(4, 2\) and \(4, 3\)"):
        metric.update((torch.rand(4, 2), torch.rand(4, 3)))
    with pytest.raises(ValueError, match="at least 2 samples per batch, got 1"):
        metric.update((torch.rand(1, 2), torch.rand(1, 2)))
    with pytest.raises(TypeError, match=r"x should be a torch\.Tensor"):
        metric.update(([1.0, 2.0], torch.rand(2, 1)))
    with pytest.raises(NotComputableError):
        metric.compute()


def test_hsic_mmd_exports() -> None:
    assert hsic_module.__all__ == ["HSIC"]
    assert mmd_module.__all__ == ["MaximumMeanDiscrepancy"]
