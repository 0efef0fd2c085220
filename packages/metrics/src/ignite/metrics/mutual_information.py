"""Mutual information between inputs and predicted classes, estimated from the predicted distributions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ignite.metrics.entropy import Entropy
from ignite.metrics.metric import _CPU, _identity

__all__ = ["MutualInformation"]


class MutualInformation(Entropy):
    """``I(X; Y) = H(mean of p(y|x)) - mean of H(p(y|x))`` in nats, with ``p(y|x) = softmax(y_pred)``.

    The first term is the entropy of the marginal class distribution over all samples seen, the second the
    :class:`Entropy` metric. ``update((y_pred, y))`` takes logits ``(B, C)`` or ``(B, C, ...)``; ``y`` is unused.

    >>> import torch
    >>> m = MutualInformation()
    >>> m.update((torch.tensor([[10.0, -10.0], [-10.0, 10.0]]), torch.zeros(2)))
    >>> round(m.compute(), 4)  # confident and balanced: log(2)
    0.6931
    """

    _sum_of_probabilities: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        # Sized on the first update, when the number of classes is known; "sum" needs the same size on every rank.
        self.add_state("_sum_of_probabilities", torch.zeros(0, dtype=torch.float64), "sum")

    def _update_rows(self, rows: torch.Tensor) -> None:
        super()._update_rows(rows)
        probabilities = torch.softmax(rows, dim=1).sum(dim=0).to(self._device)
        if self._sum_of_probabilities.numel() == 0:
            self._sum_of_probabilities = torch.zeros_like(probabilities)
        elif self._sum_of_probabilities.shape != probabilities.shape:
            raise ValueError(
                f"Argument y_pred should keep its number of classes {self._sum_of_probabilities.numel()} across "
                f"updates, got {probabilities.numel()}"
            )
        self._sum_of_probabilities += probabilities

    def compute(self) -> float:
        n = self._count()
        marginal = self._sum_of_probabilities / n
        marginal_entropy = -torch.special.xlogy(marginal, marginal).sum()
        return max(float(marginal_entropy) - float(self._sum_of_entropies) / n, 0.0)
