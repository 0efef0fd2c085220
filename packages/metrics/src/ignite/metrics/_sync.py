"""Cross-rank reduction of declared metric states, coalesced into as few collectives as possible.

All ``sum`` states of all the metrics synced together travel in ONE buffer: int64 when they are all integers, else
float64, with the integer states split into exact 32-bit halves that a float64 sum cannot round (see
:func:`_split_int64`), so counters and float sums share a collective. ``max`` and ``min`` states travel in one
buffer per dtype family (int64 or float64); ``cat`` states are gathered one by one (their sizes differ between
ranks). The local accumulators are never modified: callers receive reduced copies.
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


_LOW_BITS = 32
_LOW_MASK = (1 << _LOW_BITS) - 1


def _split_int64(values: torch.Tensor) -> torch.Tensor:
    """``[high, low]`` halves of int64 ``values`` as float64, with ``values == high * 2**32 + low``.

    ``low`` is in ``[0, 2**32)`` and ``|high| < 2**31``, so sums over up to 2**21 ranks stay below 2**53 and are
    exact in float64: an integer sum can share the float64 collective without losing a count.
    """
    high = torch.bitwise_right_shift(values, _LOW_BITS)  # arithmetic shift: floor division, also for negatives
    low = torch.bitwise_and(values, _LOW_MASK)
    return torch.cat([high.to(torch.float64), low.to(torch.float64)])


def _join_int64(halves: torch.Tensor) -> torch.Tensor:
    high, low = halves.to(torch.int64).chunk(2)
    return torch.bitwise_left_shift(high, _LOW_BITS) + low


def _reduce_bucket(reduction: str, dtype: torch.dtype, entries: list[tuple[int, str, torch.Tensor]]) -> list[Any]:
    """All-reduce the tensors of one bucket in one collective; returns the reduced tensors, in order."""
    mixed_sum = reduction == "sum" and dtype == torch.float64
    parts = []
    for _, _, tensor in entries:
        flat = tensor.detach().reshape(-1)
        if mixed_sum and not _family(flat.dtype).is_floating_point:
            parts.append(_split_int64(flat.to(torch.int64)))
        else:
            parts.append(flat.to(dtype))
    reduced = idist.all_reduce(torch.cat(parts), op=_OPS[reduction])
    out: list[Any] = []
    offset = 0
    for (_, _, tensor), part in zip(entries, parts, strict=True):
        chunk = reduced[offset : offset + part.numel()]
        offset += part.numel()
        if part.numel() != tensor.numel():
            chunk = _join_int64(chunk)
        out.append(chunk.reshape(tensor.shape).to(tensor.dtype))
    return out


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
    # Integer sums join the float64 sums (split into exact halves) when both exist: one collective instead of two.
    # Integer sums alone keep their int64 collective, which is smaller.
    if ("sum", torch.int64) in buckets and ("sum", torch.float64) in buckets:
        buckets[("sum", torch.float64)] += buckets.pop(("sum", torch.int64))
    for (reduction, dtype), entries in buckets.items():
        for (index, name, _), reduced in zip(entries, _reduce_bucket(reduction, dtype, entries), strict=True):
            results[index][name] = reduced
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
