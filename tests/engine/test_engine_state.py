"""state_dict / load_state_dict, resuming from a saved state, and the validation of run() arguments."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

from ignite.engine import Engine, Events


def make_engine() -> tuple[Engine, list[tuple[int, int]]]:
    seen: list[tuple[int, int]] = []

    def step(engine: Engine, batch: Any) -> Any:
        seen.append((engine.state.epoch, engine.state.iteration))
        return batch

    return Engine(step), seen


# ------------------------------------------------------------------------------------------------------ state_dict
def test_state_dict_after_run() -> None:
    engine, _ = make_engine()
    assert engine.state_dict() == OrderedDict(epoch_length=None, iteration=0, max_epochs=None)
    engine.run(range(4), max_epochs=2)
    state_dict = engine.state_dict()
    assert isinstance(state_dict, OrderedDict)
    assert list(state_dict.items()) == [("epoch_length", 4), ("iteration", 8), ("max_epochs", 2)]


def test_state_dict_with_max_iters() -> None:
    engine, _ = make_engine()
    engine.run(range(5), max_iters=7)
    assert dict(engine.state_dict()) == {"epoch_length": 5, "iteration": 7, "max_iters": 7}


def test_state_dict_user_keys() -> None:
    engine, _ = make_engine()
    engine.state_dict_user_keys.append("alpha")
    engine.add_event_handler(Events.STARTED, lambda e: setattr(e.state, "alpha", 0.5))
    engine.run([1])
    assert engine.state_dict()["alpha"] == 0.5

    other, _ = make_engine()
    other.state_dict_user_keys.append("alpha")
    with pytest.raises(ValueError, match="Required user state attribute 'alpha' is absent"):
        other.load_state_dict({"epoch_length": 1, "iteration": 1, "max_epochs": 1})
    other.load_state_dict(engine.state_dict())
    assert other.state.alpha == 0.5


@pytest.mark.parametrize(
    "state_dict, error, message",
    [
        ({"iteration": 1, "max_epochs": 2}, ValueError, "Required state attribute 'epoch_length' is absent"),
        ({"epoch_length": 2, "max_epochs": 2}, ValueError, r"exactly one of the keys \['iteration', 'epoch'\]"),
        ({"epoch_length": 2, "iteration": 1, "epoch": 1, "max_epochs": 2}, ValueError, "exactly one of the keys"),
        ({"epoch_length": 2, "iteration": 1}, ValueError, r"exactly one of the keys \['max_epochs', 'max_iters'\]"),
        ({"epoch_length": 0, "iteration": 1, "max_epochs": 2}, ValueError, r"state_dict\['epoch_length'\]"),
        ({"epoch_length": 2, "iteration": -1, "max_epochs": 2}, ValueError, r"state_dict\['iteration'\] should be"),
        ({"epoch_length": 2, "epoch": 1.5, "max_epochs": 2}, ValueError, r"state_dict\['epoch'\] should be"),
        ({"epoch_length": 2, "iteration": 1, "max_epochs": 0}, ValueError, r"state_dict\['max_epochs'\] should be"),
        ({"epoch_length": None, "epoch": 1, "max_epochs": 2}, ValueError, "needs a known 'epoch_length'"),
        ([("epoch_length", 2)], TypeError, "should be a Mapping"),
    ],
)
def test_load_state_dict_validation(state_dict: Any, error: type[Exception], message: str) -> None:
    engine, _ = make_engine()
    with pytest.raises(error, match=message):
        engine.load_state_dict(state_dict)


def test_load_state_dict_from_iteration_resumes_mid_epoch(recorder: Any) -> None:
    engine, seen = make_engine()
    engine.load_state_dict({"epoch_length": 5, "iteration": 7, "max_epochs": 3})
    assert (engine.state.epoch, engine.state.iteration) == (1, 7)
    record = recorder(engine, [Events.STARTED, Events.EPOCH_STARTED, Events.EPOCH_COMPLETED, Events.COMPLETED])
    engine.run(range(5))
    assert record == [
        ("STARTED", 1, 7),
        ("EPOCH_STARTED", 2, 7),
        ("EPOCH_COMPLETED", 2, 10),
        ("EPOCH_STARTED", 3, 10),
        ("EPOCH_COMPLETED", 3, 15),
        ("COMPLETED", 3, 15),
    ]
    assert seen == [(2, 8), (2, 9), (2, 10)] + [(3, i) for i in range(11, 16)]


def test_load_state_dict_from_epoch() -> None:
    engine, seen = make_engine()
    engine.load_state_dict({"epoch_length": 5, "epoch": 2, "max_epochs": 3})
    assert (engine.state.epoch, engine.state.iteration) == (2, 10)
    engine.run(range(5))
    assert seen == [(3, i) for i in range(11, 16)]


def test_load_state_dict_with_max_iters() -> None:
    engine, seen = make_engine()
    engine.load_state_dict({"epoch_length": 5, "iteration": 7, "max_iters": 12})
    assert (engine.state.max_epochs, engine.state.max_iters) == (3, 12)
    engine.run(range(5))
    assert [i for _, i in seen] == [8, 9, 10, 11, 12]


def test_saved_state_resumes_like_an_uninterrupted_run() -> None:
    full, full_seen = make_engine()
    full.run(range(4), max_epochs=3)

    first, first_seen = make_engine()
    first.add_event_handler(Events.ITERATION_COMPLETED(once=6), lambda e: e.interrupt())
    first.run(range(4), max_epochs=3)
    saved = first.state_dict()
    assert dict(saved) == {"epoch_length": 4, "iteration": 6, "max_epochs": 3}

    second, second_seen = make_engine()
    second.load_state_dict(saved)
    second.run(range(4))
    assert first_seen + second_seen == full_seen


def test_load_state_dict_discards_an_interrupted_run() -> None:
    engine, seen = make_engine()
    handle = engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.interrupt())
    engine.run(range(5), max_epochs=2)
    handle.remove()
    engine.load_state_dict({"epoch_length": 5, "iteration": 0, "max_epochs": 1})
    seen.clear()
    engine.run(range(5))
    assert seen == [(1, i) for i in range(1, 6)]


def test_loaded_state_that_is_done_starts_a_new_run() -> None:
    engine, seen = make_engine()
    engine.load_state_dict({"epoch_length": 5, "iteration": 10, "max_epochs": 2})
    engine.run(range(3))
    assert seen == [(1, 1), (1, 2), (1, 3)]


# -------------------------------------------------------------------------------------------- run() validation
@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"data": 5}, TypeError, "Argument data should be iterable .* got int"),
        ({"data": []}, ValueError, "Input data has zero size"),
        ({"data": [1], "max_epochs": 0}, ValueError, "Argument max_epochs should be a positive integer, got 0"),
        ({"data": [1], "max_epochs": -1}, ValueError, "Argument max_epochs should be a positive integer, got -1"),
        ({"data": [1], "max_epochs": 1.5}, ValueError, "Argument max_epochs should be a positive integer, got 1.5"),
        ({"data": [1], "epoch_length": 0}, ValueError, "Argument epoch_length should be a positive integer, got 0"),
        ({"data": [1], "epoch_length": -3}, ValueError, "Argument epoch_length should be a positive integer, got -3"),
        ({"data": [1], "max_iters": 0}, ValueError, "Argument max_iters should be a positive integer, got 0"),
        ({"data": [1], "max_epochs": 2, "max_iters": 3}, ValueError, "max_iters and max_epochs are mutually exclusive"),
        ({}, ValueError, "Argument epoch_length should be provided when data is None"),
        ({"max_epochs": 2}, ValueError, "Argument epoch_length should be provided when data is None"),
    ],
)
def test_run_argument_errors(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    engine, seen = make_engine()
    with pytest.raises(error, match=message):
        engine.run(**kwargs)
    assert seen == []


def test_empty_iterator_is_an_error() -> None:
    engine, _ = make_engine()
    with pytest.raises(ValueError, match="Input data has zero size"):
        engine.run(iter([]))


def test_resume_argument_errors() -> None:
    engine, _ = make_engine()
    engine.add_event_handler(Events.EPOCH_COMPLETED(once=3), lambda e: e.terminate())
    engine.run(range(4), max_epochs=5)
    with pytest.raises(ValueError, match=r"max_epochs should be greater than or equal to the start epoch.*2 vs 3"):
        engine.run(range(4), max_epochs=2)
    with pytest.raises(ValueError, match="epoch_length should be same as in the state, but given 3 vs 4"):
        engine.run(range(4), epoch_length=3)
    with pytest.raises(ValueError, match="max_iters should be greater than or equal to the current iteration"):
        engine.run(range(4), max_iters=5)
    # Valid overrides are applied.
    engine.run(range(4), max_epochs=4)
    assert (engine.state.epoch, engine.state.iteration) == (4, 16)


def test_set_data_requires_iterable() -> None:
    engine, _ = make_engine()
    with pytest.raises(TypeError, match="Argument data should be iterable, got int"):
        engine.set_data(3)  # type: ignore[arg-type]


def test_state_dict_of_a_never_run_engine_round_trips() -> None:
    # A checkpoint taken before the first run (max_epochs and epoch_length still None) must load back.
    fresh, _ = make_engine()
    saved = fresh.state_dict()
    assert dict(saved) == {"epoch_length": None, "iteration": 0, "max_epochs": None}
    engine, seen = make_engine()
    engine.load_state_dict(saved)
    assert (engine.state.epoch, engine.state.iteration, engine.state.max_epochs) == (0, 0, None)
    engine.run(range(3), max_epochs=2)
    assert seen == [(1, 1), (1, 2), (1, 3), (2, 4), (2, 5), (2, 6)]
