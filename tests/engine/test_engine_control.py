"""terminate(), terminate_epoch(), interrupt() and exceptions: exact event sequences and resumption."""

from __future__ import annotations

from typing import Any

import pytest

from ignite.engine import Engine, Events


def make_engine() -> tuple[Engine, list[Any]]:
    batches: list[Any] = []

    def step(engine: Engine, batch: Any) -> Any:
        batches.append(batch)
        return batch

    return Engine(step), batches


# ----------------------------------------------------------------------------------------------------- terminate
def test_terminate_from_iteration_completed_then_resume(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=14), lambda e: e.terminate())
    record = recorder(engine)
    state = engine.run(range(10), max_epochs=4)
    assert (state.epoch, state.iteration) == (2, 14)
    assert record[-6:] == [*iter_events(2, 14), ("TERMINATE", 2, 14), ("COMPLETED", 2, 14)]
    assert ("EPOCH_COMPLETED", 2, 14) not in record
    assert engine.should_terminate

    # run() again continues from the state reached, with a new full epoch and fresh data.
    del record[:], batches[:]
    state = engine.run(range(10), max_epochs=4)
    assert record[:3] == [("STARTED", 2, 14), ("EPOCH_STARTED", 3, 14), ("GET_BATCH_STARTED", 3, 14)]
    assert ("EPOCH_COMPLETED", 3, 24) in record
    assert record[-2:] == [("EPOCH_COMPLETED", 4, 34), ("COMPLETED", 4, 34)]
    assert batches == list(range(10)) * 2
    assert (state.epoch, state.iteration) == (4, 34)


def test_terminate_from_epoch_completed(recorder: Any) -> None:
    engine, _ = make_engine()
    engine.add_event_handler(Events.EPOCH_COMPLETED(once=2), lambda e: e.terminate())
    record = recorder(engine)
    state = engine.run([0, 1, 2], max_epochs=5)
    assert record[-3:] == [("EPOCH_COMPLETED", 2, 6), ("TERMINATE", 2, 6), ("COMPLETED", 2, 6)]
    assert (state.epoch, state.iteration) == (2, 6)
    assert engine._dataloader_iter is None


@pytest.mark.parametrize(
    "event, expected_tail",
    [
        (Events.STARTED, [("STARTED", 0, 0), ("TERMINATE", 0, 0), ("COMPLETED", 0, 0)]),
        (Events.EPOCH_STARTED(once=2), [("EPOCH_STARTED", 2, 3), ("TERMINATE", 2, 3), ("COMPLETED", 2, 3)]),
        # GET_BATCH_* filters see the iterations completed so far: once=5 is the fetch of the 6th batch.
        (Events.GET_BATCH_STARTED(once=5), [("GET_BATCH_STARTED", 2, 5), ("TERMINATE", 2, 5), ("COMPLETED", 2, 5)]),
        (Events.GET_BATCH_COMPLETED(once=5), [("GET_BATCH_COMPLETED", 2, 5), ("TERMINATE", 2, 5), ("COMPLETED", 2, 5)]),
        (Events.ITERATION_STARTED(once=5), [("ITERATION_STARTED", 2, 5), ("TERMINATE", 2, 5), ("COMPLETED", 2, 5)]),
    ],
)
def test_terminate_takes_effect_right_after_the_event(recorder: Any, event: Any, expected_tail: Any) -> None:
    engine, batches = make_engine()
    engine.add_event_handler(event, lambda e: e.terminate())
    record = recorder(engine)
    engine.run([0, 1, 2], max_epochs=3)
    assert record[-3:] == expected_tail
    # Terminating before the process function skips it.
    assert len(batches) == expected_tail[0][2] - (1 if expected_tail[0][0] == "ITERATION_STARTED" else 0)


def test_terminate_from_the_process_function(recorder: Any, iter_events: Any) -> None:
    def step(engine: Engine, batch: int) -> int:
        if engine.state.iteration == 2:
            engine.terminate()
        return batch

    engine = Engine(step)
    record = recorder(engine)
    engine.run([0, 1, 2], max_epochs=2)
    assert record[-6:] == [*iter_events(1, 2), ("TERMINATE", 1, 2), ("COMPLETED", 1, 2)]


