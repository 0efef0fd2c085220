"""Events, filtered events, EventsList and State, without running an engine (mostly)."""

from __future__ import annotations

import pickle
from enum import Enum
from typing import Any

import pytest

from ignite.engine import CallableEventWithFilter, Engine, EventEnum, Events, EventsList, State
from ignite.engine.events import FilteredEvent


class CustomEvents(EventEnum):
    FOO = "foo"
    BAR = "bar"


def fires(event: Any, values: range) -> list[int]:
    assert event.filter is not None
    return [v for v in values if event.filter(None, v)]


def test_events_members_and_values() -> None:
    assert [e.name for e in Events] == [
        "EPOCH_STARTED",
        "EPOCH_COMPLETED",
        "STARTED",
        "COMPLETED",
        "ITERATION_STARTED",
        "ITERATION_COMPLETED",
        "EXCEPTION_RAISED",
        "GET_BATCH_STARTED",
        "GET_BATCH_COMPLETED",
        "DATALOADER_STOP_ITERATION",
        "TERMINATE",
        "TERMINATE_SINGLE_EPOCH",
        "INTERRUPT",
    ]
    assert all(e.value == e.name.lower() for e in Events)
    assert Events("started") is Events.STARTED
    assert isinstance(Events.STARTED, CallableEventWithFilter)
    assert Events.STARTED.filter is None
    assert pickle.loads(pickle.dumps(Events.EPOCH_COMPLETED)) is Events.EPOCH_COMPLETED


def test_every_filter() -> None:
    assert fires(Events.ITERATION_COMPLETED(every=3), range(1, 11)) == [3, 6, 9]


def test_every_one_means_no_filter() -> None:
    event = Events.ITERATION_COMPLETED(every=1)
    assert isinstance(event, CallableEventWithFilter)
    assert event.filter is None
    assert event == Events.ITERATION_COMPLETED


def test_once_filter_int_and_list() -> None:
    assert fires(Events.EPOCH_COMPLETED(once=4), range(1, 11)) == [4]
    assert fires(Events.EPOCH_COMPLETED(once=[2, 7]), range(1, 11)) == [2, 7]


def test_before_after_filters() -> None:
    assert fires(Events.ITERATION_STARTED(before=4), range(0, 10)) == [1, 2, 3]
    assert fires(Events.ITERATION_STARTED(after=7), range(0, 10)) == [8, 9]
    assert fires(Events.ITERATION_STARTED(before=6, after=2), range(0, 10)) == [3, 4, 5]


def test_every_with_before_after_counts_from_after() -> None:
    # Same rule as PyTorch-Ignite: after < v < before and (v - after - 1) % every == 0.
    assert fires(Events.ITERATION_STARTED(every=5, before=25, after=8), range(0, 40)) == [9, 14, 19, 24]
    assert fires(Events.ITERATION_STARTED(every=3, after=2), range(0, 12)) == [3, 6, 9]
    assert fires(Events.ITERATION_STARTED(every=4, before=10), range(0, 12)) == [1, 5, 9]


def test_custom_event_filter() -> None:
    def odd(engine: Any, event: int) -> bool:
        return event % 2 == 1

    event = Events.EPOCH_STARTED(event_filter=odd)
    assert event.filter is odd
    assert fires(event, range(0, 6)) == [1, 3, 5]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"event_filter": lambda e, v: True, "every": 2},
        {"event_filter": lambda e, v: True, "once": 2},
        {"event_filter": lambda e, v: True, "before": 2},
        {"every": 2, "once": 2},
        {"once": 2, "after": 3},
        {"once": 2, "before": 3},
    ],
)
def test_filter_argument_combinations_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Only one of the input arguments should be specified, except before, after"):
        Events.ITERATION_STARTED(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"every": 0}, r"Argument every should be integer and greater than zero, got 0"),
        ({"every": -2}, r"Argument every should be integer and greater than zero, got -2"),
        ({"every": 2.5}, r"Argument every should be integer and greater than zero, got 2.5"),
        ({"every": True}, r"Argument every should be integer and greater than zero, got True"),
        ({"once": 0}, r"Argument once should either be a positive integer or a list of positive integers, got 0"),
        ({"once": []}, r"Argument once should either be a positive integer or a list of positive integers, got \[\]"),
        ({"once": [1, 2.0]}, r"Argument once should either be a positive integer or a list of positive integers"),
        ({"once": "12"}, r"Argument once should either be a positive integer or a list of positive integers"),
        ({"before": -1}, r"Argument before should be integer and greater or equal to zero, got -1"),
        ({"after": -1}, r"Argument after should be integer and greater or equal to zero, got -1"),
        ({"after": 1.5, "every": 2}, r"Argument after should be integer and greater or equal to zero, got 1.5"),
    ],
)
def test_filter_argument_values_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Events.ITERATION_COMPLETED(**kwargs)


