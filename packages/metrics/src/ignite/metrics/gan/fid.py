"""Fréchet distance between the feature distributions of two sets of samples (FID), computed in torch."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics.gan.utils import InceptionModel, _BaseInceptionMetric
from ignite.metrics.metric import _CPU, _identity

__all__ = ["FID", "fid_score"]


def _check_moments(mu1: torch.Tensor, mu2: torch.Tensor, sigma1: torch.Tensor, sigma2: torch.Tensor) -> None:
    named = {"mu1": mu1, "mu2": mu2, "sigma1": sigma1, "sigma2": sigma2}
    for name, value in named.items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"Argument {name} should be a torch.Tensor, got {type(value).__name__}")
    d = mu1.shape[0] if mu1.ndim == 1 else -1
    for name, value in named.items():
        expected = (d,) if name.startswith("mu") else (d, d)
        if d < 0 or tuple(value.shape) != expected:
            raise ValueError(
                f"Arguments mu1, mu2 should have shape (D,) and sigma1, sigma2 shape (D, D) with the same D, "
                f"got {name} of shape {tuple(value.shape)}"
            )


def _without_noise(eigenvalues: torch.Tensor) -> torch.Tensor:
    """Eigenvalues within rounding error of zero (relative to the largest) set to zero.

    Covariances of fewer samples than features are singular; the square root would turn their ~1e-16 rounding
    noise into ~1e-8 contributions to the trace.
    """
    if eigenvalues.numel() == 0:
        return eigenvalues
    tolerance = eigenvalues.abs().max() * eigenvalues.shape[0] * torch.finfo(eigenvalues.dtype).eps
    return torch.where(eigenvalues > tolerance, eigenvalues, 0.0)


def _sqrt_psd(sigma: torch.Tensor) -> torch.Tensor:
    """Symmetric square root of a covariance (positive semi-definite up to rounding)."""
    eigenvalues, eigenvectors = torch.linalg.eigh(sigma)
    root: torch.Tensor = (eigenvectors * _without_noise(eigenvalues).sqrt()) @ eigenvectors.T
    return root


def _trace_sqrt_product(sigma1: torch.Tensor, sigma2: torch.Tensor) -> torch.Tensor:
    # sigma1 @ sigma2 is similar to S @ sigma2 @ S with S = sqrt(sigma1), which is symmetric positive
    # semi-definite: its eigenvalues, hence the trace of the square root, come from a symmetric eigensolver
    # (real and stable) instead of a general matrix square root of a non-symmetric product.
    root1 = _sqrt_psd(sigma1)
    inner = root1 @ sigma2 @ root1
    inner = (inner + inner.T) / 2
    trace: torch.Tensor = _without_noise(torch.linalg.eigvalsh(inner)).sqrt().sum()
    return trace


def fid_score(
    mu1: torch.Tensor, mu2: torch.Tensor, sigma1: torch.Tensor, sigma2: torch.Tensor, eps: float = 1e-6
) -> float:
    """Fréchet distance ``|mu1 - mu2|^2 + tr(sigma1) + tr(sigma2) - 2 tr((sigma1 sigma2)^(1/2))`` between two
    Gaussians given by their means ``(D,)`` and covariances ``(D, D)``.

    The trace of the matrix square root is computed from symmetric eigen-decompositions in double precision.
    ``eps`` is added to the diagonals of both covariances only if that eigen-decomposition fails to converge.

    >>> import torch
    >>> mu1, mu2 = torch.zeros(2), torch.tensor([3.0, 4.0])
    >>> fid_score(mu1, mu2, torch.eye(2), 4 * torch.eye(2))
    27.0
    """
    _check_moments(mu1, mu2, sigma1, sigma2)
    dtype = torch.float32 if mu1.device.type == "mps" else torch.float64
    mu1, mu2, sigma1, sigma2 = (t.to(dtype) for t in (mu1, mu2, sigma1, sigma2))
    try:
        trace_sqrt = _trace_sqrt_product(sigma1, sigma2)
    except RuntimeError:  # torch.linalg.LinAlgError: the eigensolver did not converge
        offset = eps * torch.eye(sigma1.shape[0], dtype=dtype, device=sigma1.device)
        trace_sqrt = _trace_sqrt_product(sigma1 + offset, sigma2 + offset)
    diff = mu1 - mu2
    value = diff.dot(diff) + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt
    return float(value)


class FID(_BaseInceptionMetric):
    """Fréchet Inception Distance between the features of generated samples and real samples (lower is better).

    ``update`` takes ``(y_pred, y)``: a batch of generated samples and a batch of real samples of the same size.
    Each is mapped through ``feature_extractor`` to ``(B, num_features)`` features, whose sums and sums of outer
    products are accumulated in float64 (summed across ranks); ``compute`` forms the two means and covariances and
    returns their Fréchet distance (:func:`fid_score`) as a float.

    Args:
        num_features: width of the features returned by ``feature_extractor``. Required when
            ``feature_extractor`` is given; with neither, the extractor is torchvision's pretrained Inception-v3
            (:class:`~ignite.metrics.gan.utils.InceptionModel`, 1000 class probabilities, needs torchvision and
            the cached weights); with only ``num_features``, the inputs are the features themselves.
        feature_extractor: a ``torch.nn.Module`` (moved to ``device``) or any callable mapping a batch to
            ``(B, num_features)``.
        output_transform: maps the engine output to ``(y_pred, y)``.
        device: where the features and accumulators live.

    >>> import torch
    >>> m = FID(num_features=2)
    >>> m.update((torch.tensor([[0.0, 0.0], [2.0, 2.0]]), torch.tensor([[1.0, 1.0], [3.0, 3.0]])))
    >>> round(m.compute(), 6)
    2.0
    """

    _train_sigma: torch.Tensor
    _train_total: torch.Tensor
    _test_sigma: torch.Tensor
    _test_total: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        num_features: int | None = None,
        feature_extractor: Callable[[torch.Tensor], torch.Tensor] | None = None,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
    ) -> None:
        if num_features is None and feature_extractor is None:
            num_features = 1000
            feature_extractor = InceptionModel(return_features=False, device=device)
        self._eps = 1e-6
        super().__init__(num_features, feature_extractor, output_transform=output_transform, device=device)
        d, dtype = self._num_features, self._double_dtype
        self.add_state("_train_sigma", torch.zeros(d, d, dtype=dtype), "sum")
        self.add_state("_train_total", torch.zeros(d, dtype=dtype), "sum")
        self.add_state("_test_sigma", torch.zeros(d, d, dtype=dtype), "sum")
        self.add_state("_test_total", torch.zeros(d, dtype=dtype), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Sequence[torch.Tensor]) -> None:
        if not isinstance(output, Sequence) or len(output) != 2:
            raise TypeError(f"Argument output should be a pair (y_pred, y) of tensors, got {type(output).__name__}")
        train = self._extract_features("y_pred", output[0])
        test = self._extract_features("y", output[1])
        if train.shape != test.shape:
            raise ValueError(
                f"Arguments y_pred and y should give as many samples each, got features of shape "
                f"{tuple(train.shape)} and {tuple(test.shape)}"
            )
        train_sum, test_sum = train.sum(dim=0), test.sum(dim=0)
        self._check_finite("y_pred", train, train_sum)
        self._check_finite("y", test, test_sum)
        self._train_total += train_sum
        self._train_sigma.addmm_(train.T, train)
        self._test_total += test_sum
        self._test_sigma.addmm_(test.T, test)
        self._num_examples += train.shape[0]

    def _moments(self, total: torch.Tensor, sigma: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        mean = total / n
        covariance = (sigma - torch.outer(total, mean)) / (n - 1)
        return mean, covariance

    def compute(self) -> float:
        n = int(self._num_examples)
        if n < 2:
            raise NotComputableError(f"FID needs at least 2 samples to estimate covariances, got {n}")
        mu1, sigma1 = self._moments(self._train_total, self._train_sigma, n)
        mu2, sigma2 = self._moments(self._test_total, self._test_sigma, n)
        value = fid_score(mu1, mu2, sigma1, sigma2, eps=self._eps)
        if not math.isfinite(value):
            warnings.warn(
                f"FID is {value}: the covariances of the features are out of the range of floating point numbers",
                RuntimeWarning,
                stacklevel=2,
            )
        return value
