"""`ignite.contrib.metrics` (distribution `ignite-metrics`): the pre-0.5 import path of metrics that moved to
``ignite.metrics``; the names resolve to the same classes.
"""

from __future__ import annotations

from ignite.contrib.metrics import regression
from ignite.metrics.cohen_kappa import CohenKappa
from ignite.metrics.roc_auc import ROC_AUC, AveragePrecision, PrecisionRecallCurve, RocCurve

__all__ = ["AveragePrecision", "CohenKappa", "PrecisionRecallCurve", "ROC_AUC", "RocCurve", "regression"]
