"""Exact event sequences of Engine.run over the different kinds of data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import torch

from ignite.engine import Engine, Events


class NoLenIterable:
    """Re-iterable data without ``__len__``."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def make_engine() -> tuple[Engine, list[Any]]:
    batches: list[Any] = []

    def step(engine: Engine, batch: Any) -> Any:
        batches.append(batch)
        return batch

    return Engine(step), batches


def test_list_two_epochs_sequence(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    record = recorder(engine)
    state = engine.run([10, 20], max_epochs=2)
    assert record == [
        ("STARTED", 0, 0),
        ("EPOCH_STARTED", 1, 0),
        *iter_events(1, 1),
        *iter_events(1, 2),
        ("EPOCH_COMPLETED", 1, 2),
        ("EPOCH_STARTED", 2, 2),
        # The exhausted list is restarted lazily, when the next batch is requested.
        ("GET_BATCH_STARTED", 2, 2),
        ("DATALOADER_STOP_ITERATION", 2, 2),
        *iter_events(2, 3, get_batch_started=False),
        *iter_events(2, 4),
        ("EPOCH_COMPLETED", 2, 4),
        ("COMPLETED", 2, 4),
    ]
    assert batches == [10, 20, 10, 20]
    assert state is engine.state
    assert (state.epoch, state.iteration, state.epoch_length, state.max_epochs) == (2, 4, 2, 2)
    assert state.output == 20 and state.batch == 20
    assert engine.last_event_name is Events.COMPLETED


def test_epoch_length_longer_than_data(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    record = recorder(engine)
    engine.run([1, 2], max_epochs=2, epoch_length=3)
    assert record == [
        ("STARTED", 0, 0),
        ("EPOCH_STARTED", 1, 0),
        *iter_events(1, 1),
        *iter_events(1, 2),
        ("GET_BATCH_STARTED", 1, 2),
        ("DATALOADER_STOP_ITERATION", 1, 2),
        *iter_events(1, 3, get_batch_started=False),
        ("EPOCH_COMPLETED", 1, 3),
        ("EPOCH_STARTED", 2, 3),
        *iter_events(2, 4),
        ("GET_BATCH_STARTED", 2, 4),
        ("DATALOADER_STOP_ITERATION", 2, 4),
        *iter_events(2, 5, get_batch_started=False),
        *iter_events(2, 6),
        ("EPOCH_COMPLETED", 2, 6),
        ("COMPLETED", 2, 6),
    ]
    assert batches == [1, 2, 1, 2, 1, 2]


def test_epoch_length_shorter_than_data_continues_the_iterator() -> None:
    engine, batches = make_engine()
    engine.run(list("abcde"), max_epochs=3, epoch_length=2)
    assert batches == list("abcdea")
    assert engine.state.epoch_length == 2


def test_dataloader_data() -> None:
    loader: Any = torch.utils.data.DataLoader(cast(Any, torch.arange(10)), batch_size=4)
    engine, batches = make_engine()
    engine.run(loader, max_epochs=2)
    assert engine.state.epoch_length == 3
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] * 2


def test_unknown_length_generator_single_epoch(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    record = recorder(engine)
    engine.run((i for i in range(3)), max_epochs=1)
    assert record == [
        ("STARTED", 0, 0),
        ("EPOCH_STARTED", 1, 0),
        *iter_events(1, 1),
        *iter_events(1, 2),
        *iter_events(1, 3),
        # The epoch ends when the iterator is exhausted; its length becomes the epoch length.
        ("GET_BATCH_STARTED", 1, 3),
        ("EPOCH_COMPLETED", 1, 3),
        ("COMPLETED", 1, 3),
    ]
    assert batches == [0, 1, 2]
    assert engine.state.epoch_length == 3


def test_unknown_length_reiterable_data(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    record = recorder(engine)
    engine.run(NoLenIterable([5, 6]), max_epochs=2)
    assert record == [
        ("STARTED", 0, 0),
        ("EPOCH_STARTED", 1, 0),
        *iter_events(1, 1),
        *iter_events(1, 2),
        ("GET_BATCH_STARTED", 1, 2),
        ("EPOCH_COMPLETED", 1, 2),
        ("EPOCH_STARTED", 2, 2),
        ("GET_BATCH_STARTED", 2, 2),
        ("DATALOADER_STOP_ITERATION", 2, 2),
        *iter_events(2, 3, get_batch_started=False),
        *iter_events(2, 4),
        ("EPOCH_COMPLETED", 2, 4),
        ("COMPLETED", 2, 4),
    ]
    assert batches == [5, 6, 5, 6]


def test_exhausted_generator_warns_and_stops_the_run(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    record = recorder(engine)
    with pytest.warns(UserWarning, match="Data iterator can not provide data anymore"):
        engine.run((i for i in range(2)), max_epochs=3)
    assert record[-8:] == [
        ("GET_BATCH_STARTED", 1, 2),
        ("EPOCH_COMPLETED", 1, 2),
        ("EPOCH_STARTED", 2, 2),
        ("GET_BATCH_STARTED", 2, 2),
        ("DATALOADER_STOP_ITERATION", 2, 2),
        ("EPOCH_COMPLETED", 2, 2),
        ("TERMINATE", 2, 2),
        ("COMPLETED", 2, 2),
    ]
    assert batches == [0, 1]


def test_infinite_iterator_with_epoch_length() -> None:
    def numbers() -> Iterator[int]:
        i = 0
        while True:
            yield i
            i += 1

    engine, batches = make_engine()
    record: list[int] = []
    engine.add_event_handler(Events.DATALOADER_STOP_ITERATION, lambda: record.append(1))
    engine.run(numbers(), max_epochs=3, epoch_length=4)
    assert batches == list(range(12))
    assert record == []
    assert (engine.state.epoch, engine.state.iteration) == (3, 12)


def test_data_none_gives_none_batches(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    record = recorder(engine)
    engine.run(max_epochs=2, epoch_length=2)
    assert batches == [None] * 4
    assert record == [
        ("STARTED", 0, 0),
        ("EPOCH_STARTED", 1, 0),
        *iter_events(1, 1),
        *iter_events(1, 2),
        ("EPOCH_COMPLETED", 1, 2),
        ("EPOCH_STARTED", 2, 2),
        ("GET_BATCH_STARTED", 2, 2),
        ("DATALOADER_STOP_ITERATION", 2, 2),
        *iter_events(2, 3, get_batch_started=False),
        *iter_events(2, 4),
        ("EPOCH_COMPLETED", 2, 4),
        ("COMPLETED", 2, 4),
    ]


def test_data_none_with_set_data_in_started_handler() -> None:
    engine, batches = make_engine()

    @engine.on(Events.STARTED)
    def provide(engine: Engine) -> None:
        engine.set_data(iter(range(100, 200)))

    engine.run(max_epochs=2, epoch_length=3)
    assert batches == [100, 101, 102, 103, 104, 105]


def test_set_data_switches_data_mid_run() -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.set_data(["x", "y"]))
    engine.run([1, 2, 3, 4], max_epochs=2)
    # epoch_length is unchanged; the new data is restarted when exhausted.
    assert batches == [1, 2, 3, "x", "y", "x", "y", "x"]
    assert engine.state.dataloader == ["x", "y"]


def test_batch_can_be_replaced_at_iteration_started() -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.ITERATION_STARTED, lambda e: setattr(e.state, "batch", e.state.batch * 10))
    engine.run([1, 2])
    assert batches == [10, 20]


def test_max_iters_mid_epoch_terminates(recorder: Any, iter_events: Any) -> None:
    engine, batches = make_engine()
    record = recorder(engine)
    state = engine.run(list(range(5)), max_iters=7)
    assert state.max_epochs == 2 and state.max_iters == 7
    assert record[-6:] == [*iter_events(2, 7), ("TERMINATE", 2, 7), ("COMPLETED", 2, 7)]
    assert ("EPOCH_COMPLETED", 2, 7) not in record
    assert batches == [0, 1, 2, 3, 4, 0, 1]


def test_max_iters_at_epoch_end_completes_normally(recorder: Any) -> None:
    engine, _ = make_engine()
    record = recorder(engine)
    engine.run(list(range(5)), max_iters=10)
    assert record[-2:] == [("EPOCH_COMPLETED", 2, 10), ("COMPLETED", 2, 10)]
    assert all(name != "TERMINATE" for name, _, _ in record)


def test_max_iters_with_unknown_length() -> None:
    engine, batches = make_engine()
    engine.run((i for i in range(100)), max_iters=4)
    assert batches == [0, 1, 2, 3]
    assert engine.state.iteration == 4 and engine.state.epoch == 1


def test_max_iters_longer_than_one_unknown_length_epoch() -> None:
    engine, batches = make_engine()
    engine.run(NoLenIterable([0, 1, 2]), max_iters=7)
    assert engine.state.epoch_length == 3
    assert engine.state.max_epochs == 3
    assert batches == [0, 1, 2, 0, 1, 2, 0]


def test_rerun_after_completion_starts_over(recorder: Any) -> None:
    engine, batches = make_engine()
    engine.run([1, 2, 3], max_epochs=2)
    record = recorder(engine)
    state = engine.run([7, 8], max_epochs=1)
    assert record[0] == ("STARTED", 0, 0)
    assert record[-1] == ("COMPLETED", 1, 2)
    assert (state.epoch, state.iteration, state.epoch_length) == (1, 2, 2)
    assert batches == [1, 2, 3, 1, 2, 3, 7, 8]


def test_reset_max_epochs_restarts_from_scratch() -> None:
    engine, batches = make_engine()
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.terminate())
    engine.run([1, 2, 3], max_epochs=3)
    engine.state.max_epochs = None
    engine.run([4, 5], max_epochs=1)
    assert batches == [1, 2, 4, 5]
    assert engine.state.iteration == 2


def test_state_times_are_recorded() -> None:
    engine, _ = make_engine()
    seen: list[float | None] = []
    engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e: seen.append(e.state.times["EPOCH_COMPLETED"]))
    engine.run([1, 2], max_epochs=2)
    assert len(seen) == 2 and all(isinstance(t, float) and t >= 0.0 for t in seen)
    total = engine.state.times["COMPLETED"]
    assert isinstance(total, float) and total >= 0.0
