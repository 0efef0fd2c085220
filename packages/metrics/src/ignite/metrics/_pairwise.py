"""Per-sample metrics of paired vectors and images averaged over samples: mean pairwise distance, cosine
similarity and PSNR.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_same_shape, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["CosineSimilarity", "MeanPairwiseDistance", "PSNR"]


class _SampleMean(Metric):
    """Sum of a per-sample value and the number of samples."""

    _sum: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_sum", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def _per_sample(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        check_same_shape(y_pred, y)
        if y_pred.ndim < 2:
            raise ValueError(
                f"Arguments y_pred and y should have shape (B, ...) with 2+ dims, got {tuple(y_pred.shape)}"
            )
        batch_sum = self._per_sample(y_pred, y).sum(dtype=torch.float64)
        if bool(torch.isnan(batch_sum)):  # NaN in the inputs shows up here: no extra pass over them otherwise
            check_not_nan("y_pred", y_pred)
            check_not_nan("y", y)
        self._sum += batch_sum.to(self._device)
        self._num_examples += y.shape[0]

    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        return (self._sum / self._num_examples).item()


class MeanPairwiseDistance(_SampleMean):
    """Mean over samples of ``||y_pred - y + eps||_p`` (rows of ``(B, D)`` inputs).

    >>> import torch
    >>> m = MeanPairwiseDistance(p=1, eps=0.0)
    >>> m.update((torch.tensor([[1.0, 2.0]]), torch.tensor([[0.0, 0.0]])))
    >>> m.compute()
    3.0
    """

    def __init__(
        self,
        p: int = 2,
        eps: float = 1e-6,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        self._p = p
        self._eps = eps
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def _per_sample(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.pairwise_distance(y_pred, y, p=self._p, eps=self._eps)


class CosineSimilarity(_SampleMean):
    """Mean over samples of the cosine similarity of the rows of ``y_pred`` and ``y`` (norms clamped to ``eps``).

    >>> import torch
    >>> m = CosineSimilarity()
    >>> m.update((torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([[1.0, 0.0], [-1.0, -1.0]])))
    >>> round(m.compute(), 6)
    0.0
    """

    def __init__(
        self,
        eps: float = 1e-8,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        self.eps = eps
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def _per_sample(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        a = y_pred / torch.linalg.vector_norm(y_pred, dim=1, keepdim=True).clamp(min=self.eps)
        b = y / torch.linalg.vector_norm(y, dim=1, keepdim=True).clamp(min=self.eps)
        similarity: torch.Tensor = (a * b).sum(dim=1)
        return similarity


class PSNR(_SampleMean):
    """Peak signal-to-noise ratio ``10 log10(data_range^2 / MSE)`` per image, averaged over images.

    ``y_pred`` and ``y`` are ``(B, ...)`` with the same shape and dtype.

    >>> import torch
    >>> m = PSNR(data_range=1.0)
    >>> m.update((torch.full((1, 4), 0.5), torch.full((1, 4), 0.6)))
    >>> round(m.compute(), 4)
    20.0
    """

    def __init__(
        self,
        data_range: float,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(data_range, bool) or not isinstance(data_range, (int, float)) or data_range <= 0:
            raise ValueError(f"Argument data_range should be a positive number, got {data_range!r}")
        self.data_range = float(data_range)
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def _per_sample(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if y_pred.dtype != y.dtype:
            raise TypeError(f"Arguments y_pred and y should have the same dtype, got {y_pred.dtype} and {y.dtype}")
        dims = tuple(range(1, y.ndim))
        mse = (y_pred.double() - y.double()).pow(2).mean(dim=dims)
        psnr: torch.Tensor = 10.0 * torch.log10(self.data_range**2 / (mse + 1e-10))
        return psnr
