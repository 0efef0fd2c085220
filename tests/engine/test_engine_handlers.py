"""Adding, calling and removing handlers; custom events; per-engine registration; logging."""

from __future__ import annotations

import functools
import logging
from typing import Any

import pytest

from ignite.engine import Engine, EventEnum, Events, State


class CustomEvents(EventEnum):
    FOO = "foo"
    BAR = "bar"


def make_engine(data_len: int = 3) -> Engine:
    return Engine(lambda engine, batch: batch)


# ---------------------------------------------------------------------------------------------- handler signatures
def test_handler_signatures() -> None:
    engine = make_engine()
    calls: list[Any] = []

    def with_engine(e: Engine) -> None:
        calls.append(("with_engine", e))

    def without_engine() -> None:
        calls.append(("without_engine",))

    def with_args(e: Engine, a: int, b: int = 2) -> None:
        calls.append(("with_args", e, a, b))

    def only_args(a: int) -> None:
        calls.append(("only_args", a))

    def var_args(*args: Any, **kwargs: Any) -> None:
        calls.append(("var_args", args, kwargs))

    class Obj:
        def method(self, e: Engine) -> None:
            calls.append(("method", e))

        def method_no_engine(self) -> None:
            calls.append(("method_no_engine",))

        def __call__(self, e: Engine, tag: str) -> None:
            calls.append(("callable_object", e, tag))

    obj = Obj()
    engine.add_event_handler(Events.STARTED, with_engine)
    engine.add_event_handler(Events.STARTED, without_engine)
    engine.add_event_handler(Events.STARTED, with_args, 1, b=3)
    engine.add_event_handler(Events.STARTED, only_args, 7)
    engine.add_event_handler(Events.STARTED, var_args, 5, k=1)
    engine.add_event_handler(Events.STARTED, obj.method)
    engine.add_event_handler(Events.STARTED, obj.method_no_engine)
    engine.add_event_handler(Events.STARTED, obj, "t")
    engine.add_event_handler(Events.STARTED, functools.partial(with_args, a=4))
    engine.add_event_handler(Events.STARTED, lambda: calls.append(("lambda",)))
    engine.add_event_handler(Events.STARTED, lambda e: calls.append(("lambda_engine", e)))
    engine.run([1])
    assert calls == [
        ("with_engine", engine),
        ("without_engine",),
        ("with_args", engine, 1, 3),
        ("only_args", 7),
        ("var_args", (engine, 5), {"k": 1}),
        ("method", engine),
        ("method_no_engine",),
        ("callable_object", engine, "t"),
        ("with_args", engine, 4, 2),
        ("lambda",),
        ("lambda_engine", engine),
    ]


def test_bad_handler_signature_error_names_handler_event_and_signature() -> None:
    engine = make_engine()

    def three_args(a: Any, b: Any, c: Any) -> None:
        pass

    with pytest.raises(ValueError) as info:
        engine.add_event_handler(Events.ITERATION_COMPLETED, three_args)
    message = str(info.value)
    assert "three_args" in message
    assert "ITERATION_COMPLETED" in message
    assert "takes parameters ['a', 'b', 'c']" in message
    assert "but will be called with ['engine'] or []" in message

    with pytest.raises(
        ValueError, match=r"takes parameters \['e'\] but will be called with \['engine', '1', 'x=...'\]"
    ):
        engine.add_event_handler(Events.STARTED, lambda e: None, 1, x=2)
    assert not engine.has_event_handler(three_args)


def test_handler_must_be_callable() -> None:
    with pytest.raises(TypeError, match="Argument handler should be callable, got int"):
        make_engine().add_event_handler(Events.STARTED, 42)  # type: ignore[arg-type]


def test_exception_raised_handlers_must_take_the_exception() -> None:
    engine = make_engine()
    with pytest.raises(ValueError, match=r"EXCEPTION_RAISED.*will be called with \['engine', 'exception'\]"):
        engine.add_event_handler(Events.EXCEPTION_RAISED, lambda: None)
    engine.add_event_handler(Events.EXCEPTION_RAISED, lambda exc: None)
    engine.add_event_handler(Events.EXCEPTION_RAISED, lambda e, exc: None)


def test_terminate_single_epoch_handlers_may_take_iter_counter() -> None:
    engine = make_engine()
    calls: list[Any] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.terminate_epoch())
    engine.add_event_handler(Events.TERMINATE_SINGLE_EPOCH, lambda e: calls.append(("engine", e.state.iteration)))
    engine.add_event_handler(Events.TERMINATE_SINGLE_EPOCH, lambda: calls.append(("nothing",)))
    engine.add_event_handler(
        Events.TERMINATE_SINGLE_EPOCH, lambda e, iter_counter: calls.append(("both", iter_counter))
    )
    engine.add_event_handler(
        Events.TERMINATE_SINGLE_EPOCH, lambda iter_counter: calls.append(("counter", iter_counter))
    )
    engine.run([1, 2, 3])
    assert calls == [("engine", 2), ("nothing",), ("both", 2), ("counter", 2)]


