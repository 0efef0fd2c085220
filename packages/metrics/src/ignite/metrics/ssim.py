"""Structural similarity (SSIM) of 2D images ``(B, C, H, W)`` and 3D volumes ``(B, C, D, H, W)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_same_shape, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["SSIM", "ssim_per_sample"]


def _as_tuple(name: str, value: Any, ndims: int) -> tuple[Any, ...]:
    values = tuple(value) if isinstance(value, Sequence) else (value,) * ndims
    if len(values) != ndims:
        raise ValueError(f"Argument {name} should have {ndims} values for {ndims}D input, got {value!r}")
    return values


def _window(kernel_size: int, sigma: float, gaussian: bool) -> torch.Tensor:
    if not gaussian:
        return torch.full((kernel_size,), 1.0 / kernel_size, dtype=torch.float64)
    half = (kernel_size - 1) / 2.0
    x = torch.linspace(-half, half, kernel_size, dtype=torch.float64)
    w = torch.exp(-0.5 * (x / sigma) ** 2)
    return w / w.sum()


def ssim_per_sample(
    y_pred: torch.Tensor,
    y: torch.Tensor,
    data_range: float,
    kernel_size: Sequence[int],
    sigma: Sequence[float],
    k1: float = 0.01,
    k2: float = 0.03,
    gaussian: bool = True,
) -> torch.Tensor:
    """Mean SSIM of each sample (float64 ``(B,)``): windowed statistics with reflect padding (output the size of
    the input), ``kernel_size``/``sigma`` one value per spatial dimension.
    """
    ndims = y.ndim - 2
    channels = y.shape[1]
    pad = [p for size in reversed(kernel_size) for p in ((size - 1) // 2,) * 2]
    conv = F.conv2d if ndims == 2 else F.conv3d
    a, b = y_pred.double(), y.double()
    stats = F.pad(torch.cat([a, b, a * a, b * b, a * b]), pad, mode="reflect")
    # The window is a product of 1D windows: one 1D convolution per spatial dimension costs sum(kernel_size)
    # multiply-adds per voxel instead of prod(kernel_size).
    for axis, (size, s) in enumerate(zip(kernel_size, sigma, strict=True)):
        shape = [1] * ndims
        shape[axis] = size
        weight = _window(size, s, gaussian).to(y.device).view(1, 1, *shape).expand(channels, 1, *shape)
        stats = conv(stats, weight.contiguous(), groups=channels)
    mu_a, mu_b, e_aa, e_bb, e_ab = torch.split(stats, y.shape[0])
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    var_a, var_b, cov = e_aa - mu_a**2, e_bb - mu_b**2, e_ab - mu_a * mu_b
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    result: torch.Tensor = ssim.flatten(1).mean(dim=1)
    return result


class SSIM(Metric):
    """Structural similarity index, averaged over samples.

    ``y_pred`` and ``y``: ``(B, C, H, W)`` or ``(B, C, D, H, W)``, same shape and dtype. ``kernel_size`` and
    ``sigma`` are one value for every spatial dimension or one per dimension; ``gaussian=False`` uses a uniform
    window.

    >>> import torch
    >>> m = SSIM(data_range=1.0)
    >>> img = torch.rand(2, 3, 16, 16)
    >>> m.update((img, img))
    >>> round(m.compute(), 6)
    1.0
    """

    _sum_of_ssim: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        data_range: float,
        kernel_size: int | Sequence[int] = (11, 11),
        sigma: float | Sequence[float] = (1.5, 1.5),
        k1: float = 0.01,
        k2: float = 0.03,
        gaussian: bool = True,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(data_range, bool) or not isinstance(data_range, (int, float)) or data_range <= 0:
            raise ValueError(f"Argument data_range should be a positive number, got {data_range!r}")
        sizes = tuple(kernel_size) if isinstance(kernel_size, Sequence) else (kernel_size,)
        if not all(isinstance(k, int) and k > 0 and k % 2 == 1 for k in sizes):
            raise ValueError(f"Argument kernel_size should hold odd positive ints, got {kernel_size!r}")
        sigmas = tuple(sigma) if isinstance(sigma, Sequence) else (sigma,)
        if not all(s > 0 for s in sigmas):
            raise ValueError(f"Argument sigma should hold positive numbers, got {sigma!r}")
        self.data_range = float(data_range)
        self.kernel_size = kernel_size
        self.sigma = sigma
        self.k1, self.k2, self.gaussian = k1, k2, gaussian
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_sum_of_ssim", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def _sizes(self, ndims: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
        kernel = self.kernel_size
        sigma = self.sigma
        # The 2D defaults extend to 3D input.
        if isinstance(kernel, Sequence) and len(kernel) == 2 and ndims == 3 and len(set(kernel)) == 1:
            kernel = kernel[0]
        if isinstance(sigma, Sequence) and len(sigma) == 2 and ndims == 3 and len(set(sigma)) == 1:
            sigma = sigma[0]
        return _as_tuple("kernel_size", kernel, ndims), _as_tuple("sigma", sigma, ndims)

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        check_same_shape(y_pred, y)
        if y.ndim not in (4, 5):
            raise ValueError(f"Arguments y_pred and y should be (B, C, H, W) or (B, C, D, H, W), got {tuple(y.shape)}")
        if y_pred.dtype != y.dtype:
            raise TypeError(f"Arguments y_pred and y should have the same dtype, got {y_pred.dtype} and {y.dtype}")
        check_not_nan("y_pred", y_pred)
        check_not_nan("y", y)
        kernel_size, sigma = self._sizes(y.ndim - 2)
        for size, extent in zip(kernel_size, y.shape[2:], strict=True):
            if extent < size or extent <= (size - 1) // 2:
                raise ValueError(
                    f"Arguments y_pred and y should have spatial sizes >= kernel_size {kernel_size}, "
                    f"got {tuple(y.shape)}"
                )
        values = ssim_per_sample(y_pred, y, self.data_range, kernel_size, sigma, self.k1, self.k2, self.gaussian)
        self._sum_of_ssim += values.sum().to(self._device)
        self._num_examples += y.shape[0]

    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("SSIM must have at least one example before it can be computed.")
        return (self._sum_of_ssim / self._num_examples).item()
