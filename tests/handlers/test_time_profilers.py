"""BasicTimeProfiler and HandlersTimeProfiler: what is timed, how often, and how the results read back.

No assertion here depends on how long anything takes: only on counts, structure, signs and on intervals that are
nested or disjoint by construction.
"""

from __future__ import annotations

import csv
import math
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from ignite.engine import Engine, EventEnum, Events
from ignite.handlers import BasicTimeProfiler, HandlersTimeProfiler

EPOCHS, EPOCH_LENGTH = 3, 4
ITERATIONS = EPOCHS * EPOCH_LENGTH
BASIC_EVENT_NAMES = [
    "EPOCH_STARTED",
    "EPOCH_COMPLETED",
    "STARTED",
    "COMPLETED",
    "ITERATION_STARTED",
    "ITERATION_COMPLETED",
    "GET_BATCH_STARTED",
    "GET_BATCH_COMPLETED",
]


def _work(engine: Engine, batch: int) -> int:
    return sum(range(200)) + batch


def on_epoch_started(engine: Engine) -> None:
    engine.state.seen = getattr(engine.state, "seen", 0)


def on_iteration_completed(engine: Engine) -> None:
    engine.state.seen = getattr(engine.state, "seen", 0) + 1


def every_third(engine: Engine) -> None:
    pass


def never(engine: Engine) -> None:
    pass


def _trainer() -> Engine:
    trainer = Engine(_work)
    trainer.add_event_handler(Events.EPOCH_STARTED, on_epoch_started)
    trainer.add_event_handler(Events.ITERATION_COMPLETED, on_iteration_completed)
    trainer.add_event_handler(Events.ITERATION_COMPLETED(every=3), every_third)
    trainer.add_event_handler(Events.TERMINATE, never)
    return trainer


def _read_csv(path: pathlib.Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="") as file:
        header, *rows = list(csv.reader(file))
    return header, rows


# ------------------------------------------------------------------------------------------------- BasicTimeProfiler
def test_basic_profiler_counts_one_value_per_firing() -> None:
    trainer = _trainer()
    profiler = BasicTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)

    times = profiler.event_handlers_times
    expected = {
        Events.STARTED: 1,
        Events.COMPLETED: 1,
        Events.EPOCH_STARTED: EPOCHS,
        Events.EPOCH_COMPLETED: EPOCHS,
        Events.ITERATION_STARTED: ITERATIONS,
        Events.ITERATION_COMPLETED: ITERATIONS,
        Events.GET_BATCH_STARTED: ITERATIONS,
        Events.GET_BATCH_COMPLETED: ITERATIONS,
    }
    assert {event: int(series.numel()) for event, series in times.items()} == expected
    assert profiler.processing_times.shape == (ITERATIONS,)
    assert profiler.dataflow_times.shape == (ITERATIONS,)
    for series in [profiler.processing_times, profiler.dataflow_times, *times.values()]:
        assert bool((series >= 0).all())
    assert trainer.state.seen == ITERATIONS  # the handlers really ran
    assert profiler.total_num_iters == ITERATIONS and profiler.max_epochs == EPOCHS


def test_basic_profiler_results_structure_and_names() -> None:
    trainer = _trainer()
    profiler = BasicTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    results = profiler.get_results()

    assert list(results) == ["processing_stats", "dataflow_stats", "event_handlers_stats", "event_handlers_names"]
    assert list(results["event_handlers_stats"]) == [*BASIC_EVENT_NAMES, "total_time"]
    names = results["event_handlers_names"]
    assert list(names) == [f"{name}_names" for name in BASIC_EVENT_NAMES]
    assert names["EPOCH_STARTED_names"] == ["on_epoch_started"]
    assert names["ITERATION_COMPLETED_names"] == ["on_iteration_completed", "every_third"]
    assert names["STARTED_names"] == [] and names["GET_BATCH_STARTED_names"] == []

    stats = results["processing_stats"]
    assert list(stats) == ["total", "min/index", "max/index", "mean", "std"]
    low, low_index = stats["min/index"]
    high, high_index = stats["max/index"]
    assert 0 <= low <= stats["mean"] <= high <= stats["total"]
    assert profiler.processing_times[low_index].item() == pytest.approx(low)
    assert profiler.processing_times[high_index].item() == pytest.approx(high)
    assert stats["std"] >= 0
    # STARTED fires once: a total and nothing else.
    assert list(results["event_handlers_stats"]["STARTED"]) == ["total"]