def test_terminate_skip_completed(recorder: Any) -> None:
    engine, _ = make_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.terminate(skip_completed=True))
    record = recorder(engine)
    engine.run([0, 1, 2])
    assert record[-2:] == [("ITERATION_COMPLETED", 1, 2), ("TERMINATE", 1, 2)]


def test_terminate_before_run_has_no_effect() -> None:
    engine, batches = make_engine()
    engine.terminate()
    engine.run([1, 2])
    assert batches == [1, 2]


# ----------------------------------------------------------------------------------------------- terminate_epoch
def test_terminate_epoch_from_iteration_completed(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    counters: list[int] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.terminate_epoch())
    engine.add_event_handler(Events.TERMINATE_SINGLE_EPOCH, lambda e, iter_counter: counters.append(iter_counter))
    record = recorder(engine)
    state = engine.run(list(range(5)), max_epochs=2)
    assert record[: 2 + 12 + 3] == [
        ("STARTED", 0, 0),
        ("EPOCH_STARTED", 1, 0),
        *iter_events(1, 1),
        *iter_events(1, 2),
        *iter_events(1, 3),
        ("TERMINATE_SINGLE_EPOCH", 1, 3),
        ("EPOCH_COMPLETED", 1, 3),
        ("EPOCH_STARTED", 2, 3),
    ]
    # The data restarts and the next epoch is a full one.
    assert record[-2:] == [("EPOCH_COMPLETED", 2, 8), ("COMPLETED", 2, 8)]
    assert batches == [0, 1, 2, 0, 1, 2, 3, 4]
    assert counters == [3]
    assert state.iteration == 8
    assert not engine.should_terminate_single_epoch


def test_terminate_epoch_from_epoch_started_skips_its_iterations(recorder: Any) -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.EPOCH_STARTED(once=1), lambda e: e.terminate_epoch())
    record = recorder(engine)
    engine.run([0, 1], max_epochs=2)
    assert record[:6] == [
        ("STARTED", 0, 0),
        ("EPOCH_STARTED", 1, 0),
        ("TERMINATE_SINGLE_EPOCH", 1, 0),
        ("EPOCH_COMPLETED", 1, 0),
        ("EPOCH_STARTED", 2, 0),
        ("GET_BATCH_STARTED", 2, 0),
    ]
    assert batches == [0, 1]


def test_terminate_epoch_outside_an_epoch_ends_the_next_one(recorder: Any) -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.EPOCH_COMPLETED(once=1), lambda e: e.terminate_epoch())
    record = recorder(engine)
    engine.run([0, 1], max_epochs=2)
    assert record[-5:] == [
        ("EPOCH_COMPLETED", 1, 2),
        ("EPOCH_STARTED", 2, 2),
        ("TERMINATE_SINGLE_EPOCH", 2, 2),
        ("EPOCH_COMPLETED", 2, 2),
        ("COMPLETED", 2, 2),
    ]
    assert batches == [0, 1]


# ----------------------------------------------------------------------------------------------------- interrupt
def test_interrupt_and_resume(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=11), lambda e: e.interrupt())
    record = recorder(engine)

    state = engine.run(range(10), max_epochs=3)
    assert (state.epoch, state.iteration) == (2, 11)
    assert record[-2:] == [("ITERATION_COMPLETED", 2, 11), ("INTERRUPT", 2, 11)]
    del record[:]

    state = engine.run(range(10), max_epochs=3)
    assert (state.epoch, state.iteration) == (3, 22)
    # Resumes right where it stopped: no STARTED, same epoch, same data iterator.
    assert record[:4] == iter_events(2, 12)
    assert record[-2:] == [("ITERATION_COMPLETED", 3, 22), ("INTERRUPT", 3, 22)]
    del record[:]

    state = engine.run(range(10), max_epochs=3)
    assert (state.epoch, state.iteration) == (3, 30)
    assert record[-2:] == [("EPOCH_COMPLETED", 3, 30), ("COMPLETED", 3, 30)]
    assert batches == list(range(10)) * 3
    assert all(name != "STARTED" for name, _, _ in record)


