"""Clustering metrics: every ``(features, labels)`` of the epoch is kept and scored at ``compute``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import torch

from ignite.metrics.clustering._functional import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from ignite.metrics.epoch_metric import EpochMetric
from ignite.metrics.metric import _CPU, _identity

__all__ = ["CalinskiHarabaszScore", "DaviesBouldinScore", "SilhouetteScore"]


class _ClusteringMetricBase(EpochMetric):
    """Stores ``features`` ``(B, D)`` and integer ``labels`` ``(B,)`` of the epoch (gathered from all ranks)."""

    required_output_keys = ("features", "labels")

    def _check_shape(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if y_pred.ndim != 2:
            raise ValueError(f"Argument features should have shape (B, D), got {tuple(y_pred.shape)}")
        if not y_pred.is_floating_point():
            raise TypeError(f"Argument features should be a floating point tensor, got dtype {y_pred.dtype}")
        if y.ndim != 1 or y.shape[0] != y_pred.shape[0]:
            raise ValueError(
                f"Argument labels should have shape (B,) with B == features.shape[0]={y_pred.shape[0]}, "
                f"got {tuple(y.shape)}"
            )
        if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
            raise TypeError(f"Argument labels should be an integer tensor of cluster ids, got dtype {y.dtype}")
        return y_pred, y


class SilhouetteScore(_ClusteringMetricBase):
    """Mean silhouette coefficient of the epoch's ``(features, labels)``, in ``[-1, 1]`` (higher is better).

    Args:
        output_transform: maps the engine output to ``(features, labels)``.
        check_compute_fn: try the computation on the first batch and warn if it fails.
        device: where the stored tensors live.
        skip_unrolling: see :class:`~ignite.metrics.metric.Metric`.
        silhouette_kwargs: ``{"metric": name}`` with name one of ``"euclidean"`` (default), ``"sqeuclidean"``,
            ``"cityblock"``/``"manhattan"``, ``"cosine"``. Subsampling (scikit-learn's ``sample_size``) is not
            offered: the score is always exact.

    >>> import torch
    >>> m = SilhouetteScore()
    >>> m.update((torch.tensor([[0.0], [0.1], [5.0], [5.2]]), torch.tensor([0, 0, 1, 1])))
    >>> round(m.compute(), 4)
    0.9703
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
        silhouette_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        kwargs = dict(silhouette_kwargs or {})
        unknown = sorted(set(kwargs) - {"metric"})
        if unknown:
            raise ValueError(f"Argument silhouette_kwargs should only hold the key 'metric', got keys {unknown}")
        metric = kwargs.get("metric", "euclidean")
        if not isinstance(metric, str):
            raise TypeError(f"Argument silhouette_kwargs['metric'] should be a str, got {type(metric).__name__}")
        # Checked now so a bad name fails at construction, not at the end of the epoch.
        silhouette_score(torch.tensor([[0.0], [1.0], [2.0]]), torch.tensor([0, 0, 1]), metric)
        self.silhouette_kwargs = kwargs
        super().__init__(
            partial(silhouette_score, metric=metric),
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )


class DaviesBouldinScore(_ClusteringMetricBase):
    """Davies-Bouldin index of the epoch's ``(features, labels)``, ``>= 0`` (lower is better).

    >>> import torch
    >>> m = DaviesBouldinScore()
    >>> m.update((torch.tensor([[0.0], [2.0], [10.0], [12.0]]), torch.tensor([0, 0, 1, 1])))
    >>> m.compute()
    0.2
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            davies_bouldin_score,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )


class CalinskiHarabaszScore(_ClusteringMetricBase):
    """Calinski-Harabasz index (variance ratio criterion) of the epoch's ``(features, labels)`` (higher is better).

    >>> import torch
    >>> m = CalinskiHarabaszScore()
    >>> m.update((torch.tensor([[0.0], [2.0], [10.0], [12.0]]), torch.tensor([0, 0, 1, 1])))
    >>> m.compute()
    50.0
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            calinski_harabasz_score,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )
