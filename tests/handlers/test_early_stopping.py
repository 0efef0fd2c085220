from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from ignite.engine import Engine, Events
from ignite.handlers import EarlyStopping


def scripted(scores: list[Any]) -> Callable[[Engine], Any]:
    def score(engine: Engine) -> Any:
        return scores[engine.state.epoch - 1]

    return score


def stopped_at(scores: list[Any], **kwargs: Any) -> int:
    trainer = Engine(lambda engine, batch: None)
    trainer.add_event_handler(
        Events.EPOCH_COMPLETED, EarlyStopping(score_function=scripted(scores), trainer=trainer, **kwargs)
    )
    return trainer.run([0], max_epochs=len(scores)).epoch


def test_stops_after_patience_without_improvement() -> None:
    assert stopped_at([1.0, 2.0, 2.0, 1.5, 3.0, 0.0, 0.0], patience=2) == 4
    assert stopped_at([1.0, 2.0, 2.0, 2.5, 2.0, 2.0, 2.0], patience=2) == 6
    assert stopped_at([1.0, 2.0, 3.0, 4.0], patience=1) == 4


def test_min_delta_and_cumulative_delta() -> None:
    # Gains of 0.3 per epoch are below min_delta=0.5: non-cumulative never improves.
    scores = [0.0, 0.3, 0.6, 0.9, 1.2, 1.5]
    assert stopped_at(scores, patience=3, min_delta=0.5) == 4
    # Cumulative: 0.6 beats the last real improvement (0.0) by more than 0.5, then 1.2 beats 0.6.
    assert stopped_at(scores, patience=3, min_delta=0.5, cumulative_delta=True) == 6


def test_mode_min_and_relative_delta() -> None:
    assert stopped_at([1.0, 0.5, 0.6, 0.7], patience=2, mode="min") == 4
    # Relative: 10 -> 9.5 is only a 5% drop, not more than 10%.
    assert stopped_at([10.0, 9.5, 9.2, 8.0, 7.0], patience=2, mode="min", min_delta=0.1, min_delta_mode="rel") == 3


def test_tensor_scores_and_state_dict_resume() -> None:
    trainer = Engine(lambda engine, batch: None)
    handler = EarlyStopping(3, scripted([torch.tensor(1.0), torch.tensor(0.5)]), trainer)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    trainer.run([0], max_epochs=2)
    assert dict(handler.state_dict()) == {"counter": 1, "best_score": 1.0}

    other_trainer = Engine(lambda engine, batch: None)
    resumed = EarlyStopping(3, scripted([0.0, 0.0, 0.9, 0.8]), other_trainer)
    resumed.load_state_dict(handler.state_dict())
    other_trainer.add_event_handler(Events.EPOCH_COMPLETED, resumed)
    other_trainer.state.max_epochs = None
    # Two more bad epochs reach patience=3 only because the counter was restored.
    other_trainer.add_event_handler(Events.STARTED, lambda e: setattr(e.state, "epoch", 2))
    assert other_trainer.run([0], max_epochs=4).epoch == 4
    assert resumed.counter == 3

    with pytest.raises(ValueError, match="'counter' is absent"):
        resumed.load_state_dict({"best_score": 1.0})


def test_nan_score_is_an_error() -> None:
    trainer = Engine(lambda engine, batch: None)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, EarlyStopping(1, lambda engine: float("nan"), trainer))
    with pytest.raises(ValueError, match="output of score_function should be a real number, got NaN"):
        trainer.run([0])


def test_bad_arguments() -> None:
    trainer = Engine(lambda engine, batch: None)
    with pytest.raises(ValueError, match="Argument patience should be a positive integer, got 0"):
        EarlyStopping(0, lambda engine: 0.0, trainer)
    with pytest.raises(ValueError, match="Argument min_delta should not be a negative number, got -1"):
        EarlyStopping(1, lambda engine: 0.0, trainer, min_delta=-1)
    with pytest.raises(TypeError, match="Argument score_function should be a function, got int"):
        EarlyStopping(1, 3, trainer)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Argument trainer should be an instance of Engine, got str"):
        EarlyStopping(1, lambda engine: 0.0, "trainer")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument mode should be 'min' or 'max'"):
        EarlyStopping(1, lambda engine: 0.0, trainer, mode="best")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument min_delta_mode should be 'abs' or 'rel'"):
        EarlyStopping(1, lambda engine: 0.0, trainer, min_delta_mode="pct")  # type: ignore[arg-type]