def test_process_function_validation() -> None:
    with pytest.raises(ValueError, match="Engine must be given a processing function"):
        Engine(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Argument process_function should be callable, got int"):
        Engine(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'process_function': takes parameters \[\] but will be called with"):
        Engine(lambda: None)  # type: ignore[arg-type,misc]


# ------------------------------------------------------------------------------------------ events & registration
def test_unknown_events_are_rejected() -> None:
    engine = make_engine()
    with pytest.raises(ValueError, match=r"Event 'unknown' is not a valid event for this Engine"):
        engine.add_event_handler("unknown", lambda: None)
    with pytest.raises(ValueError, match=r"Event <CustomEvents.FOO: 'foo'> is not a valid event for this Engine"):
        engine.add_event_handler(CustomEvents.FOO(every=2), lambda: None)
    with pytest.raises(ValueError, match="is not a valid event"):
        engine.add_event_handler([Events.STARTED], lambda: None)
    with pytest.raises(ValueError, match="is not a valid event"):
        engine.fire_event(CustomEvents.BAR)
    with pytest.raises(ValueError, match="is not a valid event"):
        engine.add_event_handler(Events.STARTED | CustomEvents.FOO, lambda: None)
    # Nothing was registered by the rejected list.
    assert not engine._event_handlers[Events.STARTED]


def test_register_events_validation() -> None:
    engine = make_engine()
    with pytest.raises(TypeError, match=r"Value at 1 of event_names should be a str or EventEnum, but given None"):
        engine.register_events("ok", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Value at 0 of event_names should be a str or EventEnum, but given 1"):
        engine.register_events(1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Argument event_to_attr should be a dict .* got str"):
        engine.register_events(*CustomEvents, event_to_attr="a")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="should be a state attribute name"):
        engine.register_events(*CustomEvents, event_to_attr={CustomEvents.FOO: "not an attr"})
    assert not engine.has_registered_events("ok")
    assert not engine.has_registered_events(CustomEvents.FOO)


def test_custom_events_fired_from_process_function() -> None:
    def step(engine: Engine, batch: int) -> int:
        engine.fire_event(CustomEvents.FOO)
        engine.fire_event("bwd")
        return batch

    engine = Engine(step)
    engine.register_events(*CustomEvents)
    engine.register_events("bwd", "opt")
    assert engine.has_registered_events(CustomEvents.FOO) and engine.has_registered_events("opt")
    calls: list[tuple[str, int]] = []
    engine.add_event_handler(CustomEvents.FOO, lambda e: calls.append(("foo", e.state.iteration)))
    engine.add_event_handler("bwd", lambda: calls.append(("bwd", 0)))
    engine.add_event_handler(CustomEvents.BAR | Events.COMPLETED, lambda e: calls.append(("bar|completed", 0)))
    engine.run([1, 2])
    assert calls == [("foo", 1), ("bwd", 0), ("foo", 2), ("bwd", 0), ("bar|completed", 0)]
    assert engine.last_event_name is Events.COMPLETED


def test_filtered_custom_event_without_attr_counts_firings_per_run() -> None:
    def step(engine: Engine, batch: int) -> int:
        for _ in range(3):
            engine.fire_event(CustomEvents.FOO)
        return batch

    engine = Engine(step)
    engine.register_events(*CustomEvents)
    seen: list[int] = []
    engine.add_event_handler(CustomEvents.FOO(every=4), lambda e: seen.append(e.state.iteration))
    engine.run([1, 2, 3])  # 9 firings: the 4th and 8th are in iterations 2 and 3
    assert seen == [2, 3]
    engine.run([1, 2, 3])  # a new run counts again from zero
    assert seen == [2, 3, 2, 3]


def test_filtered_custom_event_with_state_attribute() -> None:
    def step(engine: Engine, batch: int) -> int:
        engine.state.foo_count += 10
        engine.fire_event(CustomEvents.FOO)
        return batch

    engine = Engine(step)
    engine.register_events(*CustomEvents, event_to_attr={CustomEvents.FOO: "foo_count"})
    assert engine.state.foo_count == 0
    seen: list[int] = []
    engine.add_event_handler(CustomEvents.FOO(once=30), lambda e: seen.append(e.state.iteration))
    engine.add_event_handler(
        CustomEvents.FOO(event_filter=lambda e, v: v > 40), lambda e: seen.append(-e.state.foo_count)
    )
    engine.run(range(5))
    assert seen == [3, -50]
    assert engine.state.get_event_attrib_value(CustomEvents.FOO) == 50


def test_event_registration_is_per_engine() -> None:
    first, second = make_engine(), make_engine()
    first.register_events(*CustomEvents, event_to_attr={CustomEvents.FOO: "foo_count"})
    assert first.has_registered_events(CustomEvents.FOO)
    assert not second.has_registered_events(CustomEvents.FOO)
    with pytest.raises(ValueError, match="is not a valid event"):
        second.add_event_handler(CustomEvents.FOO, lambda: None)
    assert not hasattr(second.state, "foo_count")
    assert CustomEvents.FOO not in second.state.event_to_attr
    assert CustomEvents.FOO not in State.event_to_attr
    assert CustomEvents.FOO in first.state.event_to_attr


# ------------------------------------------------------------------------------------------- filters on an engine
@pytest.mark.parametrize(
    "event, attr, expected",
    [
        (Events.ITERATION_COMPLETED(every=10), "iteration", list(range(10, 51, 10))),
        (Events.ITERATION_STARTED(once=[1, 25]), "iteration", [1, 25]),
        (Events.GET_BATCH_STARTED(before=3), "iteration", [1, 2]),
        (Events.GET_BATCH_COMPLETED(after=47), "iteration", [48, 49]),
        (Events.ITERATION_STARTED(every=5, before=25, after=8), "iteration", [9, 14, 19, 24]),
        (Events.EPOCH_STARTED(every=2), "epoch", [2, 4]),
        (Events.EPOCH_COMPLETED(once=5), "epoch", [5]),
        (Events.EPOCH_COMPLETED(event_filter=lambda e, v: v in (1, 3)), "epoch", [1, 3]),
        (Events.STARTED(once=1), "epoch", []),
        (Events.COMPLETED(once=5), "epoch", [5]),
    ],
)
def test_filters_on_engine(event: Any, attr: str, expected: list[int]) -> None:
    engine = make_engine()
    seen: list[int] = []
    engine.add_event_handler(event, lambda e: seen.append(getattr(e.state, attr)))
    engine.run(range(10), max_epochs=5)
    assert seen == expected


def test_handlers_run_in_registration_order_with_filters_interleaved() -> None:
    engine = make_engine()
    calls: list[tuple[str, int]] = []

    def make(tag: str) -> Any:
        return lambda e: calls.append((tag, e.state.iteration))

    engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), make("a"))
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), make("b"))
    engine.add_event_handler(Events.ITERATION_COMPLETED, make("c"))
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), make("d"))
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=3), make("e"))
    engine.run(range(4))
    assert calls == [
        ("c", 1),
        ("a", 2),
        ("b", 2),
        ("c", 2),
        ("d", 2),
        ("c", 3),
        ("e", 3),
        ("a", 4),
        ("b", 4),
        ("c", 4),
        ("d", 4),
    ]