def test_event_filter_must_be_callable_with_engine_and_event() -> None:
    with pytest.raises(TypeError, match="Argument event_filter should be a callable, got str"):
        Events.ITERATION_STARTED(event_filter="123")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'event_filter': takes parameters \['x'\] but will be called with"):
        Events.ITERATION_STARTED(event_filter=lambda x: x)  # type: ignore[arg-type,misc]


def test_filtered_event_equality_and_hash() -> None:
    filtered = Events.EPOCH_COMPLETED(every=2)
    assert isinstance(filtered, FilteredEvent)
    assert isinstance(filtered, CallableEventWithFilter)
    assert filtered == Events.EPOCH_COMPLETED
    assert Events.EPOCH_COMPLETED == filtered  # noqa: SIM300  (the reflected comparison is under test)
    assert filtered == Events.EPOCH_COMPLETED(once=3)
    assert filtered != Events.ITERATION_COMPLETED
    assert Events.ITERATION_COMPLETED != filtered  # noqa: SIM300
    assert Events.EPOCH_COMPLETED != 1  # type: ignore[comparison-overlap]
    assert Events.EPOCH_COMPLETED != "abc"  # type: ignore[comparison-overlap]
    assert hash(filtered) == hash(Events.EPOCH_COMPLETED)
    lookup: dict[Any, int] = {Events.EPOCH_COMPLETED: 1}
    assert lookup[filtered] == 1
    assert filtered in State.event_to_attr
    assert filtered.name == "EPOCH_COMPLETED" and filtered.value == "epoch_completed"
    assert "EPOCH_COMPLETED" in str(filtered) and "every(2)" in str(filtered)


def test_filtered_event_can_be_refiltered() -> None:
    refiltered = Events.ITERATION_COMPLETED(every=2)(once=3)
    assert refiltered.event is Events.ITERATION_COMPLETED
    assert fires(refiltered, range(1, 10)) == [3]


def test_custom_event_enum_members_are_callable() -> None:
    event = CustomEvents.FOO(every=10)
    assert event == CustomEvents.FOO
    assert event != CustomEvents.BAR
    assert fires(event, range(1, 31)) == [10, 20, 30]
    assert CustomEvents.FOO != Events.STARTED  # type: ignore[comparison-overlap]


def test_plain_enum_members_are_not_callable() -> None:
    class Plain(Enum):
        X = "x"

    with pytest.raises(TypeError, match="not callable"):
        Plain.X(every=10)  # type: ignore[operator]


def test_events_list() -> None:
    e1, e2, e3 = Events.ITERATION_STARTED(once=1), Events.ITERATION_STARTED(every=3), Events.COMPLETED
    events = e1 | e2 | e3
    assert isinstance(events, EventsList)
    assert len(events) == 3
    assert events[0] is e1 and events[1] is e2 and events[2] is e3
    assert list(events) == [e1, e2, e3]
    events |= CustomEvents.FOO
    assert len(events) == 4
    with pytest.raises(ValueError, match=r"Argument event should be an event .* got int"):
        events | 1  # type: ignore[operator]


def test_state_defaults_and_kwargs() -> None:
    state = State(iteration=5, custom="x")
    assert (state.iteration, state.epoch, state.epoch_length, state.max_epochs, state.max_iters) == (
        5,
        0,
        None,
        None,
        None,
    )
    assert state.output is None and state.batch is None and state.dataloader is None and state.seed is None
    assert state.metrics == {}
    assert state.times == {"EPOCH_COMPLETED": None, "COMPLETED": None}
    assert state.custom == "x"
    assert state.get_event_attrib_value(Events.ITERATION_STARTED) == 5
    assert state.get_event_attrib_value(Events.EPOCH_COMPLETED(every=2)) == 0
    with pytest.raises(RuntimeError, match="Unknown event name"):
        state.get_event_attrib_value(Events.TERMINATE)
    text = repr(state)
    assert text.startswith("State:") and "iteration: 5" in text and "metrics: <class 'dict'>" in text


def test_state_event_to_attr_is_per_instance() -> None:
    a, b = State(), State()
    a.event_to_attr[CustomEvents.FOO] = "foo_count"
    assert CustomEvents.FOO not in b.event_to_attr
    assert CustomEvents.FOO not in State.event_to_attr


def test_removable_event_handle_context_manager_and_weakrefs() -> None:
    engine = Engine(lambda e, b: None)
    calls: list[int] = []

    def handler() -> None:
        calls.append(1)

    with engine.add_event_handler(Events.ITERATION_COMPLETED, handler) as handle:
        assert engine.has_event_handler(handler, Events.ITERATION_COMPLETED)
        engine.run([1, 2])
    assert calls == [1, 1]
    assert not engine.has_event_handler(handler)
    handle.remove()  # removing twice is harmless

    class Obj:
        def method(self, engine: Engine) -> None:
            calls.append(2)

    obj = Obj()
    handle = engine.add_event_handler(Events.STARTED | Events.COMPLETED, obj.method)
    assert handle.handler() == obj.method  # a bound method stays reachable as long as its object
    handle.remove()
    assert not engine.has_event_handler(obj.method)
