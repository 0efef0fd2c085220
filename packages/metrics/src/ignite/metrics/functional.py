"""Pure functions behind the metrics: tensors in, counts or values out, no state and no Engine.

Each stateful metric accumulates what one of these returns per batch (or applies one to the whole epoch); use
them directly for one-off values.

>>> import torch
>>> from ignite.metrics.functional import accuracy, roc_auc
>>> accuracy(torch.tensor([[0.1, 0.9], [0.7, 0.3]]), torch.tensor([1, 1]))
0.5
>>> roc_auc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
0.75
"""

from __future__ import annotations

from ignite.metrics._ranking import average_precision, average_ranks, precision_recall_curve, roc_auc, roc_curve
from ignite.metrics.accuracy import accuracy, accuracy_counts
from ignite.metrics.clustering._functional import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from ignite.metrics.cohen_kappa import cohen_kappa_from_counts, label_counts, matthews_from_counts
from ignite.metrics.confusion_matrix import confusion_matrix_counts
from ignite.metrics.multilabel_confusion_matrix import multilabel_confusion_counts
from ignite.metrics.precision import precision_recall_counts
from ignite.metrics.regression._epochwise import kendall_tau, spearman_rho
from ignite.metrics.ssim import ssim_per_sample
from ignite.metrics.top_k_categorical_accuracy import top_k_correct

__all__ = [
    "accuracy",
    "accuracy_counts",
    "average_precision",
    "average_ranks",
    "calinski_harabasz_score",
    "cohen_kappa_from_counts",
    "confusion_matrix_counts",
    "davies_bouldin_score",
    "kendall_tau",
    "label_counts",
    "matthews_from_counts",
    "multilabel_confusion_counts",
    "precision_recall_counts",
    "precision_recall_curve",
    "roc_auc",
    "roc_curve",
    "silhouette_score",
    "spearman_rho",
    "ssim_per_sample",
    "top_k_correct",
]
