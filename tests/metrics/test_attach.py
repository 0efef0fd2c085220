"""Metrics attached to a real Engine (skipped where ignite-engine is not installed)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import ignite.distributed as idist
from ignite.metrics import (
    Accuracy,
    Average,
    BatchFiltered,
    BatchWise,
    EpochWise,
    Loss,
    MetricGroup,
    Precision,
    Recall,
    RunningAverage,
    RunningBatchWise,
    RunningEpochWise,
)

engine_module = pytest.importorskip("ignite.engine")
Engine, Events = engine_module.Engine, engine_module.Events

# Batch i of each epoch outputs the value i + 1 (epoch 1) or 10 * (i + 1) (epoch 2).
DATA = [1.0, 2.0, 3.0, 4.0]


def _engine() -> Any:
    return Engine(lambda engine, batch: batch * (1 if engine.state.epoch == 1 else 10))


def _record(engine: Any, name: str, event: Any) -> list[float]:
    values: list[float] = []
    engine.add_event_handler(event, lambda e: values.append(round(float(e.state.metrics[name]), 6)))
    return values


@pytest.mark.parametrize(
    ("usage", "event", "expected"),
    [
        (EpochWise(), Events.EPOCH_COMPLETED, [2.5, 25.0]),
        ("epoch_wise", Events.EPOCH_COMPLETED, [2.5, 25.0]),
        (RunningEpochWise(), Events.EPOCH_COMPLETED, [2.5, 13.75]),
        (BatchWise(), Events.ITERATION_COMPLETED, [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0]),
        (RunningBatchWise(), Events.ITERATION_COMPLETED, [1.0, 1.5, 2.0, 2.5, 4.0, 6.666667, 10.0, 13.75]),
        ("single_epoch_running_batch_wise", Events.ITERATION_COMPLETED, [1.0, 1.5, 2.0, 2.5, 10.0, 15.0, 20.0, 25.0]),
        (BatchFiltered(every=2), Events.EPOCH_COMPLETED, [3.0, 30.0]),
    ],
)
def test_usages(usage: Any, event: Any, expected: list[float]) -> None:
    engine = _engine()
    Average(output_transform=lambda x: torch.tensor(x)).attach(engine, "avg", usage=usage)
    values = _record(engine, "avg", event)
    engine.run(DATA, max_epochs=2)
    assert values == expected


def test_unknown_usage_is_rejected() -> None:
    with pytest.raises(ValueError, match="usage"):
        Average().attach(_engine(), "avg", usage="weekly")
    with pytest.raises(ValueError, match="filter"):
        BatchFiltered()


def test_attach_detach_is_attached() -> None:
    engine = _engine()
    avg = Average()
    avg.attach(engine, "avg")
    assert avg.is_attached(engine)
    assert not avg.is_attached(engine, usage=BatchWise())
    assert engine.has_event_handler(avg.completed, Events.EPOCH_COMPLETED)
    avg.detach(engine)
    assert not avg.is_attached(engine)
    assert not engine.has_event_handler(avg.iteration_completed, Events.ITERATION_COMPLETED)
    engine.run(DATA)
    assert "avg" not in engine.state.metrics


def _evaluator() -> Any:
    data = [
        (torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0])),
        (torch.tensor([[0.3, 0.7], [0.6, 0.4]]), torch.tensor([1, 0])),
    ]
    return Engine(lambda engine, batch: batch), data


def test_composite_and_group_results_in_state_metrics() -> None:
    evaluator, data = _evaluator()
    p, r = Precision(average=False), Recall(average=False)
    f1 = (p * r * 2 / (p + r)).mean()
    f1.attach(evaluator, "f1")
    MetricGroup({"acc": Accuracy(), "loss": Loss(torch.nn.functional.cross_entropy)}).attach(evaluator, "group")
    state = evaluator.run(data)
    # pred = [0, 1, 1, 0], true = [0, 0, 1, 0]: P = (1, 1/2), R = (2/3, 1)
    assert state.metrics["f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert state.metrics["acc"] == 0.75
    assert set(state.metrics["group"]) == {"acc", "loss"}
    assert f1.is_attached(evaluator)
    f1.detach(evaluator)
    assert not f1.is_attached(evaluator)
    assert not evaluator.has_event_handler(p.iteration_completed, Events.ITERATION_COMPLETED)


def test_running_average_of_a_metric_and_of_the_output() -> None:
    trainer = Engine(lambda engine, batch: (batch, torch.tensor([0, 0])))
    RunningAverage(Accuracy(output_transform=lambda out: out), alpha=0.5).attach(trainer, "acc")
    RunningAverage(output_transform=lambda out: out[0][0, 0], alpha=0.5).attach(trainer, "first")
    acc = _record(trainer, "acc", Events.ITERATION_COMPLETED)
    first = _record(trainer, "first", Events.ITERATION_COMPLETED)
    batches = [torch.tensor([[0.9, 0.1], [0.8, 0.2]]), torch.tensor([[0.1, 0.9], [0.2, 0.8]])]
    trainer.run(batches)
    assert acc == [1.0, 0.5]
    assert first == [0.9, 0.5]


class _FakeWorld:
    def __init__(self) -> None:
        self.all_reduce_calls = 0

    def all_reduce(self, tensor: Any, op: str = "SUM", group: Any = None) -> Any:
        self.all_reduce_calls += 1
        return tensor * 2 if op == "SUM" else tensor


def test_metrics_attached_to_one_engine_sync_in_one_collective(monkeypatch: pytest.MonkeyPatch) -> None:
    world = _FakeWorld()
    monkeypatch.setattr(idist, "get_world_size", lambda: 2)
    monkeypatch.setattr(idist, "all_reduce", world.all_reduce)
    evaluator, data = _evaluator()
    metrics = {
        "p": Precision(average="macro"),
        "r": Recall(average="macro"),
        "loss": Loss(torch.nn.functional.cross_entropy),
    }
    for name, metric in metrics.items():
        metric.attach(evaluator, name)
    evaluator.run(data, max_epochs=2)
    # Precision, Recall and Loss hold float64 and int64 sum states: one collective per epoch for all of them.
    assert world.all_reduce_calls == 2
    assert evaluator.state.metrics["loss"] == pytest.approx(
        torch.nn.functional.cross_entropy(torch.cat([d[0] for d in data]), torch.cat([d[1] for d in data])).item()
    )


def test_batch_wise_metrics_resync_after_their_update(monkeypatch: pytest.MonkeyPatch) -> None:
    world = _FakeWorld()
    monkeypatch.setattr(idist, "get_world_size", lambda: 2)
    monkeypatch.setattr(idist, "all_reduce", world.all_reduce)
    engine = _engine()
    Average(output_transform=lambda x: torch.tensor(x)).attach(engine, "a", usage="batch_wise")
    Average(output_transform=lambda x: torch.tensor(2 * x)).attach(engine, "b", usage="batch_wise")
    a = _record(engine, "a", Events.ITERATION_COMPLETED)
    b = _record(engine, "b", Events.ITERATION_COMPLETED)
    engine.run(DATA, max_epochs=1)
    # Identical fake ranks: the synced mean equals the local one, and b is never read from a stale cache.
    assert a == DATA and b == [2 * x for x in DATA]


def test_frequency_counts_items_per_second() -> None:
    from ignite.metrics import Frequency

    engine = _engine()
    freq = Frequency(output_transform=lambda _: 10)
    freq.attach(engine, "freq")
    engine.run(DATA, max_epochs=1)
    assert freq._n.item() == 40.0
    assert engine.state.metrics["freq"] == pytest.approx(40.0 / freq._elapsed.item())
    with pytest.raises(TypeError, match="number of items"):
        freq.update("many")
