from __future__ import annotations

import math
from typing import Any

import pytest

from ignite.engine import Engine, Events
from ignite.handlers import (
    ExpStateScheduler,
    LambdaStateScheduler,
    MultiStepStateScheduler,
    PiecewiseLinearStateScheduler,
    StateParamScheduler,
    StepStateScheduler,
)


def values_seen(scheduler: StateParamScheduler, iterations: int) -> list[Any]:
    trainer = Engine(lambda engine, batch: None)
    scheduler.attach(trainer, Events.ITERATION_COMPLETED)
    seen: list[Any] = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda e: seen.append(getattr(e.state, scheduler.param_name)))
    trainer.run(range(iterations))
    return seen


def test_closed_forms() -> None:
    n = 12
    assert values_seen(ExpStateScheduler(2.0, 0.9, "a", create_new=True), n) == pytest.approx(
        [2.0 * 0.9**i for i in range(n)]
    )
    assert values_seen(StepStateScheduler(1.0, 0.5, 3, "b", create_new=True), n) == pytest.approx(
        [0.5 ** (i // 3) for i in range(n)]
    )
    assert values_seen(MultiStepStateScheduler(1.0, 0.1, [2, 5, 9], "c", create_new=True), n) == pytest.approx(
        [0.1 ** sum(i >= m for m in (2, 5, 9)) for i in range(n)]
    )
    assert values_seen(LambdaStateScheduler(lambda i: math.sqrt(i), "d", create_new=True), n) == pytest.approx(
        [math.sqrt(i + 1) for i in range(n)]
    )
    piecewise = PiecewiseLinearStateScheduler([(0, 0.0), (4, 1.0), (8, 0.0)], "e", create_new=True)
    assert values_seen(piecewise, n) == pytest.approx([min(i, 8 - i) / 4 if i <= 8 else 0.0 for i in range(1, n + 1)])


def test_history_resume_and_create_new() -> None:
    scheduler = StepStateScheduler(1.0, 0.5, 2, "alpha", save_history=True, create_new=True)
    trainer = Engine(lambda engine, batch: None)
    scheduler.attach(trainer, Events.EPOCH_COMPLETED)
    trainer.run([0], max_epochs=5)
    assert trainer.state.param_history["alpha"] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert trainer.state.alpha == 0.25

    resumed = StepStateScheduler(1.0, 0.5, 2, "alpha")
    resumed.load_state_dict(scheduler.state_dict())
    other = Engine(lambda engine, batch: None)
    resumed(other)
    assert other.state.alpha == 0.25 * 1.0  # event 6 is still in the third step
    resumed(other)
    assert other.state.alpha == 0.125

    with pytest.raises(ValueError, match="already exists"):
        StepStateScheduler(1.0, 0.5, 2, "alpha", create_new=True).attach(trainer)
    fresh = Engine(lambda engine, batch: None)
    with pytest.warns(UserWarning, match="'beta' is not defined in the engine.state"):
        ExpStateScheduler(1.0, 0.5, "beta").attach(fresh)
    assert fresh.state.beta is None


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="Argument lambda_obj should be callable, got int"):
        LambdaStateScheduler(3, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument milestones_values should have at least one pair"):
        PiecewiseLinearStateScheduler([], "x")
    with pytest.raises(ValueError, match="non-decreasing milestones, got 1 after 4"):
        PiecewiseLinearStateScheduler([(4, 1.0), (1, 0.0)], "x")
    with pytest.raises(ValueError, match="Argument milestones should be a non-empty list of ints"):
        MultiStepStateScheduler(1.0, 0.5, [], "x")
    with pytest.raises(ValueError, match="Argument milestones should be strictly increasing"):
        MultiStepStateScheduler(1.0, 0.5, [3, 3], "x")
    with pytest.raises(ValueError, match="Argument step_size should be a positive int, got 0"):
        StepStateScheduler(1.0, 0.5, 0, "x")
    with pytest.raises(TypeError, match="Argument gamma should be a real number, got str"):
        ExpStateScheduler(1.0, "0.5", "x")  # type: ignore[arg-type]