def test_basic_profiler_parts_add_up_within_the_run_time() -> None:
    trainer = _trainer()
    profiler = BasicTimeProfiler()
    profiler.attach(trainer)
    state = trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    results = profiler.get_results()

    event_stats = results["event_handlers_stats"]
    event_totals = [event_stats[name]["total"] for name in BASIC_EVENT_NAMES]
    assert all(isinstance(total, float) and total >= 0 for total in event_totals)
    assert event_stats["total_time"] == pytest.approx(math.fsum(event_totals))
    # Processing, data loading and the event firings are disjoint intervals inside the run.
    parts = results["processing_stats"]["total"] + results["dataflow_stats"]["total"] + event_stats["total_time"]
    run_time = state.times["COMPLETED"]
    assert run_time is not None and parts <= run_time


def test_basic_profiler_handler_time_is_inside_event_time() -> None:
    # HandlersTimeProfiler (added second) times each handler call inside BasicTimeProfiler's first/last steps.
    trainer = _trainer()
    basic, handlers = BasicTimeProfiler(), HandlersTimeProfiler()
    basic.attach(trainer)
    handlers.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)

    per_call = handlers.event_handlers_times[Events.ITERATION_COMPLETED]["on_iteration_completed"]
    every = handlers.event_handlers_times[Events.ITERATION_COMPLETED]["every_third"]
    event_times = basic.event_handlers_times[Events.ITERATION_COMPLETED]
    assert len(per_call) == ITERATIONS and len(every) == ITERATIONS // 3
    for index in range(ITERATIONS):
        handler_time = per_call[index] + (every[(index + 1) // 3 - 1] if (index + 1) % 3 == 0 else 0.0)
        assert handler_time <= event_times[index].item() * (1 + 1e-6)


def test_basic_profiler_before_any_run() -> None:
    results = BasicTimeProfiler().get_results()
    assert results["processing_stats"] == {"total": "not yet triggered"}
    assert results["event_handlers_stats"]["COMPLETED"] == {"total": "not yet triggered"}
    assert results["event_handlers_stats"]["total_time"] == 0.0


def test_basic_profiler_each_run_starts_afresh_and_a_resumed_run_adds_up() -> None:
    trainer = _trainer()
    profiler = BasicTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    trainer.run(range(EPOCH_LENGTH), max_epochs=1)
    assert profiler.processing_times.numel() == EPOCH_LENGTH
    assert profiler.event_handlers_times[Events.EPOCH_COMPLETED].numel() == 1

    stopper = Engine(_work)
    stopper.add_event_handler(Events.ITERATION_COMPLETED(once=5), lambda engine: engine.interrupt())
    resumed = BasicTimeProfiler()
    resumed.attach(stopper)
    stopper.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    assert resumed.processing_times.numel() == 5
    stopper.run()
    assert resumed.processing_times.numel() == ITERATIONS
    assert bool((resumed.processing_times > 0).all())


def test_basic_profiler_write_results(tmp_path: pathlib.Path) -> None:
    trainer = _trainer()
    profiler = BasicTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    path = tmp_path / "basic.csv"
    profiler.write_results(path)

    header, rows = _read_csv(path)
    assert header == [
        "epoch",
        "iteration",
        "processing_stats",
        "dataflow_stats",
        "Event_STARTED",
        "Event_COMPLETED",
        "Event_EPOCH_STARTED",
        "Event_EPOCH_COMPLETED",
        "Event_ITERATION_STARTED",
        "Event_ITERATION_COMPLETED",
        "Event_GET_BATCH_STARTED",
        "Event_GET_BATCH_COMPLETED",
    ]
    assert len(rows) == ITERATIONS
    columns = {name: [float(row[i]) for row in rows] for i, name in enumerate(header)}
    assert columns["epoch"] == [float(1 + i // EPOCH_LENGTH) for i in range(ITERATIONS)]
    assert columns["iteration"] == [float(i + 1) for i in range(ITERATIONS)]
    times = profiler.event_handlers_times

    def check(column: str, expected: torch.Tensor) -> None:
        # The CSV holds the recorded float64 values; the tensors hold them as float32.
        assert torch.tensor(columns[column], dtype=torch.float32).tolist() == expected.tolist()

    check("processing_stats", profiler.processing_times)
    check("dataflow_stats", profiler.dataflow_times)
    check("Event_STARTED", times[Events.STARTED].repeat(ITERATIONS))
    check("Event_COMPLETED", times[Events.COMPLETED].repeat(ITERATIONS))
    check("Event_EPOCH_STARTED", times[Events.EPOCH_STARTED].repeat_interleave(EPOCH_LENGTH))
    check("Event_EPOCH_COMPLETED", times[Events.EPOCH_COMPLETED].repeat_interleave(EPOCH_LENGTH))
    for event in ("ITERATION_STARTED", "ITERATION_COMPLETED", "GET_BATCH_STARTED", "GET_BATCH_COMPLETED"):
        check(f"Event_{event}", times[Events[event]])


def test_basic_profiler_data_without_length(tmp_path: pathlib.Path) -> None:
    def batches() -> Iterator[int]:
        yield from range(EPOCH_LENGTH)

    class Restarting:
        def __iter__(self) -> Iterator[int]:
            return batches()

    trainer = _trainer()
    profiler = BasicTimeProfiler()
    profiler.attach(trainer)
    trainer.run(Restarting(), max_epochs=2)
    assert profiler.processing_times.numel() == 2 * EPOCH_LENGTH
    path = tmp_path / "no_length.csv"
    profiler.write_results(str(path))
    _, rows = _read_csv(path)
    assert [int(row[0]) for row in rows] == [1] * EPOCH_LENGTH + [2] * EPOCH_LENGTH


def test_basic_profiler_print_results(capsys: pytest.CaptureFixture[str]) -> None:
    trainer = _trainer()
    profiler = BasicTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    report = BasicTimeProfiler.print_results(profiler.get_results())
    assert report in capsys.readouterr().out
    assert "Processing function:" in report and "Dataflow:" in report
    assert "- Events.ITERATION_COMPLETED: ['on_iteration_completed', 'every_third']" in report
    assert "not yet triggered" not in report


# ---------------------------------------------------------------------------------------------- HandlersTimeProfiler
def test_handlers_profiler_counts_each_call_and_skips_filtered_ones() -> None:
    trainer = _trainer()
    profiler = HandlersTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)

    counts = {
        (getattr(event, "name", event), name): len(times)
        for event, by_name in profiler.event_handlers_times.items()
        for name, times in by_name.items()
    }
    assert counts == {
        ("EPOCH_STARTED", "on_epoch_started"): EPOCHS,
        ("ITERATION_COMPLETED", "on_iteration_completed"): ITERATIONS,
        ("ITERATION_COMPLETED", "every_third"): ITERATIONS // 3,
        ("TERMINATE", "never"): 0,
    }
    assert len(profiler.processing_times) == ITERATIONS and len(profiler.dataflow_times) == ITERATIONS
    all_times = [t for by_name in profiler.event_handlers_times.values() for ts in by_name.values() for t in ts]
    assert all(t >= 0 for t in [*all_times, *profiler.processing_times, *profiler.dataflow_times])
    assert profiler.event_handlers_names[Events.ITERATION_COMPLETED] == ["on_iteration_completed", "every_third"]


def test_handlers_profiler_results_rows() -> None:
    trainer = _trainer()
    profiler = HandlersTimeProfiler()
    profiler.attach(trainer)
    state = trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    results = profiler.get_results()

    assert [row[:2] for row in results] == [
        ["on_epoch_started", "EPOCH_STARTED"],
        ["on_iteration_completed", "ITERATION_COMPLETED"],
        ["every_third", "ITERATION_COMPLETED"],
        ["never", "TERMINATE"],
        ["Total", ""],
        ["Processing", "None"],
        ["Dataflow", "None"],
    ]
    assert all(len(row) == 7 for row in results)
    assert results[3][2:] == ["not triggered", ("None", "None"), ("None", "None"), "None", "None"]
    handler_totals = [row[2] for row in results[:3]]
    assert all(isinstance(total, float) and total >= 0 for total in handler_totals)
    assert results[4] == ["Total", "", pytest.approx(sum(handler_totals), abs=5e-5), "", "", "", ""]
    for row in results[:3] + results[5:]:
        total, (low, low_index), (high, high_index), mean = row[2:6]
        assert 0 <= low <= mean <= high <= total and isinstance(low_index, int) and isinstance(high_index, int)
    # Handlers, processing and data loading are disjoint intervals inside the run (each rounded to 5 decimals).
    run_time = state.times["COMPLETED"]
    assert run_time is not None
    assert results[4][2] + results[5][2] + results[6][2] <= run_time + 3e-5


def test_handlers_profiler_times_handlers_added_during_the_run_and_custom_events() -> None:
    class Custom(EventEnum):
        PING = "ping"

    def ping(engine: Engine) -> None:
        pass

    def late(engine: Engine) -> None:
        pass

    trainer = Engine(lambda engine, batch: engine.fire_event(Custom.PING))
    trainer.register_events(*Custom)
    trainer.add_event_handler(Custom.PING, ping)
    trainer.add_event_handler(
        Events.EPOCH_COMPLETED(once=1), lambda engine: engine.add_event_handler(Events.ITERATION_COMPLETED, late)
    )
    profiler = HandlersTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    # Handlers are named by their __qualname__, as in Ignite.
    assert len(profiler.event_handlers_times[Custom.PING][ping.__qualname__]) == ITERATIONS
    late_calls = profiler.event_handlers_times[Events.ITERATION_COMPLETED][late.__qualname__]
    assert len(late_calls) == ITERATIONS - EPOCH_LENGTH
    assert [ping.__qualname__, "PING"] in [row[:2] for row in profiler.get_results()]


def test_handlers_profiler_each_run_starts_afresh() -> None:
    trainer = _trainer()
    profiler = HandlersTimeProfiler()
    profiler.attach(trainer)
    profiler.attach(trainer)  # attaching twice times each call once
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    trainer.run(range(EPOCH_LENGTH), max_epochs=1)
    assert len(profiler.event_handlers_times[Events.ITERATION_COMPLETED]["on_iteration_completed"]) == EPOCH_LENGTH
    assert len(profiler.processing_times) == EPOCH_LENGTH


def test_handlers_profiler_write_results(tmp_path: pathlib.Path) -> None:
    trainer = _trainer()
    profiler = HandlersTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    path = tmp_path / "handlers.csv"
    profiler.write_results(path)

    header, rows = _read_csv(path)
    assert header == [
        "#",
        "processing_stats",
        "dataflow_stats",
        "on_epoch_started (EPOCH_STARTED)",
        "on_iteration_completed (ITERATION_COMPLETED)",
        "every_third (ITERATION_COMPLETED)",
        "never (TERMINATE)",
    ]
    assert len(rows) == ITERATIONS
    columns = {name: [float(row[i]) for row in rows] for i, name in enumerate(header)}
    assert columns["#"] == [float(i + 1) for i in range(ITERATIONS)]
    assert columns["processing_stats"] == profiler.processing_times
    assert columns["dataflow_stats"] == profiler.dataflow_times
    epoch_times = profiler.event_handlers_times[Events.EPOCH_STARTED]["on_epoch_started"]
    assert columns["on_epoch_started (EPOCH_STARTED)"] == epoch_times + [0.0] * (ITERATIONS - EPOCHS)
    every = profiler.event_handlers_times[Events.ITERATION_COMPLETED]["every_third"]
    assert columns["every_third (ITERATION_COMPLETED)"] == every + [0.0] * (ITERATIONS - len(every))
    assert columns["never (TERMINATE)"] == [0.0] * ITERATIONS


def test_handlers_profiler_print_results(capsys: pytest.CaptureFixture[str]) -> None:
    trainer = _trainer()
    profiler = HandlersTimeProfiler()
    profiler.attach(trainer)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    results = profiler.get_results()
    snapshot = [list(row) for row in results]
    report = HandlersTimeProfiler.print_results(results)
    assert results == snapshot  # the rows are not modified
    assert report in capsys.readouterr().out
    lines = report.splitlines()
    assert any(line.startswith("Handler") and "Event Name" in line and "Std(s)" in line for line in lines)
    assert any(line.startswith("every_third") and "ITERATION_COMPLETED" in line for line in lines)
    assert any(line.startswith("never") and "not triggered" in line for line in lines)
    assert any(line.startswith("Processing took total ") for line in lines)
    assert any(line.startswith("Dataflow took total ") for line in lines)
    with pytest.raises(ValueError, match="results"):
        HandlersTimeProfiler.print_results([])


# ---------------------------------------------------------------------------------------------------------- both
@pytest.mark.parametrize("profiler_class", [BasicTimeProfiler, HandlersTimeProfiler])
def test_attach_checks_the_engine(profiler_class: Any) -> None:
    profiler = profiler_class()
    with pytest.raises(TypeError, match=r"Argument engine should be ignite\.engine\.Engine"):
        profiler.attach("trainer")
    profiler.attach(Engine(_work))
    with pytest.raises(ValueError, match="already attached to another engine"):
        profiler.attach(Engine(_work))


@pytest.mark.parametrize("profiler_class", [BasicTimeProfiler, HandlersTimeProfiler])
def test_profiler_can_be_removed_from_the_engine(profiler_class: Any) -> None:
    trainer = _trainer()
    profiler = profiler_class()
    profiler.attach(trainer)
    trainer.remove_handler_wrapper(profiler)
    trainer.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    assert len(profiler.processing_times) == 0
