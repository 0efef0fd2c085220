"""Metrics computed per subgroup of the data (``group_labels``), and the spread between subgroups."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import torch

from ignite.base import Serializable
from ignite.exceptions import NotComputableError
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["SubgroupDifference", "SubgroupMetric"]


def _check_groups(groups: Sequence[Any]) -> list[Any]:
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence):
        raise TypeError(f"Argument groups should be a sequence of group ids, got {type(groups).__name__}")
    ids = list(groups)
    if not ids or not all(isinstance(g, Hashable) for g in ids) or len(set(ids)) != len(ids):
        raise ValueError(f"Argument groups should be a non-empty sequence of distinct group ids, got {ids!r}")
    return ids


class _SubgroupBase(Metric):
    """One clone of ``base_metric`` per group id, each updated with the samples of its group."""

    required_output_keys = ("y_pred", "y", "group_labels")
    _state_dict_all_req_keys = ("metrics",)

    def __init__(
        self,
        base_metric: Metric,
        groups: Sequence[Any],
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
    ) -> None:
        if not isinstance(base_metric, Metric):
            raise TypeError(f"Argument base_metric should be a Metric, got {type(base_metric).__name__}")
        self._base_metric = base_metric
        self._groups = _check_groups(groups)
        self._metrics: dict[Any, Metric] = {g: copy.deepcopy(base_metric) for g in self._groups}
        super().__init__(output_transform=output_transform, device=device)

    def _sync_leaves(self) -> list[Metric]:
        return [leaf for metric in self._metrics.values() for leaf in metric._sync_leaves()]

    def reset(self) -> None:
        for metric in self.__dict__.get("_metrics", {}).values():
            metric.reset()

    def update(self, output: Any) -> None:
        if not isinstance(output, (tuple, list)) or len(output) != 3:
            raise TypeError(
                f"Argument output should be a triple (y_pred, y, group_labels), got {type(output).__name__}"
                + (f" of length {len(output)}" if isinstance(output, (tuple, list)) else "")
            )
        for name, value in zip(("y_pred", "y", "group_labels"), output, strict=True):
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"Argument {name} should be a torch.Tensor, got {type(value).__name__}")
        y_pred, y, group_labels = (t.detach() for t in output)
        if group_labels.ndim != 1 or not (y_pred.shape[0] == y.shape[0] == group_labels.shape[0]):
            raise ValueError(
                "Arguments y_pred, y and group_labels should share the batch size, with group_labels of shape "
                f"(B,), got {tuple(y_pred.shape)}, {tuple(y.shape)} and {tuple(group_labels.shape)}"
            )
        for group, metric in self._metrics.items():
            mask = group_labels == group
            if bool(mask.any()):
                metric.update((y_pred[mask], y[mask]))

    def _group_values(self) -> dict[Any, Any]:
        """Values of the groups that saw samples (on any rank); groups without any are left out."""
        values = {}
        for group, metric in self._metrics.items():
            try:
                values[group] = metric.compute()
            except NotComputableError:
                continue
        return values

    def state_dict(self) -> OrderedDict[str, Any]:
        return OrderedDict(metrics=[metric.state_dict() for metric in self._metrics.values()])

    def load_state_dict(self, state_dict: Any) -> None:
        Serializable.load_state_dict(self, state_dict)
        states = state_dict["metrics"]
        if not isinstance(states, list) or len(states) != len(self._metrics):
            raise ValueError(
                f"Argument state_dict['metrics'] should hold one state per group ({len(self._metrics)}), "
                f"got {type(states).__name__}"
            )
        for metric, state in zip(self._metrics.values(), states, strict=True):
            metric.load_state_dict(state)


class SubgroupMetric(_SubgroupBase):
    """``base_metric`` computed separately on the samples of each group: ``compute()`` returns ``{group: value}``.

    ``update((y_pred, y, group_labels))`` (or a dict output with these keys): ``group_labels`` ``(B,)`` gives the
    group of each sample; each group's clone of ``base_metric`` is updated with its own samples. Groups that saw no
    samples are left out of the result.

    Args:
        base_metric: the metric to compute per group (cloned, one copy per group).
        groups: the group ids, as they appear in ``group_labels``.
        output_transform: maps the engine output to ``(y_pred, y, group_labels)``.
        device: where the clones of the metric accumulate (kept for Ignite compatibility: each clone keeps the
            device of ``base_metric``).

    >>> import torch
    >>> from ignite.metrics import Accuracy
    >>> m = SubgroupMetric(Accuracy(), groups=[0, 1])
    >>> m.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 0]), torch.tensor([0, 0, 1, 1])))
    >>> m.compute()
    {0: 1.0, 1: 0.0}
    """

    def compute(self) -> dict[Any, Any]:
        values = self._group_values()
        if not values:
            raise NotComputableError(
                "SubgroupMetric must have at least one example in a group before it can be computed."
            )
        return values


def _spread(values: list[Any]) -> float:
    stacked = torch.stack([torch.as_tensor(v, dtype=torch.float64).reshape(-1) for v in values])
    # Vector values (one per class): the largest gap over the classes.
    return float((stacked.max(dim=0).values - stacked.min(dim=0).values).max())


class SubgroupDifference(_SubgroupBase):
    """Largest difference of ``base_metric`` between two groups: ``max - min`` over the groups that saw samples.

    Vector-valued metrics (one value per class) give the largest such difference over their entries. Raises
    :class:`~ignite.exceptions.NotComputableError` while fewer than two groups have samples.

    >>> import torch
    >>> from ignite.metrics import Accuracy
    >>> m = SubgroupDifference(Accuracy(), groups=[0, 1, 2])
    >>> m.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1]), torch.tensor([0, 0, 1, 1])))
    >>> m.compute()
    0.5
    """

    def compute(self) -> float:
        values = self._group_values()
        if len(values) < 2:
            raise NotComputableError(
                f"SubgroupDifference needs examples in at least 2 groups before it can be computed, got {len(values)}"
            )
        return _spread(list(values.values()))
