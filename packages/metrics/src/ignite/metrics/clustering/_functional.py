"""Clustering scores in torch: silhouette, Davies-Bouldin and Calinski-Harabasz, on (features, labels)."""

from __future__ import annotations

import torch

__all__ = ["calinski_harabasz_score", "davies_bouldin_score", "silhouette_score"]

_SILHOUETTE_METRICS = ("euclidean", "sqeuclidean", "cityblock", "manhattan", "cosine")
# Rows of the distance matrix computed at once: bounds memory to about _CHUNK * n_samples doubles.
_CHUNK = 1024


def _check_inputs(features: torch.Tensor, labels: torch.Tensor) -> None:
    if not isinstance(features, torch.Tensor) or not isinstance(labels, torch.Tensor):
        raise TypeError(
            f"Arguments features and labels should be torch.Tensors, got {type(features).__name__} and "
            f"{type(labels).__name__}"
        )
    if features.ndim != 2:
        raise ValueError(f"Argument features should have shape (N, D), got {tuple(features.shape)}")
    if labels.ndim != 1 or labels.shape[0] != features.shape[0]:
        raise ValueError(
            f"Argument labels should have shape (N,) with N == features.shape[0]={features.shape[0]}, "
            f"got {tuple(labels.shape)}"
        )
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(f"Argument labels should be an integer tensor of cluster ids, got dtype {labels.dtype}")
    if features.is_floating_point() and bool(torch.isnan(features).any()):
        raise ValueError("Argument features should not contain NaN, got a tensor with NaN")


def _encode(features: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Features as float64 and labels as 0..K-1, checking 2 <= K <= N - 1 (the range where the scores exist)."""
    _check_inputs(features, labels)
    _, codes = torch.unique(labels, return_inverse=True)
    n_labels = int(codes.max()) + 1 if codes.numel() else 0
    n_samples = features.shape[0]
    if not 2 <= n_labels <= n_samples - 1:
        raise ValueError(
            f"Argument labels should hold between 2 and n_samples - 1 = {n_samples - 1} distinct clusters, "
            f"got {n_labels}"
        )
    return features.to(torch.float64), codes, n_labels


def _centroids(x: torch.Tensor, codes: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    counts = torch.bincount(codes, minlength=k).to(x.dtype)
    sums = torch.zeros(k, x.shape[1], dtype=x.dtype, device=x.device).index_add_(0, codes, x)
    return sums / counts.unsqueeze(1), counts


def _pairwise(a: torch.Tensor, b: torch.Tensor, metric: str) -> torch.Tensor:
    # The matrix-product form is fast and, in float64, as accurate as scikit-learn's own.
    if metric == "euclidean":
        return torch.cdist(a, b, compute_mode="use_mm_for_euclid_dist")
    if metric == "sqeuclidean":
        return torch.cdist(a, b, compute_mode="use_mm_for_euclid_dist").square()
    if metric in ("cityblock", "manhattan"):
        return torch.cdist(a, b, p=1.0)
    a_unit = a / a.norm(dim=1, keepdim=True).clamp(min=1e-300)
    b_unit = b / b.norm(dim=1, keepdim=True).clamp(min=1e-300)
    cosine: torch.Tensor = (1.0 - a_unit @ b_unit.T).clamp(min=0.0)
    return cosine


def silhouette_score(features: torch.Tensor, labels: torch.Tensor, metric: str = "euclidean") -> float:
    """Mean silhouette coefficient ``(b - a) / max(a, b)`` over all samples (0 for samples alone in their cluster).

    ``a`` is the mean distance to the other members of the sample's cluster, ``b`` the smallest mean distance to
    the members of another cluster.

    >>> import torch
    >>> x = torch.tensor([[0.0], [0.1], [5.0], [5.2]])
    >>> round(silhouette_score(x, torch.tensor([0, 0, 1, 1])), 4)
    0.9703
    """
    if metric not in _SILHOUETTE_METRICS:
        raise ValueError(f"Argument metric should be one of {_SILHOUETTE_METRICS}, got {metric!r}")
    x, codes, k = _encode(features, labels)
    one_hot = torch.nn.functional.one_hot(codes, k).to(x.dtype)
    counts = one_hot.sum(0)
    total = x.new_zeros(())
    for start in range(0, x.shape[0], _CHUNK):
        rows = slice(start, start + _CHUNK)
        per_cluster = _pairwise(x[rows], x, metric) @ one_hot  # (chunk, K): summed distance to each cluster
        own = codes[rows]
        own_count = counts[own]
        a = per_cluster.gather(1, own.unsqueeze(1)).squeeze(1) / (own_count - 1).clamp(min=1)
        mean_other = (per_cluster / counts).scatter(1, own.unsqueeze(1), float("inf"))
        b = mean_other.min(dim=1).values
        denominator = torch.maximum(a, b)
        s = torch.where(denominator > 0, (b - a) / denominator.clamp(min=1e-300), 0.0)
        total += torch.where(own_count > 1, s, 0.0).sum()
    return float(total) / x.shape[0]


def davies_bouldin_score(features: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean over clusters of the worst ratio ``(s_i + s_j) / d(c_i, c_j)`` (lower is better).

    ``s_i`` is the mean distance of the members of cluster ``i`` to its centroid ``c_i``.

    >>> import torch
    >>> x = torch.tensor([[0.0], [2.0], [10.0], [12.0]])
    >>> davies_bouldin_score(x, torch.tensor([0, 0, 1, 1]))
    0.2
    """
    x, codes, k = _encode(features, labels)
    centroids, counts = _centroids(x, codes, k)
    spread = (x - centroids[codes]).norm(dim=1)
    scatter = torch.zeros(k, dtype=x.dtype, device=x.device).index_add_(0, codes, spread) / counts
    separation = torch.cdist(centroids, centroids, compute_mode="donot_use_mm_for_euclid_dist")
    if bool((scatter == 0).all()) or bool((separation == 0).all()):
        return 0.0
    ratios = (scatter.unsqueeze(0) + scatter.unsqueeze(1)) / separation.masked_fill(separation == 0, float("inf"))
    ratios.fill_diagonal_(float("-inf"))
    return float(ratios.max(dim=1).values.mean())


def calinski_harabasz_score(features: torch.Tensor, labels: torch.Tensor) -> float:
    """Ratio of between-cluster to within-cluster dispersion, scaled by ``(N - K) / (K - 1)`` (higher is better).

    >>> import torch
    >>> x = torch.tensor([[0.0], [2.0], [10.0], [12.0]])
    >>> calinski_harabasz_score(x, torch.tensor([0, 0, 1, 1]))
    50.0
    """
    x, codes, k = _encode(features, labels)
    centroids, counts = _centroids(x, codes, k)
    between = float((counts * (centroids - x.mean(dim=0)).square().sum(dim=1)).sum())
    within = float((x - centroids[codes]).square().sum())
    n = x.shape[0]
    if within == 0.0:
        return 1.0
    return between * (n - k) / (within * (k - 1))
