"""PSNR, SSIM (2D and 3D), MeanPairwiseDistance and CosineSimilarity against numpy/scipy references."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric
from scipy import ndimage

from ignite.metrics import PSNR, SSIM, CosineSimilarity, MeanPairwiseDistance

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def image_batches(spatial: tuple[int, ...], n: int = 4, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        y = torch.rand(2 + i % 2, 2, *spatial, generator=g)
        noise = 0.1 * torch.randn(y.shape, generator=g)
        out.append(((y + noise).clamp(0, 1), y))
    return out


def _ssim_reference(
    a: np.ndarray, b: np.ndarray, sizes: Sequence[int], sigmas: Sequence[float], gaussian: bool
) -> np.ndarray:
    # Separable window applied with scipy (mirror = torch's "reflect" padding), SSIM per sample.
    windows = []
    for size, sigma in zip(sizes, sigmas, strict=True):
        x = np.arange(size) - (size - 1) / 2
        w = np.exp(-0.5 * (x / sigma) ** 2) if gaussian else np.ones(size)
        windows.append(w / w.sum())
    kernel = windows[0]
    for w in windows[1:]:
        kernel = np.multiply.outer(kernel, w)

    def smooth(v: np.ndarray) -> np.ndarray:
        out = np.empty_like(v)
        for i in range(v.shape[0]):
            for c in range(v.shape[1]):
                out[i, c] = ndimage.correlate(v[i, c], kernel, mode="mirror")
        return out

    a, b = a.astype(np.float64), b.astype(np.float64)
    mu_a, mu_b = smooth(a), smooth(b)
    var_a, var_b, cov = smooth(a * a) - mu_a**2, smooth(b * b) - mu_b**2, smooth(a * b) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return s.reshape(s.shape[0], -1).mean(axis=1)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(
    ("spatial", "kwargs", "sizes", "sigmas", "gaussian"),
    [
        ((16, 16), {}, (11, 11), (1.5, 1.5), True),
        ((12, 14), {"kernel_size": (5, 3), "sigma": (1.0, 0.5)}, (5, 3), (1.0, 0.5), True),
        ((10, 10), {"kernel_size": 5, "gaussian": False}, (5, 5), (1.5, 1.5), False),
        ((7, 8, 9), {"kernel_size": 3, "sigma": 1.0}, (3, 3, 3), (1.0, 1.0, 1.0), True),
        ((12, 12, 12), {}, (11, 11, 11), (1.5, 1.5, 1.5), True),
    ],
)
def test_ssim_matches_reference(
    spatial: tuple[int, ...],
    kwargs: dict[str, Any],
    sizes: Any,
    sigmas: Any,
    gaussian: bool,
    distributed: bool,
    request: Any,
) -> None:
    def oracle(batches: Sequence[Any]) -> float:
        y_pred, y = cat_batches(batches)
        return float(_ssim_reference(y_pred, y, sizes, sigmas, gaussian).mean())

    check_metric(partial(SSIM, 1.0, **kwargs), oracle, image_batches(spatial), _pool(request, distributed), rtol=1e-6)


def test_ssim_errors() -> None:
    with pytest.raises(ValueError, match="kernel_size"):
        SSIM(1.0, kernel_size=4)
    with pytest.raises(ValueError, match="sigma"):
        SSIM(1.0, sigma=-1.0)
    with pytest.raises(ValueError, match="data_range"):
        SSIM(0)
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        SSIM(1.0).update((torch.rand(2, 16, 16), torch.rand(2, 16, 16)))
    with pytest.raises(ValueError, match="spatial sizes"):
        SSIM(1.0).update((torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8)))
    with pytest.raises(TypeError, match="same dtype"):
        SSIM(1.0).update((torch.rand(1, 1, 16, 16), torch.rand(1, 1, 16, 16).double()))
    with pytest.raises(ValueError, match="same shape"):
        SSIM(1.0).update((torch.rand(1, 1, 16, 16), torch.rand(1, 2, 16, 16)))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("data_range", [1.0, 255.0])
def test_psnr(data_range: float, distributed: bool, request: Any) -> None:
    batches = [(a * data_range, b * data_range) for a, b in image_batches((8, 8))]

    def oracle(batches: Sequence[Any]) -> float:
        y_pred, y = cat_batches(batches)
        mse = ((y_pred.astype(np.float64) - y) ** 2).reshape(y.shape[0], -1).mean(axis=1)
        return float(np.mean(10 * np.log10(data_range**2 / (mse + 1e-10))))

    check_metric(partial(PSNR, data_range), oracle, batches, _pool(request, distributed))
    with pytest.raises(ValueError, match="data_range"):
        PSNR(-1.0)


def vector_batches(seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(3 + i, 5, generator=g), torch.randn(3 + i, 5, generator=g)) for i in range(6)]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("p", [1, 2, 3])
def test_mean_pairwise_distance(p: int, distributed: bool, request: Any) -> None:
    def oracle(batches: Sequence[Any]) -> float:
        y_pred, y = cat_batches(batches)
        diff = np.abs(y_pred.astype(np.float64) - y + 1e-6)
        return float(np.mean((diff**p).sum(axis=1) ** (1 / p)))

    check_metric(partial(MeanPairwiseDistance, p), oracle, vector_batches(), _pool(request, distributed), rtol=1e-5)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
def test_cosine_similarity(distributed: bool, request: Any) -> None:
    def oracle(batches: Sequence[Any]) -> float:
        a, b = (x.astype(np.float64) for x in cat_batches(batches))
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        return float(cos.mean())

    check_metric(CosineSimilarity, oracle, vector_batches(1), _pool(request, distributed))
    with pytest.raises(ValueError, match="same shape"):
        CosineSimilarity().update((torch.rand(2, 3), torch.rand(2, 4)))


@pytest.mark.parametrize("factory", [partial(PSNR, 1.0), CosineSimilarity, MeanPairwiseDistance])
def test_nan_inputs_are_named(factory: Any) -> None:
    with pytest.raises(ValueError, match="Argument y should not contain NaN"):
        factory().update((torch.ones(2, 3), torch.tensor([[1.0, float("nan"), 0.0], [1.0, 1.0, 1.0]])))
    with pytest.raises(ValueError, match="Argument y_pred should not contain NaN"):
        factory().update((torch.full((2, 3), float("nan")), torch.ones(2, 3)))