def test_same_handler_registered_twice_runs_twice() -> None:
    engine = make_engine()
    seen: list[int] = []

    def handler(e: Engine) -> None:
        seen.append(e.state.iteration)

    engine.add_event_handler(Events.ITERATION_STARTED(once=1) | Events.ITERATION_STARTED(once=1), handler)
    engine.add_event_handler(Events.ITERATION_STARTED(once=2) | Events.ITERATION_STARTED(every=3), handler)
    engine.run(range(3), max_epochs=2)
    assert seen == [1, 1, 2, 3, 6]


# --------------------------------------------------------------------------------------------- has / remove / on
def test_has_and_remove_event_handler() -> None:
    engine = make_engine()

    def foo(e: Engine) -> None:
        pass

    def bar(e: Engine) -> None:
        pass

    assert not engine.has_event_handler(foo)
    engine.add_event_handler(Events.EPOCH_STARTED, foo)
    engine.add_event_handler(Events.EPOCH_COMPLETED(every=3), bar)
    assert engine.has_event_handler(foo) and engine.has_event_handler(foo, Events.EPOCH_STARTED)
    assert not engine.has_event_handler(foo, Events.EPOCH_COMPLETED)
    assert engine.has_event_handler(bar, Events.EPOCH_COMPLETED)
    assert engine.has_event_handler(bar, Events.EPOCH_COMPLETED(every=3))
    assert not engine.has_event_handler(bar, "not registered")

    engine.remove_event_handler(foo, Events.EPOCH_STARTED)
    assert not engine.has_event_handler(foo)
    engine.remove_event_handler(bar, Events.EPOCH_COMPLETED(once=1))  # any filter of that event
    assert not engine.has_event_handler(bar)

    with pytest.raises(ValueError, match=r"Input handler .* is not found among registered event handlers"):
        engine.remove_event_handler(foo, Events.EPOCH_STARTED)
    with pytest.raises(ValueError, match="Input event name 'nope' does not exist"):
        engine.remove_event_handler(foo, "nope")