@pytest.mark.parametrize("event", [Events.STARTED, Events.EPOCH_STARTED(once=2), Events.EPOCH_COMPLETED(once=1)])
def test_interrupt_outside_iterations(event: Any) -> None:
    engine, batches = make_engine()
    engine.add_event_handler(event, lambda e: e.interrupt())
    interrupted = []
    engine.add_event_handler(Events.INTERRUPT, lambda e: interrupted.append((e.state.epoch, e.state.iteration)))
    engine.run([1, 2], max_epochs=3)
    assert len(interrupted) == 1
    engine.run([1, 2], max_epochs=3)
    assert batches == [1, 2] * 3
    assert engine.state.iteration == 6


def test_interrupt_from_process_function_and_extend_max_epochs() -> None:
    def step(engine: Engine, batch: int) -> int:
        if engine.state.iteration == 3:
            engine.interrupt()
        return batch

    engine = Engine(step)
    state = engine.run([1, 2], max_epochs=2)
    assert state.iteration == 3
    state = engine.run(max_epochs=4)
    assert (state.epoch, state.iteration) == (4, 8)


def test_interrupt_then_smaller_max_epochs_is_rejected() -> None:
    engine, _ = make_engine()
    engine.add_event_handler(Events.EPOCH_COMPLETED(once=3), lambda e: e.interrupt())
    engine.run([1, 2], max_epochs=5)
    with pytest.raises(ValueError, match="max_epochs should be greater than or equal to the start epoch"):
        engine.run([1, 2], max_epochs=2)


def test_interrupt_disabled() -> None:
    class LegacyEngine(Engine):
        interrupt_resume_enabled = False

    engine = LegacyEngine(lambda e, b: b)
    with pytest.raises(RuntimeError, match="interrupt/resume"):
        engine.interrupt()


# ---------------------------------------------------------------------------------------------------- exceptions
class Boom(Exception):
    pass


def failing_step(at_iteration: int) -> Any:
    def step(engine: Engine, batch: Any) -> Any:
        if engine.state.iteration == at_iteration:
            raise Boom(f"failed at {at_iteration}")
        return batch

    return step


def test_exception_without_handler_propagates(recorder: Any, iter_events: Any) -> None:
    engine = Engine(failing_step(3))
    record = recorder(engine)
    with pytest.raises(Boom, match="failed at 3"):
        engine.run(list(range(5)), max_epochs=2)
    assert record[-3:] == iter_events(1, 3)[:3]
    assert engine.state.iteration == 3


def test_run_after_an_exception_continues_from_the_failed_iteration() -> None:
    calls: list[int] = []

    def step(engine: Engine, batch: int) -> int:
        calls.append(engine.state.iteration)
        if len(calls) == 3:
            raise Boom
        return batch

    engine = Engine(step)
    with pytest.raises(Boom):
        engine.run(list(range(5)), max_epochs=2)
    epochs: list[int] = []
    engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e: epochs.append(e.state.iteration))
    state = engine.run(list(range(5)), max_epochs=2)
    assert calls == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert epochs == [5, 10]
    assert (state.epoch, state.iteration) == (2, 10)


def test_exception_in_iteration_swallowed_by_handler(recorder: Any, iter_events: Any) -> None:
    engine = Engine(failing_step(3))
    errors: list[BaseException] = []
    engine.add_event_handler(Events.EXCEPTION_RAISED, lambda e, exc: errors.append(exc))
    engine.add_event_handler(
        Events.EXCEPTION_RAISED, lambda e, exc: record.append(("EXCEPTION_RAISED", e.state.epoch, e.state.iteration))
    )
    record = recorder(engine)
    state = engine.run(list(range(5)), max_epochs=2)
    # As in PyTorch-Ignite: the failed epoch ends, then the run goes on.
    assert record[2 + 8 :][:6] == [
        *iter_events(1, 3)[:3],
        ("EXCEPTION_RAISED", 1, 3),
        ("EPOCH_COMPLETED", 1, 3),
        ("EPOCH_STARTED", 2, 3),
    ]
    assert record[-2:] == [("EPOCH_COMPLETED", 2, 8), ("COMPLETED", 2, 8)]
    assert len(errors) == 1 and isinstance(errors[0], Boom)
    assert state.iteration == 8


