"""Maximum mean discrepancy between two samples, with a Gaussian kernel, from per-batch unbiased kernel means."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["MaximumMeanDiscrepancy"]


def _cross_squared_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a_norms, b_norms = (a * a).sum(dim=1), (b * b).sum(dim=1)
    return (a_norms[:, None] + b_norms[None, :] - 2.0 * (a @ b.T)).clamp_(min=0.0)


class MaximumMeanDiscrepancy(Metric):
    r"""Maximum mean discrepancy between the distributions of ``x`` and ``y`` with the Gaussian kernel
    :math:`k(a, b) = \exp(-\lVert a - b \rVert^2 / (2 \sigma^2))`.

    For each batch of :math:`B` pairs, the kernel means

    .. math::
        \overline{k_{xx}} = \frac{1}{B(B-1)} \sum_{i \neq j} k(x_i, x_j), \quad
        \overline{k_{yy}} = \frac{1}{B(B-1)} \sum_{i \neq j} k(y_i, y_j), \quad
        \overline{k_{xy}} = \frac{1}{B^2} \sum_{i, j} k(x_i, y_j)

    are summed over batches; ``compute()`` returns
    :math:`\sqrt{\max(0, \sum (\overline{k_{xx}} + \overline{k_{yy}} - 2 \overline{k_{xy}})) / \text{batches}}`,
    the square root of the batch-averaged :math:`\text{MMD}^2`, as a float.

    Args:
        var: the kernel bandwidth :math:`\sigma^2`.
        output_transform, device, skip_unrolling: see :class:`~ignite.metrics.metric.Metric`.

    ``update((x, y))`` takes two tensors of the same shape ``(B, ...)`` with ``B >= 2`` (flattened to
    ``(B, features)``).

    >>> import torch
    >>> x = torch.zeros(4, 3)
    >>> m = MaximumMeanDiscrepancy()
    >>> m.update((x, x))
    >>> m.compute()
    0.0
    """

    _xx_sum: torch.Tensor
    _yy_sum: torch.Tensor
    _xy_sum: torch.Tensor
    _num_batches: torch.Tensor

    def __init__(
        self,
        var: float = 1.0,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(var, bool) or not isinstance(var, (int, float)):
            raise TypeError(f"Argument var should be a positive float, got {type(var).__name__}")
        if not var > 0 or math.isinf(var):
            raise ValueError(f"Argument var should be a positive finite float, got {var}")
        self.var = float(var)
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        for name in ("_xx_sum", "_yy_sum", "_xy_sum"):
            self.add_state(name, torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_batches", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        x, y = check_tensors(output, ("x", "y"))
        if x.shape != y.shape or x.ndim < 2:
            raise ValueError(
                f"Arguments x and y should have the same shape (B, ...) with at least 2 dimensions, "
                f"got {tuple(x.shape)} and {tuple(y.shape)}"
            )
        b = x.shape[0]
        if b < 2:
            raise ValueError(f"Arguments x and y should hold at least 2 samples per batch, got {b}")
        check_not_nan("x", x)
        check_not_nan("y", y)
        x = x.detach().reshape(b, -1).to(torch.float64)
        y = y.detach().reshape(b, -1).to(torch.float64)
        scale = -0.5 / self.var
        # Each diagonal of k(x, x) and k(y, y) is exp(0) = 1: subtracting B leaves the off-diagonal sums.
        kxx = (torch.exp(scale * _cross_squared_distances(x, x)).sum() - b) / (b * (b - 1))
        kyy = (torch.exp(scale * _cross_squared_distances(y, y)).sum() - b) / (b * (b - 1))
        kxy = torch.exp(scale * _cross_squared_distances(x, y)).sum() / (b * b)
        self._xx_sum += kxx.to(self._device)
        self._yy_sum += kyy.to(self._device)
        self._xy_sum += kxy.to(self._device)
        self._num_batches += 1

    def compute(self) -> float:
        n = int(self._num_batches)
        if n == 0:
            raise NotComputableError("MaximumMeanDiscrepancy must have at least one batch before it can be computed.")
        mmd2 = float(self._xx_sum + self._yy_sum - 2.0 * self._xy_sum) / n
        return math.sqrt(max(mmd2, 0.0))
