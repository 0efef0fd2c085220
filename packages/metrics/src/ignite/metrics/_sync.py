"""Cross-rank reduction of declared metric states, coalesced into as few collectives as possible.

All ``sum`` states of all the metrics synced together travel in one flat buffer per dtype family (int64 or float64),
and likewise ``max`` and ``min``; ``cat`` states are gathered one by one (their sizes differ between ranks).
The local accumulators are never modified: callers receive reduced copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import torch

import ignite.distributed as idist

if TYPE_CHECKING:
    from ignite.metrics.metric import Metric

__all__ = ["SyncGroup", "active_group", "reduce_states", "synced_states"]

_OPS = {"sum": "SUM", "max": "MAX", "min": "MIN"}


def _family(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype.is_floating_point or dtype.is_complex else torch.int64


def reduce_states(metrics: Sequence[Metric]) -> list[dict[str, Any]]:
    """Reduced copies of the declared states of ``metrics`` (one dict per metric, in order)."""
    results: list[dict[str, Any]] = [{} for _ in metrics]
    buckets: dict[tuple[str, torch.dtype], list[tuple[int, str, torch.Tensor]]] = {}
    for index, metric in enumerate(metrics):
        for name, spec in metric._state_specs.items():
            value = getattr(metric, name)
            if spec.reduction is None:
                results[index][name] = value
            elif spec.reduction == "cat":
                local = torch.cat([v.reshape(-1) if v.ndim == 0 else v for v in value]) if value else torch.empty(0)
                results[index][name] = [idist.all_gather(local)]
            else:
                tensor = torch.as_tensor(value)
                buckets.setdefault((spec.reduction, _family(tensor.dtype)), []).append((index, name, tensor))
    for (reduction, dtype), entries in buckets.items():
        flat = torch.cat([t.detach().reshape(-1).to(dtype) for _, _, t in entries])
        reduced = idist.all_reduce(flat, op=_OPS[reduction])
        offset = 0
        for index, name, tensor in entries:
            size = tensor.numel()
            results[index][name] = reduced[offset : offset + size].reshape(tensor.shape).to(tensor.dtype)
            offset += size
    return results


class SyncGroup:
    """The metrics computed on one event of one engine: the first of them to compute syncs them all at once.

    A cached reduction is used only while the metric has not changed since (its ``_version``), so a metric updated
    after the group was synced (batch-wise usages fire update and compute on the same event) is synced again.
    """

    def __init__(self) -> None:
        self.members: list[Metric] = []
        self._cache: dict[int, tuple[int, dict[str, Any]]] = {}

    def add(self, metrics: Sequence[Metric]) -> None:
        for metric in metrics:
            if all(m is not metric for m in self.members):
                self.members.append(metric)

    def remove(self, metrics: Sequence[Metric]) -> None:
        ids = {id(m) for m in metrics}
        self.members = [m for m in self.members if id(m) not in ids]
        for key in ids:
            self._cache.pop(key, None)

    def _fresh(self, metric: Metric) -> bool:
        entry = self._cache.get(id(metric))
        return entry is not None and entry[0] == metric._version

    def synced(self, metrics: Sequence[Metric]) -> list[dict[str, Any]]:
        stale = [m for m in self.members if not self._fresh(m)]
        stale += [m for m in metrics if not self._fresh(m) and all(m is not s for s in stale)]
        if stale:
            for metric, states in zip(stale, reduce_states(stale), strict=True):
                self._cache[id(metric)] = (metric._version, states)
        return [self._cache[id(m)][1] for m in metrics]


_active: list[SyncGroup] = []


@contextmanager
def active_group(group: SyncGroup | None) -> Iterator[None]:
    """Within this block, metric computations take their synced states from ``group``."""
    if group is None:
        yield
        return
    _active.append(group)
    try:
        yield
    finally:
        _active.pop()


def synced_states(metrics: Sequence[Metric]) -> list[dict[str, Any]]:
    if _active:
        return _active[-1].synced(metrics)
    return reduce_states(metrics)
