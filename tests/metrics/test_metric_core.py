"""The Metric base without an Engine: declared state, sync scoping, serialization, output handling, composition."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import torch

import ignite.distributed as idist
from ignite.exceptions import NotComputableError
from ignite.metrics import Accuracy, Average, MetricGroup, MetricsLambda, Precision, Recall
from ignite.metrics.metric import Metric, sync_all_reduce


class SumMax(Metric):
    """A metric with one state of each reduction, to check what the declaration gives."""

    def __init__(self) -> None:
        super().__init__()
        self.add_state("total", torch.tensor(0.0), "sum")
        self.add_state("count", torch.tensor(0), "sum")
        self.add_state("peak", torch.tensor(float("-inf")), "max")
        self.add_state("low", torch.tensor(float("inf")), "min")
        self.add_state("seen", [], "cat")
        self.add_state("local", torch.tensor(7), None)

    def update(self, output: Any) -> None:
        x = torch.as_tensor(output, dtype=torch.float32).reshape(-1)
        self.total += x.sum()
        self.count += x.numel()
        self.peak = torch.maximum(self.peak, x.max())
        self.low = torch.minimum(self.low, x.min())
        self.seen.append(x)

    def compute(self) -> dict[str, Any]:
        if self.count == 0:
            raise NotComputableError("nothing seen")
        return {
            "total": self.total.item(),
            "count": int(self.count),
            "peak": self.peak.item(),
            "low": self.low.item(),
            "seen": torch.cat(self.seen).tolist(),
            "local": int(self.local),
        }


class FakeWorld:
    """Two identical ranks emulated in one process: counts collectives and applies their maths."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def all_reduce(self, tensor: Any, op: str = "SUM", group: Any = None) -> Any:
        self.calls.append(("all_reduce", op))
        return tensor * 2 if op == "SUM" else tensor.clone()

    def all_gather(self, tensor: Any, group: Any = None) -> Any:
        self.calls.append(("all_gather", None))
        return torch.cat([tensor, tensor])


@pytest.fixture
def fake_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWorld]:
    world = FakeWorld()
    monkeypatch.setattr(idist, "get_world_size", lambda: 2)
    monkeypatch.setattr(idist, "all_reduce", world.all_reduce)
    monkeypatch.setattr(idist, "all_gather", world.all_gather)
    yield world


def test_declared_state_gives_reset_and_state_dict() -> None:
    m = SumMax()
    with pytest.raises(NotComputableError):
        m.compute()
    m.update([1.0, 5.0])
    m.update([-2.0])
    assert m.compute() == {"total": 4.0, "count": 3, "peak": 5.0, "low": -2.0, "seen": [1.0, 5.0, -2.0], "local": 7}
    state = m.state_dict()
    assert list(state) == ["total", "count", "peak", "low", "seen", "local"]
    other = SumMax()
    other.load_state_dict(state)
    assert other.compute() == m.compute()
    m.reset()
    assert m.total.item() == 0.0 and m.seen == [] and m.peak.item() == float("-inf")
    with pytest.raises(ValueError, match="state 'seen'"):
        other.load_state_dict({k: v for k, v in state.items() if k != "seen"})


def test_state_dict_is_a_copy() -> None:
    m = SumMax()
    m.update([1.0])
    state = m.state_dict()
    m.update([1.0])
    assert state["total"].item() == 1.0


def test_add_state_validation() -> None:
    m = SumMax()
    with pytest.raises(ValueError, match="reduction"):
        m.add_state("x", torch.tensor(0), "mean")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty list"):
        m.add_state("x", torch.tensor(0), "cat")
    with pytest.raises(ValueError, match="empty list"):
        m.add_state("x", [torch.tensor(0)], "cat")
    with pytest.raises(TypeError, match="tensor or"):
        m.add_state("x", 0, "sum")  # type: ignore[arg-type]


