"""Perplexity of a language model: exp of the mean negative log-likelihood per target token."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_not_nan, check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["Perplexity"]


class Perplexity(Metric):
    r"""Perplexity :math:`\exp(-\frac{1}{N} \sum_i \log p(y_i))` over all :math:`N` counted target tokens.

    The sums of the token log-likelihoods and the token counts are accumulated, so every token weighs the same
    whatever the length of its sequence or the size of its batch.

    Args:
        output_transform, device: see :class:`~ignite.metrics.metric.Metric`.
        ignore_index: target value of the tokens to leave out (padding), as in ``torch.nn.functional.cross_entropy``;
            ``None`` counts every token.

    ``update((y_pred, y))`` takes logits ``y_pred`` of shape ``(B, C)`` or ``(B, C, L, ...)`` (classes in dimension
    1, as ``cross_entropy`` expects) and integer targets ``y`` of shape ``(B,)`` or ``(B, L, ...)``.
    ``compute()`` returns a float.

    >>> import torch
    >>> m = Perplexity()
    >>> m.update((torch.zeros(2, 4, 3), torch.randint(0, 4, (2, 3))))  # uniform over 4 tokens
    >>> round(m.compute(), 6)
    4.0
    """

    _sum_of_nll: torch.Tensor
    _num_tokens: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        ignore_index: int | None = -100,
    ) -> None:
        if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, int)):
            raise TypeError(f"Argument ignore_index should be an int or None, got {type(ignore_index).__name__}")
        self._ignore_index = ignore_index
        super().__init__(output_transform=output_transform, device=device)
        self.add_state("_sum_of_nll", torch.tensor(0.0, dtype=torch.float64), "sum")
        self.add_state("_num_tokens", torch.tensor(0, dtype=torch.int64), "sum")

    def _check(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Validate the batch and return the mask of the tokens that count."""
        if not y_pred.is_floating_point():
            raise TypeError(f"Argument y_pred should be a floating point tensor of logits, got dtype {y_pred.dtype}")
        if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
            raise TypeError(f"Argument y should be an integer tensor of token indices, got dtype {y.dtype}")
        if (
            y_pred.ndim < 2
            or y_pred.ndim != y.ndim + 1
            or y_pred.shape[0] != y.shape[0]
            or y_pred.shape[2:] != y.shape[1:]
        ):
            raise ValueError(
                "Arguments y_pred and y should have shapes (B, C, ...) and (B, ...) with the same B and trailing "
                f"dimensions, got {tuple(y_pred.shape)} and {tuple(y.shape)}"
            )
        check_not_nan("y_pred", y_pred)
        counted = y != self._ignore_index if self._ignore_index is not None else torch.ones_like(y, dtype=torch.bool)
        labels = y[counted]
        if labels.numel():
            low, high = (int(v) for v in torch.aminmax(labels))
            num_classes = y_pred.shape[1]
            if low < 0 or high >= num_classes:
                ignored = f" other than ignore_index={self._ignore_index}" if self._ignore_index is not None else ""
                raise ValueError(
                    f"Argument y should hold token indices in [0, {num_classes - 1}] (C={num_classes}){ignored}, "
                    f"got values in [{low}, {high}]"
                )
        return counted

    def update(self, output: Any) -> None:
        y_pred, y = check_tensors(output)
        y_pred, y = y_pred.detach(), y.detach()
        counted = self._check(y_pred, y)
        ignore_index = -100 if self._ignore_index is None else self._ignore_index
        # Per-token losses in the input precision, summed in float64 so long runs do not lose digits.
        nll = F.cross_entropy(y_pred, y.long(), reduction="none", ignore_index=ignore_index)
        self._sum_of_nll += nll.sum(dtype=torch.float64).to(self._device)
        self._num_tokens += counted.sum().to(self._device)

    def compute(self) -> float:
        n = int(self._num_tokens)
        if n == 0:
            raise NotComputableError("Perplexity must have at least one counted token before it can be computed.")
        return math.exp(float(self._sum_of_nll) / n)
