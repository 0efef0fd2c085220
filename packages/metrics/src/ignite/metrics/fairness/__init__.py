"""`ignite.metrics.fairness`: metrics per subgroup of the data and the gaps between subgroups."""

from __future__ import annotations

from ignite.metrics.fairness.accuracy_difference import SubgroupAccuracyDifference
from ignite.metrics.fairness.base import SubgroupDifference, SubgroupMetric
from ignite.metrics.fairness.demographic_parity import DemographicParityDifference, SelectionRate

__all__ = [
    "DemographicParityDifference",
    "SelectionRate",
    "SubgroupAccuracyDifference",
    "SubgroupDifference",
    "SubgroupMetric",
]
