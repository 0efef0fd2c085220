"""Recall, per class or averaged (macro, micro, weighted, samples)."""

from __future__ import annotations

from ignite.metrics.precision import _BasePrecisionRecall

__all__ = ["Recall"]


class Recall(_BasePrecisionRecall):
    """Recall: of the samples of a class, the fraction predicted as that class.

    Arguments and inputs as for :class:`~ignite.metrics.Precision`.

    >>> import torch
    >>> r = Recall(average=False)
    >>> r.update((torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]]), torch.tensor([0, 1, 1])))
    >>> r.compute()
    tensor([1.0000, 0.5000], dtype=torch.float64)
    """

    _is_precision = False
