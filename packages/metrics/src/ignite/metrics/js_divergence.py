"""Jensen-Shannon divergence between the class distributions of targets and predictions."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ignite.metrics.kl_divergence import KLDivergence

__all__ = ["JSDivergence"]


class JSDivergence(KLDivergence):
    """Mean ``JS(p, q) = (KL(p || m) + KL(q || m)) / 2`` in nats, ``m = (p + q) / 2``, over samples (and positions).

    ``p = softmax(y)``, ``q = softmax(y_pred)``; ``update((y_pred, y))`` takes two logit tensors of the same shape
    ``(B, C)`` or ``(B, C, ...)``. The value lies in ``[0, log 2]``.

    >>> import torch
    >>> m = JSDivergence()
    >>> m.update((torch.tensor([[30.0, -30.0]]), torch.tensor([[-30.0, 30.0]])))
    >>> round(m.compute(), 4)  # disjoint distributions: log(2)
    0.6931
    """

    def _divergence(self, log_q: torch.Tensor, log_p: torch.Tensor) -> torch.Tensor:
        log_m = torch.logaddexp(log_p, log_q) - math.log(2.0)
        both = F.kl_div(log_m, log_p, reduction="sum", log_target=True)
        both = both + F.kl_div(log_m, log_q, reduction="sum", log_target=True)
        return both / 2
