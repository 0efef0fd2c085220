"""Metrics computed once on the predictions of the whole epoch, gathered from all ranks."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics._inputs import check_tensors
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["EpochMetric", "EpochMetricWarning"]


class EpochMetricWarning(UserWarning):
    """``compute_fn`` failed on the first batch (``check_compute_fn=True``)."""


class EpochMetric(Metric):
    """Stores every ``(y_pred, y)`` of the epoch and returns ``compute_fn(all_y_pred, all_y)``.

    ``y_pred`` and ``y`` are ``(B,)`` or ``(B, n)`` (a trailing dimension of 1 is squeezed). Across ranks the
    stored tensors are concatenated in rank order before ``compute_fn`` runs (on every rank).

    >>> import torch
    >>> m = EpochMetric(lambda p, t: (p == t).float().mean().item())
    >>> m.update((torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1])))
    >>> round(m.compute(), 4)
    0.6667
    """

    _predictions: list[torch.Tensor]
    _targets: list[torch.Tensor]

    def __init__(
        self,
        compute_fn: Callable[[torch.Tensor, torch.Tensor], Any],
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if not callable(compute_fn):
            raise TypeError(f"Argument compute_fn should be callable, got {type(compute_fn).__name__}")
        self.compute_fn = compute_fn
        self._check_compute_fn = check_compute_fn
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_predictions", [], "cat")
        self.add_state("_targets", [], "cat")

    def _check_shape(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if y_pred.ndim == 2 and y_pred.shape[1] == 1:
            y_pred = y_pred.squeeze(-1)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.squeeze(-1)
        if y_pred.ndim not in (1, 2) or y.ndim not in (1, 2):
            raise ValueError(
                f"Arguments y_pred and y should have shape (B,) or (B, n), got {tuple(y_pred.shape)} and "
                f"{tuple(y.shape)}"
            )
        if y_pred.shape[0] != y.shape[0]:
            raise ValueError(
                f"Arguments y_pred and y should hold the same number of samples, got {y_pred.shape[0]} and {y.shape[0]}"
            )
        return y_pred, y

    def update(self, output: Any) -> None:
        y_pred, y = self._check_shape(*check_tensors(output))
        first = not self._predictions
        if not first and self._predictions[-1].shape[1:] != y_pred.shape[1:]:
            raise ValueError(
                f"Argument y_pred should keep its trailing shape {tuple(self._predictions[-1].shape[1:])} across "
                f"updates, got {tuple(y_pred.shape[1:])}"
            )
        self._predictions.append(y_pred.detach().to(self._device, copy=True))
        self._targets.append(y.detach().to(self._device, copy=True))
        if first and self._check_compute_fn:
            try:
                self.compute_fn(self._predictions[0], self._targets[0])
            except Exception as exc:
                warnings.warn(
                    f"Probably, there can be a problem with `compute_fn`:\n {exc}", EpochMetricWarning, stacklevel=2
                )

    def compute(self) -> Any:
        if not self._predictions:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        return self.compute_fn(torch.cat(self._predictions), torch.cat(self._targets))
