"""The coalesced state reduction: integer sums share the float64 collective without losing a count."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import ignite.distributed as idist
from ignite.metrics import Metric
from ignite.metrics._sync import _join_int64, _split_int64, reduce_states

EDGE_VALUES = [0, 1, -1, 2**32 - 1, 2**32, -(2**32), 2**53 + 1, -(2**53) - 1, 2**62 + 12345, -(2**63), 2**63 - 1]


def test_split_and_join_round_trip_every_int64_edge() -> None:
    values = torch.tensor(EDGE_VALUES, dtype=torch.int64)
    halves = _split_int64(values)
    assert halves.dtype == torch.float64
    assert torch.equal(_join_int64(halves), values)


def test_summed_halves_give_the_exact_integer_sum() -> None:
    # 2**53 + 1 is not representable in float64: a plain float64 sum would lose the 1.
    a = torch.tensor([2**53 + 1, 7, -(2**40) - 3], dtype=torch.int64)
    b = torch.tensor([2**53 + 1, 2**33 + 9, 5], dtype=torch.int64)
    assert torch.equal(_join_int64(_split_int64(a) + _split_int64(b)), a + b)


class _Mixed(Metric):
    """Integer and float sums plus an integer max: the sums share one collective, the max has its own."""

    def reset(self) -> None:
        self.add_state("count", torch.tensor([2**53 + 1, 3], dtype=torch.int64), reduction="sum")
        self.add_state("total", torch.tensor(0.25, dtype=torch.float64), reduction="sum")
        self.add_state("largest", torch.tensor(2**60 + 1, dtype=torch.int64), reduction="max")

    def update(self, output: Any) -> None:
        pass

    def compute(self) -> Any:
        return None


def test_reduce_states_uses_one_collective_for_all_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[torch.dtype, str]] = []

    def two_equal_ranks(tensor: torch.Tensor, op: str = "SUM", group: Any = None) -> torch.Tensor:
        calls.append((tensor.dtype, op))
        return tensor * 2 if op == "SUM" else tensor.clone()

    monkeypatch.setattr(idist, "all_reduce", two_equal_ranks)
    metrics = [_Mixed(), _Mixed()]
    reduced = reduce_states(metrics)
    assert sorted(calls, key=str) == sorted([(torch.float64, "SUM"), (torch.int64, "MAX")], key=str)
    for states in reduced:
        assert states["count"].dtype == torch.int64
        assert states["count"].tolist() == [2 * (2**53 + 1), 6]
        assert states["total"].item() == 0.5
        assert states["largest"].item() == 2**60 + 1
    # The local accumulators are untouched.
    assert metrics[0].count.tolist() == [2**53 + 1, 3]


class _Counts(Metric):
    def reset(self) -> None:
        self.add_state("hits", torch.tensor(2**53 + 1, dtype=torch.int64), reduction="sum")

    def update(self, output: Any) -> None:
        pass

    def compute(self) -> Any:
        return None


def test_integer_sums_alone_keep_an_int64_collective(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[torch.dtype, int]] = []

    def two_equal_ranks(tensor: torch.Tensor, op: str = "SUM", group: Any = None) -> torch.Tensor:
        calls.append((tensor.dtype, tensor.numel()))
        return tensor * 2

    monkeypatch.setattr(idist, "all_reduce", two_equal_ranks)
    reduced = reduce_states([_Counts(), _Counts()])
    assert calls == [(torch.int64, 2)]  # not split into float64 halves
    assert [r["hits"].item() for r in reduced] == [2 * (2**53 + 1)] * 2
