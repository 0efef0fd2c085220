"""Hilbert-Schmidt Independence Criterion: the unbiased estimator of Song et al. (2012), averaged over batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["HSIC"]

_MIN_BATCH = 4


def _squared_distances(x: torch.Tensor) -> torch.Tensor:
    gram = x @ x.T
    norms = gram.diagonal()
    # Rounding can leave tiny negative values where two samples coincide.
    return (norms[:, None] + norms[None, :] - 2.0 * gram).clamp_(min=0.0)


def _median(values: torch.Tensor) -> torch.Tensor:
    # The mean of the two middle values for an even count, as torch.quantile(values, 0.5) and numpy.median; a sort
    # has no input-size limit, unlike torch.quantile.
    ordered = torch.sort(values.flatten()).values
    n = ordered.numel()
    return (ordered[(n - 1) // 2] + ordered[n // 2]) / 2


def _kernel(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian kernel matrix with a zero diagonal; a negative ``sigma`` takes the median squared distance as
    ``sigma ** 2``."""
    distances = _squared_distances(x)
    variance = _median(distances) if sigma < 0 else torch.tensor(sigma * sigma, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-0.5 * distances / variance)
    return kernel.fill_diagonal_(0.0)


def hsic_unbiased(k: torch.Tensor, l: torch.Tensor) -> torch.Tensor:  # noqa: E741 - the paper's name
    """Eq. (5) of Song et al. (2012) from two ``(B, B)`` kernel matrices with zero diagonals, ``B >= 4``."""
    b = k.shape[0]
    kl = k @ l
    value = kl.trace() + k.sum() * l.sum() / ((b - 1) * (b - 2)) - 2.0 * kl.sum() / (b - 2)
    return value / (b * (b - 3))


class HSIC(Metric):
    r"""Hilbert-Schmidt Independence Criterion between ``y_pred`` (:math:`X`) and ``y`` (:math:`Y`).

    For each batch of :math:`B \geq 4` samples, the unbiased estimator of Song et al. (2012, Eq. 5)

    .. math::
        \frac{1}{B(B-3)}\left[\operatorname{tr}(\tilde K \tilde L) + \frac{\mathbf 1^\top \tilde K \mathbf 1 \,
        \mathbf 1^\top \tilde L \mathbf 1}{(B-1)(B-2)} - \frac{2}{B-2} \mathbf 1^\top \tilde K \tilde L \mathbf 1
        \right]

    is computed with Gaussian kernels :math:`\tilde K`, :math:`\tilde L` (diagonals set to zero), clamped at 0 and
    averaged over batches. It is 0 when :math:`X` and :math:`Y` are independent.

    Args:
        sigma_x: bandwidth of the kernel on :math:`X`; negative: the median heuristic (the median of the squared
            distances between the samples of the batch, zeros of the diagonal included, is taken as
            :math:`\sigma^2`).
        sigma_y: the same for :math:`Y`.
        ignore_invalid_batch: skip batches of fewer than 4 samples; when False they raise a ValueError.
        output_transform, device, skip_unrolling: see :class:`~ignite.metrics.metric.Metric`.

    ``update((y_pred, y))`` takes two tensors ``(B, ...)`` with the same ``B`` (flattened to ``(B, features)``).
    ``compute()`` returns a float.

    >>> import torch
    >>> x = torch.arange(50.0).reshape(10, 5)
    >>> m = HSIC()
    >>> m.update((x, torch.sin(x * torch.pi * 2 / 50)))
    >>> round(m.compute(), 6)
    0.092266
    """

    _sum_of_hsic: torch.Tensor
    _num_batches: torch.Tensor

    def __init__(
        self,
        sigma_x: float = -1,
        sigma_y: float = -1,
        ignore_invalid_batch: bool = True,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        for name, sigma in (("sigma_x", sigma_x), ("sigma_y", sigma_y)):
            if isinstance(sigma, bool) or not isinstance(sigma, (int, float)):
                raise TypeError(f"Argument {name} should be a float, got {type(sigma).__name__}")
            if sigma == 0 or sigma != sigma:
                raise ValueError(
                    f"Argument {name} should be positive, or negative for the median heuristic, got {sigma}"
                )
        if not isinstance(ignore_invalid_batch, bool):
            raise TypeError(
                f"Argument ignore_invalid_batch should be a bool, got {type(ignore_invalid_batch).__name__}"
            )
        self.sigma_x = float(sigma_x)
        self.sigma_y = float(sigma_y)
        self.ignore_invalid_batch = ignore_invalid_batch
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_sum_of_hsic", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_batches", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        if y_pred.ndim == 0 or y.ndim == 0 or y_pred.shape[0] != y.shape[0]:
            raise ValueError(
                "Arguments y_pred and y should have shapes (B, ...) with the same batch size B, "
                f"got {tuple(y_pred.shape)} and {tuple(y.shape)}"
            )
        b = y_pred.shape[0]
        if b < _MIN_BATCH:
            if self.ignore_invalid_batch:
                return
            raise ValueError(f"Arguments y_pred and y should hold at least {_MIN_BATCH} samples per batch, got {b}")
        check_not_nan("y_pred", y_pred)
        check_not_nan("y", y)
        # float64: the unbiased estimator subtracts terms of similar size, which float32 would blur.
        x = y_pred.detach().reshape(b, -1).to(torch.float64)
        k = _kernel(x, self.sigma_x)
        l = _kernel(y.detach().reshape(b, -1).to(torch.float64), self.sigma_y)  # noqa: E741
        self._sum_of_hsic += hsic_unbiased(k, l).clamp(min=0.0).to(self._device)
        self._num_batches += 1

    def compute(self) -> float:
        n = int(self._num_batches)
        if n == 0:
            raise NotComputableError("HSIC must have at least one batch before it can be computed.")
        return float(self._sum_of_hsic) / n
