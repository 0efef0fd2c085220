"""Locks the public names of ignite-metrics and checks the import-time contract (no ignite.engine)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import ignite.contrib.metrics
import ignite.contrib.metrics.regression
import ignite.metrics
import ignite.metrics.clustering
import ignite.metrics.fairness
import ignite.metrics.functional
import ignite.metrics.rec_sys
import ignite.metrics.regression

EXPECTED_METRICS_ALL = {
    "GpuInfo",
    "InceptionScore",
    "FID",
    "MeanAveragePrecision",
    "MaximumMeanDiscrepancy",
    "HSIC",
    "RougeN",
    "RougeL",
    "Rouge",
    "Perplexity",
    "CharacterErrorRate",
    "Bleu",
    "Accuracy",
    "Average",
    "AveragePrecision",
    "BatchFiltered",
    "BatchWise",
    "CalinskiHarabaszScore",
    "ClassificationReport",
    "CohenKappa",
    "ConfusionMatrix",
    "CosineSimilarity",
    "DaviesBouldinScore",
    "DemographicParityDifference",
    "DiceCoefficient",
    "Entropy",
    "EpochMetric",
    "EpochWise",
    "Fbeta",
    "Frequency",
    "GeometricAverage",
    "HitRate",
    "IoU",
    "JSDivergence",
    "JaccardIndex",
    "KLDivergence",
    "Loss",
    "MatthewsCorrCoef",
    "MeanAbsoluteError",
    "MeanPairwiseDistance",
    "MeanSquaredError",
    "Metric",
    "MetricGroup",
    "MetricUsage",
    "MetricsLambda",
    "MultiLabelConfusionMatrix",
    "MutualInformation",
    "NDCG",
    "PSNR",
    "Precision",
    "PrecisionRecallCurve",
    "ROC_AUC",
    "Recall",
    "RocCurve",
    "RootMeanSquaredError",
    "RunningAverage",
    "RunningBatchWise",
    "RunningEpochWise",
    "SSIM",
    "SelectionRate",
    "SilhouetteScore",
    "SingleEpochRunningBatchWise",
    "SubgroupAccuracyDifference",
    "SubgroupDifference",
    "SubgroupMetric",
    "TopKCategoricalAccuracy",
    "VariableAccumulation",
    "cmAccuracy",
    "cmPrecision",
    "cmRecall",
    "mIoU",
}


def test_metrics_all_is_locked() -> None:
    assert set(ignite.metrics.__all__) == EXPECTED_METRICS_ALL
    assert len(ignite.metrics.__all__) == len(EXPECTED_METRICS_ALL)
    for name in ignite.metrics.__all__:
        assert getattr(ignite.metrics, name) is not None


def test_contrib_metrics_all_is_locked() -> None:
    assert set(ignite.contrib.metrics.__all__) == {
        "AveragePrecision",
        "CohenKappa",
        "PrecisionRecallCurve",
        "ROC_AUC",
        "RocCurve",
        "regression",
    }
    # Old paths give the very same classes as the new ones.
    assert ignite.contrib.metrics.ROC_AUC is ignite.metrics.ROC_AUC
    assert ignite.contrib.metrics.regression.R2Score is ignite.metrics.regression.R2Score
    assert set(ignite.contrib.metrics.regression.__all__) == set(ignite.metrics.regression.__all__)


def test_functional_all_is_locked() -> None:
    assert set(ignite.metrics.functional.__all__) == {
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
    }


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )


def test_import_does_not_import_the_engine() -> None:
    result = _run(
        """
        import sys
        import ignite.metrics, ignite.contrib.metrics, ignite.metrics.regression, ignite.metrics.functional
        import ignite.metrics.clustering, ignite.metrics.fairness, ignite.metrics.rec_sys
        assert "ignite.engine" not in sys.modules, sorted(m for m in sys.modules if m.startswith("ignite"))
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_attach_without_ignite_engine_names_the_distribution() -> None:
    result = _run(
        """
        import sys
        sys.modules["ignite.engine"] = None  # as if ignite-engine were not installed
        import torch
        from ignite.metrics import Accuracy
        acc = Accuracy()
        acc.update((torch.tensor([[0.2, 0.8]]), torch.tensor([1])))
        assert acc.compute() == 1.0  # standalone use needs no engine
        try:
            acc.attach(object(), "acc")
        except ImportError as error:
            print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "pip install ignite-engine" in result.stdout
