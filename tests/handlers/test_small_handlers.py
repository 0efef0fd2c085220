from __future__ import annotations

import math
import time
from typing import Any

import pytest
import torch

from ignite.engine import Engine, Events
from ignite.handlers import EpochOutputStore, TerminateOnNan, TimeLimit, Timer, global_step_from_engine


# ----------------------------------------------------------------------------------------------- TerminateOnNan
@pytest.mark.parametrize(
    "bad",
    [
        math.nan,
        math.inf,
        torch.tensor([1.0, math.nan]),
        {"loss": 1.0, "parts": [torch.tensor(0.0), (2.0, torch.tensor(-math.inf))]},
        [torch.ones(2), {"deep": {"deeper": [math.nan]}}],
    ],
)
def test_terminate_on_nan_stops(bad: Any) -> None:
    outputs = [1.0, 2.0, bad, 3.0]
    trainer = Engine(lambda engine, batch: outputs[engine.state.iteration - 1])
    trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
    assert trainer.run(range(4), max_epochs=2).iteration == 3


def test_terminate_on_nan_ignores_finite_and_non_numeric() -> None:
    outputs = [{"loss": torch.tensor(1.0), "name": "x", "ids": torch.tensor([1, 2])}, (1, 2.0), None, "text"]
    trainer = Engine(lambda engine, batch: outputs[(engine.state.iteration - 1) % 4])
    trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
    assert trainer.run(range(4), max_epochs=2).iteration == 8


def test_terminate_on_nan_output_transform() -> None:
    trainer = Engine(lambda engine, batch: (math.nan, 1.0))
    trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan(output_transform=lambda out: out[1]))
    assert trainer.run(range(3)).iteration == 3
    with pytest.raises(TypeError, match="Argument output_transform should be callable"):
        TerminateOnNan(output_transform=1)  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------------------------- Timer
class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    # The handlers read time.perf_counter / time.time at each call.
    monkeypatch.setattr(time, "perf_counter", fake)
    monkeypatch.setattr(time, "time", fake)
    return fake


def test_timer_pause_resume_and_average(clock: FakeClock) -> None:
    durations = iter([1.0, 2.0, 3.0])

    def step(engine: Engine, batch: Any) -> None:
        clock.now += next(durations)

    trainer = Engine(step)
    average = Timer(average=True).attach(
        trainer,
        start=Events.STARTED,
        resume=Events.ITERATION_STARTED,
        pause=Events.ITERATION_COMPLETED,
        step=Events.ITERATION_COMPLETED,
    )
    total = Timer().attach(trainer)
    # Runs after the pause of the averaging timer: these 10 s per iteration count only for the total.
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda: setattr(clock, "now", clock.now + 10.0))
    trainer.run(range(3))
    assert average.step_count == 3.0
    assert average.value() == pytest.approx((1.0 + 2.0 + 3.0) / 3)
    assert total.value() == pytest.approx(36.0)
    assert not total.running
    clock.now += 5.0
    assert total.value() == pytest.approx(36.0)
    total.resume()
    clock.now += 4.0
    assert total.value() == pytest.approx(40.0)
    total.reset()
    assert total.value() == 0.0 and total.running


def test_time_limit(clock: FakeClock) -> None:
    limit = TimeLimit(limit_sec=25)

    def step(engine: Engine, batch: Any) -> None:
        clock.now += 10.0

    trainer = Engine(step)
    trainer.add_event_handler(Events.ITERATION_COMPLETED, limit)
    assert trainer.run(range(10)).iteration == 3
    with pytest.raises(ValueError, match="Argument limit_sec should be a positive number of seconds, got 0"):
        TimeLimit(0)
    with pytest.raises(TypeError, match="Argument limit_sec should be a number of seconds, got str"):
        TimeLimit("10")  # type: ignore[arg-type]
    unlimited = Engine(step)
    unlimited.add_event_handler(Events.ITERATION_COMPLETED, TimeLimit(None))
    assert unlimited.run(range(10)).iteration == 10


# ----------------------------------------------------------------------------------------------------- utilities
def test_global_step_from_engine() -> None:
    trainer = Engine(lambda engine, batch: None)
    trainer.run(range(5), max_epochs=3)
    evaluator = Engine(lambda engine, batch: None)
    assert global_step_from_engine(trainer)(evaluator, Events.EPOCH_COMPLETED) == 3
    assert global_step_from_engine(trainer)(evaluator, Events.ITERATION_COMPLETED) == 15
    assert global_step_from_engine(trainer, Events.ITERATION_COMPLETED)(evaluator, Events.EPOCH_COMPLETED) == 15


def test_epoch_output_store() -> None:
    evaluator = Engine(lambda engine, batch: {"y": batch})
    store = EpochOutputStore(output_transform=lambda out: out["y"])
    store.attach(evaluator, "outputs")
    seen: list[list[Any]] = []
    evaluator.add_event_handler(Events.EPOCH_COMPLETED, lambda e: seen.append(list(e.state.outputs)))
    evaluator.run([1, 2, 3], max_epochs=2)
    assert seen == [[1, 2, 3], [1, 2, 3]]
    assert store.data == [1, 2, 3]

    unnamed = EpochOutputStore()
    other = Engine(lambda engine, batch: batch)
    unnamed.attach(other)
    other.run([5, 6])
    assert unnamed.data == [5, 6]
    assert not hasattr(other.state, "outputs")
    with pytest.raises(ValueError, match="Argument name should be a valid attribute name"):
        EpochOutputStore().attach(other, "not valid")