def test_compute_syncs_every_reduction_and_restores_local_state(fake_world: FakeWorld) -> None:
    m = SumMax()
    m.update([1.0, 3.0])
    result = m.compute()
    # Sums doubled, max/min unchanged, cat concatenated from both ranks, the unreduced state untouched.
    assert result == {"total": 8.0, "count": 4, "peak": 3.0, "low": 1.0, "seen": [1.0, 3.0, 1.0, 3.0], "local": 7}
    assert m.total.item() == 4.0 and m.count.item() == 2 and len(m.seen) == 1
    # Sums (int64 and float64 together): one buffer; max and min: one each; one gather for the cat state.
    assert sorted(fake_world.calls) == sorted(
        [
            ("all_reduce", "SUM"),
            ("all_reduce", "MAX"),
            ("all_reduce", "MIN"),
            ("all_gather", None),
        ]
    )
    m.update([5.0])
    assert m.compute()["total"] == 18.0  # update -> compute -> update -> compute


def test_composites_sync_all_their_leaves_in_one_collective(fake_world: FakeWorld) -> None:
    p, r = Precision(average=False), Recall(average=False)
    f1 = (p * r * 2 / (p + r)).mean()
    f1.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    local = f1.compute()
    assert [c for c in fake_world.calls if c[0] == "all_reduce"] == [("all_reduce", "SUM")]  # int64 + float64
    fake_world.calls.clear()
    group = MetricGroup({"acc": Accuracy(), "p": Precision(average="macro"), "r": Recall(average="macro")})
    group.update((torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0])))
    group.compute()
    # Eight sum states of three metrics, int64 and float64: one buffer.
    assert fake_world.calls == [("all_reduce", "SUM")]
    assert local.item() == pytest.approx(2 / 3)  # per class P, R = (1, 1/2) and (1/2, 1)


def test_serial_compute_makes_no_collective(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(idist, "all_reduce", lambda *a, **k: calls.append("x"))
    acc = Accuracy()
    acc.update((torch.tensor([[0.9, 0.1]]), torch.tensor([0])))
    assert acc.compute() == 1.0 and calls == []


def test_sync_all_reduce_decorator_for_hand_written_metrics(fake_world: FakeWorld) -> None:
    class Legacy(Metric):
        def reset(self) -> None:
            self._sum = torch.tensor(0.0)
            self._peak = torch.tensor(0.0)

        def update(self, output: Any) -> None:
            self._sum += output
            self._peak = torch.maximum(self._peak, output)

        @sync_all_reduce("_sum", "_peak:MAX")
        def compute(self) -> tuple[float, float]:
            return self._sum.item(), self._peak.item()

    m = Legacy()
    m.update(torch.tensor(3.0))
    assert m.compute() == (6.0, 3.0)
    assert m._sum.item() == 3.0


# --- output handling as the engine feeds it -----------------------------------------------------------------


def _engine_with_output(output: Any) -> Any:
    return SimpleNamespace(state=SimpleNamespace(output=output, metrics={}))


def test_iteration_completed_applies_transform_and_mapping_keys() -> None:
    acc = Accuracy(output_transform=lambda out: {"y_pred": out[0], "y": out[1], "extra": None})
    acc.iteration_completed(_engine_with_output((torch.tensor([[0.1, 0.9]]), torch.tensor([1]))))
    assert acc.compute() == 1.0
    with pytest.raises(ValueError, match=r"missing \['y'\]"):
        Accuracy().iteration_completed(_engine_with_output({"y_pred": torch.rand(1, 2)}))


def test_iteration_completed_unrolls_lists_unless_skip_unrolling() -> None:
    pairs = ([torch.tensor([0.1, 0.9]), torch.tensor([0.8, 0.2])], [torch.tensor(1), torch.tensor(1)])
    acc = Accuracy()
    acc.iteration_completed(_engine_with_output(pairs))
    assert acc.compute() == 0.5 and acc._num_examples.item() == 2
    with pytest.raises(ValueError, match="same length"):
        acc.iteration_completed(_engine_with_output(([torch.tensor(1.0)], [torch.tensor(1), torch.tensor(0)])))

    class Recorder(Accuracy):
        def update(self, output: Any) -> None:
            self.seen = output

    recorder = Recorder(skip_unrolling=True)
    recorder.iteration_completed(_engine_with_output(pairs))
    assert recorder.seen is pairs


def test_completed_stores_numbers_and_flattens_mappings() -> None:
    engine = _engine_with_output(None)
    acc = Accuracy()
    acc.update((torch.tensor([[0.1, 0.9]]), torch.tensor([1])))
    acc.completed(engine, "acc")
    group = MetricGroup({"a": acc, "b": Average()})
    group.metrics["b"].update(2.0)
    group.completed(engine, "group")
    assert engine.state.metrics["acc"] == 1.0
    assert engine.state.metrics["a"] == 1.0 and engine.state.metrics["b"].item() == 2.0
    assert set(engine.state.metrics["group"]) == {"a", "b"}
    with pytest.raises(ValueError, match="conflicts"):
        group.completed(engine, "a")


# --- composition --------------------------------------------------------------------------------------------


def _fed(metric: Metric) -> Metric:
    metric.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]]), torch.tensor([0, 1, 0, 0])))
    return metric