def test_removed_filtered_handler_is_not_called() -> None:
    engine = make_engine()
    seen: list[int] = []

    def handler(e: Engine) -> None:
        seen.append(e.state.iteration)

    handle = engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), handler)
    engine.run(range(4))
    handle.remove()
    engine.run(range(4))
    assert seen == [2, 4]


def test_on_decorator() -> None:
    engine = make_engine()
    seen: list[Any] = []

    @engine.on(Events.EPOCH_COMPLETED | Events.COMPLETED, "tag")
    def handler(e: Engine, tag: str) -> None:
        seen.append((tag, e.last_event_name))

    assert callable(handler) and handler.__name__ == "handler"
    engine.run([1])
    assert seen == [("tag", Events.EPOCH_COMPLETED), ("tag", Events.COMPLETED)]


# --------------------------------------------------------------------------------------- changes while running
def test_handler_added_during_its_event_runs_from_the_next_firing() -> None:
    engine = make_engine()
    seen: list[tuple[str, int]] = []

    def late(e: Engine) -> None:
        seen.append(("late", e.state.iteration))

    @engine.on(Events.ITERATION_COMPLETED(once=2))
    def add_late(e: Engine) -> None:
        seen.append(("add", e.state.iteration))
        e.add_event_handler(Events.ITERATION_COMPLETED, late)

    engine.run(range(4))
    assert seen == [("add", 2), ("late", 3), ("late", 4)]


def test_handler_removing_itself_and_another() -> None:
    engine = make_engine()
    seen: list[tuple[str, int]] = []

    def once_only(e: Engine) -> None:
        seen.append(("once", e.state.iteration))
        e.remove_event_handler(once_only, Events.ITERATION_COMPLETED)

    def remover(e: Engine) -> None:
        seen.append(("remover", e.state.iteration))
        if e.state.iteration == 2:
            e.remove_event_handler(victim, Events.ITERATION_COMPLETED)

    def victim(e: Engine) -> None:
        seen.append(("victim", e.state.iteration))

    for handler in (once_only, remover, victim):
        engine.add_event_handler(Events.ITERATION_COMPLETED, handler)
    engine.run(range(3))
    # The firing in progress still calls the handlers it started with.
    assert seen == [
        ("once", 1),
        ("remover", 1),
        ("victim", 1),
        ("remover", 2),
        ("victim", 2),
        ("remover", 3),
    ]


def test_handler_added_for_another_event_during_run() -> None:
    engine = make_engine()
    seen: list[int] = []
    handler = lambda e: seen.append(e.state.iteration)  # noqa: E731
    engine.add_event_handler(
        Events.EPOCH_COMPLETED(once=1), lambda e: e.add_event_handler(Events.ITERATION_STARTED, handler)
    )
    engine.add_event_handler(
        Events.EPOCH_COMPLETED(once=2), lambda e: e.remove_event_handler(handler, Events.ITERATION_STARTED)
    )
    engine.run(range(2), max_epochs=3)
    assert seen == [3, 4]


def test_run_from_a_handler_of_the_same_engine_is_rejected() -> None:
    engine = make_engine()
    errors: list[BaseException] = []

    @engine.on(Events.STARTED)
    def rerun(e: Engine) -> None:
        try:
            e.run([1])
        except RuntimeError as err:
            errors.append(err)

    engine.run([1, 2])
    assert len(errors) == 1 and "while this engine is running" in str(errors[0])
    assert engine.state.iteration == 2


# ------------------------------------------------------------------------------------------------------ logging
def test_quiet_by_default_and_debug_logging_per_event(caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine()
    logger_name = engine.logger.name
    assert logger_name == "ignite.engine.engine.Engine"
    with caplog.at_level(logging.INFO, logger=logger_name):
        engine.run(range(3))
    assert not [r for r in caplog.records if r.levelno == logging.DEBUG]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger=logger_name):
        engine.run(range(3))
    firing = [r.getMessage() for r in caplog.records if "Firing handlers for event" in r.getMessage()]
    assert any("ITERATION_COMPLETED" in m for m in firing)
    assert len(firing) == 2 + 3 * 4 + 2  # STARTED, EPOCH_*, COMPLETED and 4 events per iteration
