"""Engine.add_handler_wrapper / remove_handler_wrapper: the hook the time profilers are built on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ignite.engine import Engine, EventEnum, Events, HandlerWrapper

Step = Callable[[], Any]


class Recorder:
    """Records ``call <handler>`` around each wrapped handler call and ``begin/end <event>`` around each firing of
    the events in ``marked``."""

    def __init__(self, log: list[str], tag: str = "", marked: tuple[Any, ...] = ()) -> None:
        self.log, self.tag, self.marked = log, tag, marked
        self.wrapped: list[tuple[Any, str]] = []

    def wrap_handler(self, event: Any, handler: Callable[..., Any], call: Step) -> Step:
        name = getattr(handler, "__name__", type(handler).__name__)
        self.wrapped.append((event, name))

        def wrapped() -> None:
            self.log.append(f"{self.tag}call {name}")
            call()

        return wrapped

    def wrap_event(self, event: Any, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        if event not in self.marked:
            return steps
        return (
            lambda: self.log.append(f"{self.tag}begin {event.name}"),
            *steps,
            lambda: self.log.append(f"{self.tag}end {event.name}"),
        )


def _logging_handler(log: list[str], name: str) -> Callable[[Engine], None]:
    def handler(engine: Engine) -> None:
        log.append(f"{name} {engine.state.iteration}")

    handler.__name__ = name
    return handler


def test_recorder_satisfies_the_protocol() -> None:
    wrapper: HandlerWrapper = Recorder([])
    assert callable(wrapper.wrap_handler) and callable(wrapper.wrap_event)


def test_every_handler_call_goes_through_the_wrapper_and_filters_stay_outside() -> None:
    log: list[str] = []
    engine = Engine(lambda e, b: log.append("process"))
    engine.add_event_handler(Events.ITERATION_COMPLETED, _logging_handler(log, "a"))
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), _logging_handler(log, "b"))
    engine.add_handler_wrapper(Recorder(log, marked=(Events.ITERATION_COMPLETED, Events.GET_BATCH_STARTED)))
    engine.run([0, 1], max_epochs=1)
    assert log == [
        "begin GET_BATCH_STARTED",
        "end GET_BATCH_STARTED",
        "process",
        "begin ITERATION_COMPLETED",
        "call a",
        "a 1",
        "end ITERATION_COMPLETED",
        "begin GET_BATCH_STARTED",
        "end GET_BATCH_STARTED",
        "process",
        "begin ITERATION_COMPLETED",
        "call a",
        "a 2",
        "call b",
        "b 2",
        "end ITERATION_COMPLETED",
    ]


def test_handlers_added_later_and_during_the_run_are_wrapped() -> None:
    log: list[str] = []
    engine = Engine(lambda e, b: None)
    engine.add_handler_wrapper(Recorder(log))
    engine.add_event_handler(Events.STARTED, _logging_handler(log, "early"))

    @engine.on(Events.ITERATION_COMPLETED(once=1))
    def add_more(engine: Engine) -> None:
        engine.add_event_handler(Events.ITERATION_COMPLETED, _logging_handler(log, "late"))

    engine.run([0, 1, 2])
    assert log == ["call early", "early 0", "call add_more", "call late", "late 2", "call late", "late 3"]


def test_remove_handler_wrapper_restores_direct_calls() -> None:
    log: list[str] = []
    engine = Engine(lambda e, b: None)
    engine.add_event_handler(Events.ITERATION_COMPLETED, _logging_handler(log, "h"))
    recorder = Recorder(log, marked=(Events.ITERATION_COMPLETED,))
    engine.add_handler_wrapper(recorder)
    engine.remove_handler_wrapper(recorder)
    engine.run([0])
    assert log == ["h 1"]
    with pytest.raises(ValueError, match=r"wrapper .* was not added"):
        engine.remove_handler_wrapper(recorder)


def test_adding_the_same_wrapper_twice_wraps_once() -> None:
    log: list[str] = []
    engine = Engine(lambda e, b: None)
    engine.add_event_handler(Events.COMPLETED, _logging_handler(log, "h"))
    recorder = Recorder(log)
    engine.add_handler_wrapper(recorder)
    engine.add_handler_wrapper(recorder)
    engine.run([0])
    assert log == ["call h", "h 1"]


def test_bad_wrapper_is_a_type_error_naming_the_argument() -> None:
    engine = Engine(lambda e, b: None)

    class OnlyHandlers:
        def wrap_handler(self, event: Any, handler: Any, call: Step) -> Step:
            return call

    with pytest.raises(
        TypeError, match=r"Argument wrapper should have callable wrap_handler and wrap_event.*wrap_event"
    ):
        engine.add_handler_wrapper(OnlyHandlers())  # type: ignore[arg-type]


def test_two_wrappers_the_first_added_is_innermost() -> None:
    log: list[str] = []
    engine = Engine(lambda e, b: None)
    engine.add_event_handler(Events.COMPLETED, _logging_handler(log, "h"))
    engine.add_handler_wrapper(Recorder(log, "inner ", marked=(Events.COMPLETED,)))
    engine.add_handler_wrapper(Recorder(log, "outer ", marked=(Events.COMPLETED,)))
    engine.run([0])
    assert log == [
        "outer begin COMPLETED",
        "inner begin COMPLETED",
        "outer call h",
        "inner call h",
        "h 1",
        "inner end COMPLETED",
        "outer end COMPLETED",
    ]


def test_events_fired_with_arguments_go_through_the_wrapper() -> None:
    log: list[str] = []
    counters: list[int] = []
    engine = Engine(lambda e, b: None)

    def on_terminate_epoch(engine: Engine, iter_counter: int) -> None:
        counters.append(iter_counter)

    def fail(engine: Engine) -> None:
        raise RuntimeError("x")

    def on_error(engine: Engine, error: BaseException) -> None:
        log.append(f"error {error}")

    engine.add_event_handler(Events.TERMINATE_SINGLE_EPOCH, on_terminate_epoch)
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.terminate_epoch())
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=4), fail)
    engine.add_event_handler(Events.EXCEPTION_RAISED, on_error)
    engine.add_handler_wrapper(Recorder(log, marked=(Events.TERMINATE_SINGLE_EPOCH, Events.EXCEPTION_RAISED)))
    engine.run([0, 1, 2], max_epochs=3)
    assert counters == [2]
    assert [line for line in log if "lambda" not in line] == [
        "begin TERMINATE_SINGLE_EPOCH",
        "call on_terminate_epoch",
        "end TERMINATE_SINGLE_EPOCH",
        "call fail",
        "begin EXCEPTION_RAISED",
        "call on_error",
        "error x",
        "end EXCEPTION_RAISED",
    ]


def test_filtered_handlers_of_events_fired_with_arguments_are_wrapped_only_when_they_run() -> None:
    log: list[str] = []
    engine = Engine(lambda e, b: e.terminate_epoch())

    def on_terminate_epoch(engine: Engine) -> None:
        log.append(f"epoch {engine.state.epoch}")

    engine.add_event_handler(Events.TERMINATE_SINGLE_EPOCH(every=2), on_terminate_epoch)
    engine.add_handler_wrapper(Recorder(log))
    engine.run([0, 1], max_epochs=4)
    assert log == ["call on_terminate_epoch", "epoch 2", "call on_terminate_epoch", "epoch 4"]


class CustomEvents(EventEnum):
    PING = "ping"


def test_custom_events_are_wrapped() -> None:
    log: list[str] = []
    engine = Engine(lambda e, b: e.fire_event(CustomEvents.PING))
    engine.register_events(*CustomEvents)
    engine.add_event_handler(CustomEvents.PING, _logging_handler(log, "ping"))
    recorder = Recorder(log, marked=(CustomEvents.PING,))
    engine.add_handler_wrapper(recorder)
    engine.run([0])
    assert log == ["begin PING", "call ping", "ping 1", "end PING"]
    assert (CustomEvents.PING, "ping") in recorder.wrapped


def test_wrap_handler_sees_each_handler_then_wrap_event_for_each_change() -> None:
    calls: list[tuple[str, Any, str]] = []

    class Spy:
        def wrap_handler(self, event: Any, handler: Callable[..., Any], call: Step) -> Step:
            calls.append(("handler", event, handler.__name__))
            return call

        def wrap_event(self, event: Any, steps: tuple[Step, ...]) -> tuple[Step, ...]:
            calls.append(("event", event, str(len(steps))))
            return steps

    engine = Engine(lambda e, b: None)

    def first(engine: Engine) -> None:
        pass

    def second(engine: Engine) -> None:
        pass

    engine.add_event_handler(Events.EPOCH_STARTED, first)
    engine.add_handler_wrapper(Spy())
    assert ("handler", Events.EPOCH_STARTED, "first") in calls
    assert ("event", Events.COMPLETED, "0") in calls
    calls.clear()
    engine.add_event_handler(Events.EPOCH_STARTED, second)
    assert calls == [
        ("handler", Events.EPOCH_STARTED, "first"),
        ("handler", Events.EPOCH_STARTED, "second"),
        ("event", Events.EPOCH_STARTED, "2"),
    ]