def test_exception_outside_iterations_ends_the_run_without_completed(recorder: Any) -> None:
    engine, _ = make_engine()
    record = recorder(engine)

    @engine.on(Events.EPOCH_COMPLETED)
    def fail() -> None:
        raise Boom

    seen: list[BaseException] = []
    engine.add_event_handler(Events.EXCEPTION_RAISED, lambda exc: seen.append(exc))
    state = engine.run([1, 2], max_epochs=3)
    assert record[-1] == ("EPOCH_COMPLETED", 1, 2)
    assert len(seen) == 1 and isinstance(seen[0], Boom)
    assert state.epoch == 1


def test_exception_handler_that_reraises_is_called_once() -> None:
    engine = Engine(failing_step(2))
    calls: list[BaseException] = []

    def reraise(engine: Engine, exc: BaseException) -> None:
        calls.append(exc)
        raise RuntimeError("wrapped") from exc

    engine.add_event_handler(Events.EXCEPTION_RAISED, reraise)
    with pytest.raises(RuntimeError, match="wrapped"):
        engine.run([1, 2, 3])
    assert len(calls) == 1 and isinstance(calls[0], Boom)
    # The engine is usable again afterwards.
    engine.remove_event_handler(reraise, Events.EXCEPTION_RAISED)
    engine.state.max_epochs = None
    engine._process_function = lambda e, b: b
    assert engine.run([1, 2]).iteration == 2


def test_keyboard_interrupt_reaches_exception_handler() -> None:
    def step(engine: Engine, batch: int) -> int:
        if engine.state.iteration == 2:
            raise KeyboardInterrupt
        return batch

    engine = Engine(step)
    caught: list[BaseException] = []

    @engine.on(Events.EXCEPTION_RAISED)
    def handle(engine: Engine, exc: BaseException) -> None:
        caught.append(exc)
        engine.terminate()

    completed: list[int] = []
    engine.add_event_handler(Events.COMPLETED, lambda: completed.append(1))
    state = engine.run([1, 2, 3], max_epochs=2)
    assert len(caught) == 1 and isinstance(caught[0], KeyboardInterrupt)
    assert state.iteration == 2
    assert completed == []


def test_exception_from_data_iterator() -> None:
    def data() -> Any:
        yield 1
        raise Boom("bad data")

    engine, batches = make_engine()
    with pytest.raises(Boom, match="bad data"):
        engine.run(data())
    assert batches == [1]


def test_resume_after_terminate_without_data_keeps_the_data() -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.terminate())
    engine.run([1, 2, 3], max_epochs=2)
    engine.run()
    assert batches == [1, 2, 1, 2, 3]
    assert (engine.state.epoch, engine.state.iteration) == (2, 5)


def test_interrupted_run_restarts_when_max_epochs_is_reset(recorder: Any) -> None:
    engine, batches = make_engine()
    handle = engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.interrupt())
    engine.run([1, 2, 3], max_epochs=2)
    handle.remove()
    engine.state.max_epochs = None
    record = recorder(engine, [Events.STARTED, Events.COMPLETED])
    state = engine.run([7, 8], max_epochs=1)
    assert record == [("STARTED", 0, 0), ("COMPLETED", 1, 2)]
    assert batches == [1, 2, 7, 8]
    assert state.iteration == 2


def test_interrupt_in_first_epoch_of_unknown_length_max_iters_run_resumes() -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.interrupt())
    state = engine.run((i for i in range(100)), max_iters=10)
    assert state.max_epochs is None and state.iteration == 3
    state = engine.run()
    assert batches == list(range(10))
    assert state.iteration == 10
