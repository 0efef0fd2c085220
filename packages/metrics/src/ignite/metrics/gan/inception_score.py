"""Inception Score: ``exp(mean_x KL(p(y|x) || p(y)))`` from class probabilities of generated samples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics.gan.utils import InceptionModel, _BaseInceptionMetric
from ignite.metrics.metric import _CPU, _identity

__all__ = ["InceptionScore"]


class InceptionScore(_BaseInceptionMetric):
    """Inception Score of generated samples (higher is better, between 1 and ``num_features``).

    ``update`` takes a batch of samples, which ``feature_extractor`` maps to class probabilities
    ``(B, num_features)`` (values in ``[0, 1]``, rows summing to 1). The score is
    ``exp(1/N sum_x sum_c p(c|x) (log p(c|x) - log p(c)))`` with ``p(c)`` the mean of ``p(c|x)`` over all
    ``N`` samples seen (on all ranks); ``1e-16`` is added inside both logarithms so that zero probabilities are
    finite. Only per-class sums are kept, so memory does not grow with ``N``.

    Args:
        num_features: number of classes returned by ``feature_extractor``. Required when ``feature_extractor`` is
            given; with neither, the extractor is torchvision's pretrained Inception-v3
            (:class:`~ignite.metrics.gan.utils.InceptionModel`, 1000 classes, needs torchvision and the cached
            weights); with only ``num_features``, the inputs are the probabilities themselves.
        feature_extractor: a ``torch.nn.Module`` (moved to ``device``) or any callable mapping a batch to
            ``(B, num_features)`` probabilities.
        output_transform: maps the engine output to the batch of samples.
        device: where the probabilities and accumulators live.

    >>> import torch
    >>> m = InceptionScore(num_features=2)
    >>> m.update(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    >>> round(m.compute(), 6)
    2.0
    """

    _prob_total: torch.Tensor
    _total_kl_d: torch.Tensor
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
        self._eps = 1e-16
        super().__init__(num_features, feature_extractor, output_transform=output_transform, device=device)
        dtype = self._double_dtype
        self.add_state("_prob_total", torch.zeros(self._num_features, dtype=dtype), "sum")
        self.add_state("_total_kl_d", torch.zeros(self._num_features, dtype=dtype), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: torch.Tensor) -> None:
        probabilities = self._extract_features("output", output)
        # A single condition for range and NaN: |p - 0.5| <= 0.5 is False out of [0, 1] and for NaN.
        if not bool(((probabilities - 0.5).abs() <= 0.5).all()):
            self._check_finite("output", probabilities, probabilities.sum())
            raise ValueError(
                "feature_extractor should return probabilities in [0, 1], got values from "
                f"{float(probabilities.min())} to {float(probabilities.max())}"
            )
        self._prob_total += probabilities.sum(dim=0)
        self._total_kl_d += (probabilities * torch.log(probabilities + self._eps)).sum(dim=0)
        self._num_examples += probabilities.shape[0]

    def compute(self) -> float:
        n = int(self._num_examples)
        if n == 0:
            raise NotComputableError("InceptionScore must have at least one example before it can be computed.")
        log_marginal = torch.log(self._prob_total / n + self._eps)
        mean_kl = (self._total_kl_d - self._prob_total * log_marginal).sum() / n
        return float(torch.exp(mean_kl))