def test_arithmetic_and_reflected_operators() -> None:
    a = _fed(Accuracy())  # 0.75
    cases = {
        a + 1: 1.75,
        1 + a: 1.75,
        a - 1: -0.25,
        1 - a: 0.25,
        a * 2: 1.5,
        2 * a: 1.5,
        a / 3: 0.25,
        3 / a: 4.0,
        a // 0.5: 1.0,
        2 // a: 2.0,
        a % 0.5: 0.25,
        2 % a: 0.5,
        a**2: 0.5625,
        2**a: 2**0.75,
        -a: -0.75,
        abs(-a): 0.75,
    }
    for composed, expected in cases.items():
        assert isinstance(composed, MetricsLambda)
        assert composed.compute() == pytest.approx(expected)


def test_indexing_and_real_tensor_methods_are_forwarded() -> None:
    r = _fed(Recall(average=False))
    assert r[1].compute().item() == pytest.approx(1.0)
    assert r.mean().compute().item() == pytest.approx((2 / 3 + 1) / 2)
    assert r.max().compute().item() == pytest.approx(1.0)
    with pytest.raises(AttributeError, match="reste"):
        r.reste()  # type: ignore[operator]
    with pytest.raises(AttributeError):
        r._private_name  # noqa: B018


def test_metrics_lambda_updates_each_leaf_once_and_keeps_prior_updates() -> None:
    p = _fed(Precision(average=False))
    both = p + p  # building the lambda must not reset p
    assert both.compute().tolist() == pytest.approx([2.0, 1.0])
    both.update((torch.tensor([[0.9, 0.1]]), torch.tensor([1])))
    assert p._num_examples.item() == 5  # one update, not two, although p appears twice
    both.reset()
    with pytest.raises(NotComputableError):
        p.compute()


def test_metrics_lambda_state_dict_round_trip() -> None:
    f = _fed(Precision(average=False)) * _fed(Recall(average=False))
    g = Precision(average=False) * Recall(average=False)
    g.load_state_dict(f.state_dict())
    assert g.compute().tolist() == pytest.approx(f.compute().tolist())
    with pytest.raises(ValueError, match="one state per leaf"):
        g.load_state_dict({"metrics": []})


def test_metrics_are_picklable() -> None:
    acc = _fed(Accuracy())
    clone = pickle.loads(pickle.dumps(acc))
    assert clone.compute() == acc.compute()


def test_constructor_argument_errors() -> None:
    with pytest.raises(TypeError, match="output_transform"):
        Accuracy(output_transform=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="device"):
        Accuracy(device=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="f should be callable"):
        MetricsLambda(3)  # type: ignore[arg-type]


def test_distributed_state_dict_holds_every_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    m = SumMax()
    m.update([1.0, 2.0])
    monkeypatch.setattr(idist, "get_world_size", lambda: 2)
    monkeypatch.setattr(idist, "get_rank", lambda: 1)
    # A fake rank 0 holding other counts: rank 1 must restore its own entry.
    other = SumMax()._local_state_dict()
    monkeypatch.setattr(idist, "all_gather", lambda obj, group=None: [other, obj])
    state = m.state_dict()
    assert list(state) == ["per_rank"] and len(state["per_rank"]) == 2
    restored = SumMax()
    restored.load_state_dict(state)
    assert restored.total.item() == 3.0 and restored.count.item() == 2
    monkeypatch.setattr(idist, "get_world_size", lambda: 3)
    with pytest.raises(ValueError, match="2 ranks, but this run has 3 ranks"):
        restored.load_state_dict(state)


def test_restored_classification_metric_keeps_its_input_kind() -> None:
    p = Precision()
    p.update((torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1])))
    q = Precision()
    q.load_state_dict(p.state_dict())
    assert q.compute() == 1.0  # binary: a float, as before saving
