"""Time profilers of an Engine run: :class:`BasicTimeProfiler` (per event) and :class:`HandlersTimeProfiler` (per
handler).

Both are engine handler wrappers (see ``Engine.add_handler_wrapper``): the engine hands them every handler call and
every event firing, so they time handlers added at any moment, run first and last among an event's handlers without
touching the engine's private structures, and see a filtered handler only when its filter lets it run.
"""

from __future__ import annotations

import csv
import math
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import torch

from ignite.engine import Engine, Events

__all__ = ["BasicTimeProfiler", "HandlersTimeProfiler"]

Step = Callable[[], Any]

_clock = time.perf_counter


def _callable_name(handler: Callable[..., Any]) -> str:
    return str(getattr(handler, "__qualname__", type(handler).__name__))


def _store(series: list[float], index: int, value: float) -> None:
    """``series[index] = value``, growing ``series`` with zeros (slots of iterations that were not run)."""
    if index < 0:
        return
    if index >= len(series):
        series.extend([0.0] * (index + 1 - len(series)))
    series[index] = value


def _positive_stats(series: Sequence[float]) -> tuple[float, float, int, float, int, float, float] | None:
    """(total, min, index of min, max, index of max, mean, sample std) of the positive values of ``series``; indices
    are positions in ``series``. Zeros are slots that were never filled, so they are left out; None if nothing is
    left. The std is NaN for a single value."""
    indexed = [(value, index) for index, value in enumerate(series) if value > 0]
    if not indexed:
        return None
    values = [value for value, _ in indexed]
    total = math.fsum(values)
    mean = total / len(values)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else math.nan
    low, high = min(indexed, key=lambda pair: pair[0]), max(indexed, key=lambda pair: pair[0])
    return total, low[0], low[1], high[0], high[1], mean, std


class _Profiler(ABC):
    """What both profilers share: one engine, and the names of the handlers of each event."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        # Names seen by wrap_handler since the last wrap_event of each event: the engine reports all the handlers of
        # an event, then the event itself, whenever that event's handlers change.
        self._pending_names: dict[Any, list[str]] = {}
        self._handler_names: dict[Any, list[str]] = {}

    def attach(self, engine: Engine) -> None:
        """Profile the runs of ``engine`` from now on (attaching again to the same engine does nothing)."""
        if not isinstance(engine, Engine):
            raise TypeError(f"Argument engine should be ignite.engine.Engine, but given {type(engine)}")
        if self._engine is not None and self._engine is not engine:
            raise ValueError(
                f"This {type(self).__name__} is already attached to another engine: create one profiler per engine"
            )
        self._engine = engine
        engine.add_handler_wrapper(self)

    @abstractmethod
    def wrap_handler(self, event: Any, handler: Callable[..., Any], call: Step) -> Step: ...

    @abstractmethod
    def wrap_event(self, event: Any, steps: tuple[Step, ...]) -> tuple[Step, ...]: ...

    def _note_handler(self, event: Any, handler: Callable[..., Any]) -> str:
        name = _callable_name(handler)
        self._pending_names.setdefault(event, []).append(name)
        return name

    def _note_event(self, event: Any) -> None:
        self._handler_names[event] = list(dict.fromkeys(self._pending_names.pop(event, [])))

    def _state_of_engine(self) -> Any:
        if self._engine is None:  # pragma: no cover - wrap_* are only called by the engine attached
            raise RuntimeError(f"{type(self).__name__} is not attached to an engine")
        return self._engine.state


# ------------------------------------------------------------------------------------------------- BasicTimeProfiler
_BASIC_EVENTS = (
    Events.EPOCH_STARTED,
    Events.EPOCH_COMPLETED,
    Events.STARTED,
    Events.COMPLETED,
    Events.ITERATION_STARTED,
    Events.ITERATION_COMPLETED,
    Events.GET_BATCH_STARTED,
    Events.GET_BATCH_COMPLETED,
)
# The order in which print_results shows the events: the order in which they fire.
_RUN_ORDER = (
    Events.STARTED,
    Events.EPOCH_STARTED,
    Events.GET_BATCH_STARTED,
    Events.GET_BATCH_COMPLETED,
    Events.ITERATION_STARTED,
    Events.ITERATION_COMPLETED,
    Events.EPOCH_COMPLETED,
    Events.COMPLETED,
)
_CSV_EVENT_COLUMNS = (
    Events.STARTED,
    Events.COMPLETED,
    Events.EPOCH_STARTED,
    Events.EPOCH_COMPLETED,
    Events.ITERATION_STARTED,
    Events.ITERATION_COMPLETED,
    Events.GET_BATCH_STARTED,
    Events.GET_BATCH_COMPLETED,
)


def _slot(event: Events, state: Any) -> int:
    """Index of the current firing of ``event`` in its series: 0, the epoch or the iteration (0-based)."""
    if event is Events.STARTED or event is Events.COMPLETED:
        return 0
    if event is Events.EPOCH_STARTED or event is Events.EPOCH_COMPLETED:
        return int(state.epoch) - 1
    if event is Events.ITERATION_STARTED or event is Events.ITERATION_COMPLETED:
        return int(state.iteration) - 1
    # GET_BATCH_* fire before the iteration counter moves to the batch being fetched.
    return int(state.iteration)


class BasicTimeProfiler(_Profiler):
    """Times, for each run of an engine, the process function, the data loading and, per event, all the handlers of
    each firing together.

    Attached with :meth:`attach`; after (or during) a run, :meth:`get_results` gives the statistics,
    :meth:`print_results` shows them and :meth:`write_results` writes one CSV row per iteration. Each ``STARTED``
    clears what the previous run recorded; a resumed run (after ``interrupt()``) keeps adding to it.

    >>> from ignite.engine import Engine, Events
    >>> from ignite.handlers import BasicTimeProfiler
    >>> trainer = Engine(lambda engine, batch: sum(range(100)))
    >>> profiler = BasicTimeProfiler()
    >>> profiler.attach(trainer)
    >>> @trainer.on(Events.ITERATION_COMPLETED)
    ... def log(engine):
    ...     pass
    >>> _ = trainer.run(range(10), max_epochs=2)
    >>> results = profiler.get_results()
    >>> results["event_handlers_names"]["ITERATION_COMPLETED_names"]
    ['log']
    >>> int(profiler.event_handlers_times[Events.ITERATION_COMPLETED].numel())
    20
    """

    # The events this profiler does not time.
    events_to_ignore: ClassVar[tuple[Events, ...]] = (
        Events.EXCEPTION_RAISED,
        Events.TERMINATE,
        Events.TERMINATE_SINGLE_EPOCH,
        Events.DATALOADER_STOP_ITERATION,
        Events.INTERRUPT,
    )

    def __init__(self) -> None:
        super().__init__()
        self._processing: list[float] = []
        self._dataflow: list[float] = []
        self._event_times: dict[Events, list[float]] = {event: [] for event in _BASIC_EVENTS}
        self._event_start = self._processing_start = self._dataflow_start = 0.0
        self.max_epochs: int | None = None
        self.total_num_iters: int | None = None
        self._epoch_length: int | None = None

    # ----------------------------------------------------------------------------------------- recorded series
    @property
    def processing_times(self) -> torch.Tensor:
        """Seconds spent in the process function, one value per iteration (0 for iterations not run)."""
        return torch.tensor(self._processing, dtype=torch.float32)

    @property
    def dataflow_times(self) -> torch.Tensor:
        """Seconds spent getting each batch from the data, one value per iteration (0 for iterations not run)."""
        return torch.tensor(self._dataflow, dtype=torch.float32)

    @property
    def event_handlers_times(self) -> dict[Events, torch.Tensor]:
        """Per event, seconds spent in all its handlers at each firing: one value for ``STARTED`` and ``COMPLETED``,
        one per epoch for ``EPOCH_*``, one per iteration for ``ITERATION_*`` and ``GET_BATCH_*``."""
        return {event: torch.tensor(times, dtype=torch.float32) for event, times in self._event_times.items()}

    @property
    def event_handlers_names(self) -> dict[Events, list[str]]:
        """Per event, the names of the handlers the engine currently has for it."""
        return {event: list(self._handler_names.get(event, [])) for event in _BASIC_EVENTS}

    # --------------------------------------------------------------------------------------- HandlerWrapper
    def wrap_handler(self, event: Any, handler: Callable[..., Any], call: Step) -> Step:
        """Handlers run unchanged: this profiler times whole firings (see :meth:`wrap_event`)."""
        self._note_handler(event, handler)
        return call

    def wrap_event(self, event: Any, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        """Put a timing step first and last among the handlers of each profiled event."""
        self._note_event(event)
        if event not in self._event_times:
            return steps

        def first() -> None:
            self._event_begins(event)

        def last() -> None:
            self._event_ends(event)

        return (first, *steps, last)

    def _reset(self) -> None:
        state = self._state_of_engine()
        self._processing, self._dataflow = [], []
        self._event_times = {event: [] for event in _BASIC_EVENTS}
        self.max_epochs, self._epoch_length = state.max_epochs, state.epoch_length
        self.total_num_iters = self.max_epochs * self._epoch_length if self.max_epochs and self._epoch_length else None

    def _event_begins(self, event: Events) -> None:
        now = _clock()
        if event is Events.STARTED:
            self._reset()
        elif event is Events.GET_BATCH_COMPLETED:
            _store(self._dataflow, int(self._state_of_engine().iteration), now - self._dataflow_start)
        elif event is Events.ITERATION_COMPLETED:
            _store(self._processing, int(self._state_of_engine().iteration) - 1, now - self._processing_start)
        elif event is Events.EPOCH_COMPLETED:
            # Data without a length gets its epoch length at the end of the first epoch.
            self._epoch_length = self._state_of_engine().epoch_length
        self._event_start = _clock()

    def _event_ends(self, event: Events) -> None:
        now = _clock()
        _store(self._event_times[event], _slot(event, self._state_of_engine()), now - self._event_start)
        if event is Events.GET_BATCH_STARTED:
            self._dataflow_start = _clock()
        elif event is Events.ITERATION_STARTED:
            self._processing_start = _clock()

    # ------------------------------------------------------------------------------------------------ results
    @staticmethod
    def _compute_basic_stats(series: Sequence[float]) -> dict[str, Any]:
        stats = _positive_stats(series)
        if stats is None:
            return {"total": "not yet triggered"}
        total, low, low_index, high, high_index, mean, std = stats
        if math.isnan(std):  # a single value
            return {"total": total}
        return {
            "total": total,
            "min/index": (low, low_index),
            "max/index": (high, high_index),
            "mean": mean,
            "std": std,
        }

    def get_results(self) -> dict[str, dict[str, Any]]:
        """Statistics (seconds) of the last run: ``processing_stats``, ``dataflow_stats``, ``event_handlers_stats``
        (one entry per event name, plus ``total_time``) and ``event_handlers_names`` (``<EVENT>_names`` entries).

        Each statistic has ``total`` (``"not yet triggered"`` if nothing was recorded) and, when there are at least two
        values, ``min/index``, ``max/index`` (value and position in the series), ``mean`` and ``std``.
        """
        event_stats: dict[str, Any] = {
            event.name: self._compute_basic_stats(self._event_times[event]) for event in _BASIC_EVENTS
        }
        event_stats["total_time"] = math.fsum(math.fsum(times) for times in self._event_times.values())
        names = self.event_handlers_names
        return {
            "processing_stats": self._compute_basic_stats(self._processing),
            "dataflow_stats": self._compute_basic_stats(self._dataflow),
            "event_handlers_stats": event_stats,
            "event_handlers_names": {f"{event.name}_names": names[event] for event in _BASIC_EVENTS},
        }

    @staticmethod
    def print_results(results: dict[str, dict[str, Any]]) -> str:
        """Print the output of :meth:`get_results` as a report, and return that report."""

        def show(value: Any) -> str:
            if isinstance(value, str):
                return value
            if isinstance(value, tuple):
                return f"{value[0]:.5f}/{value[1]}"
            return f"{value:.5f}"

        def line(stats: dict[str, Any]) -> str:
            return " | ".join(show(value) for value in stats.values())

        event_stats, names = results["event_handlers_stats"], results["event_handlers_names"]
        border = " " + "-" * 52
        lines = [
            "",
            border,
            "| Time profiling stats (in seconds):" + " " * 17 + "|",
            border,
            "total  |  min/index  |  max/index  |  mean  |  std",
            "",
            "Processing function:",
            line(results["processing_stats"]),
            "",
            "Dataflow:",
            line(results["dataflow_stats"]),
            "",
            "Event handlers:",
            show(event_stats["total_time"]),
        ]
        for event in _RUN_ORDER:
            lines += ["", f"- Events.{event.name}: {names[f'{event.name}_names']}", line(event_stats[event.name])]
        report = "\n".join(lines) + "\n"
        print(report)
        return report

    def write_results(self, output_path: str | os.PathLike[str]) -> None:
        """Write one CSV row per iteration with the columns ``epoch``, ``iteration``, ``processing_stats``,
        ``dataflow_stats`` and ``Event_<NAME>`` for STARTED, COMPLETED, EPOCH_STARTED, EPOCH_COMPLETED,
        ITERATION_STARTED, ITERATION_COMPLETED, GET_BATCH_STARTED and GET_BATCH_COMPLETED: the seconds of that
        iteration, of its epoch, or of the whole run for STARTED and COMPLETED."""
        per_iteration = (
            self._processing,
            self._dataflow,
            *(self._event_times[event] for event in _BASIC_EVENTS if event.name.startswith(("ITERATION", "GET"))),
        )
        rows = max([self.total_num_iters or 0, *(len(series) for series in per_iteration)])
        epoch_length = self._epoch_length or rows or 1

        def at(series: list[float], index: int) -> float:
            return series[index] if index < len(series) else 0.0

        with open(output_path, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(
                ["epoch", "iteration", "processing_stats", "dataflow_stats"]
                + [f"Event_{event.name}" for event in _CSV_EVENT_COLUMNS]
            )
            for index in range(rows):
                epoch = index // epoch_length
                slots = {
                    Events.STARTED: 0,
                    Events.COMPLETED: 0,
                    Events.EPOCH_STARTED: epoch,
                    Events.EPOCH_COMPLETED: epoch,
                }
                writer.writerow(
                    [epoch + 1, index + 1, at(self._processing, index), at(self._dataflow, index)]
                    + [at(self._event_times[event], slots.get(event, index)) for event in _CSV_EVENT_COLUMNS]
                )


# ----------------------------------------------------------------------------------------------- HandlersTimeProfiler
_HandlerRow = list[Any]


class HandlersTimeProfiler(_Profiler):
    """Times every call of every handler of an engine, one series per (event, handler name), plus the process
    function and the data loading at each iteration.

    A filtered handler (``Events.X(every=...)``) is timed only when its filter lets it run. Handlers with the same
    name on the same event share one series. Each ``STARTED`` clears what the previous run recorded.

    >>> from ignite.engine import Engine, Events
    >>> from ignite.handlers import HandlersTimeProfiler
    >>> trainer = Engine(lambda engine, batch: None)
    >>> profiler = HandlersTimeProfiler()
    >>> profiler.attach(trainer)
    >>> @trainer.on(Events.ITERATION_COMPLETED(every=5))
    ... def log(engine):
    ...     pass
    >>> _ = trainer.run(range(10), max_epochs=2)
    >>> len(profiler.event_handlers_times[Events.ITERATION_COMPLETED]["log"])
    4
    >>> [row[0] for row in profiler.get_results()]
    ['log', 'Total', 'Processing', 'Dataflow']
    """

    def __init__(self) -> None:
        super().__init__()
        self.dataflow_times: list[float] = []
        self.processing_times: list[float] = []
        self.event_handlers_times: dict[Any, dict[str, list[float]]] = {}
        self._processing_start = self._dataflow_start = 0.0

    @property
    def event_handlers_names(self) -> dict[Any, list[str]]:
        """Per event, the names of the handlers the engine currently has for it."""
        return {event: list(names) for event, names in self._handler_names.items()}

    # --------------------------------------------------------------------------------------- HandlerWrapper
    def wrap_handler(self, event: Any, handler: Callable[..., Any], call: Step) -> Step:
        """Time each call of ``handler`` into the series of its event and name."""
        name = self._note_handler(event, handler)

        def timed() -> None:
            start = _clock()
            call()
            elapsed = _clock() - start
            self.event_handlers_times.setdefault(event, {}).setdefault(name, []).append(elapsed)

        return timed

    def wrap_event(self, event: Any, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        """Clear the series at ``STARTED``; time the process function and the data loading between the handlers of
        ``ITERATION_STARTED`` / ``ITERATION_COMPLETED`` and ``GET_BATCH_STARTED`` / ``GET_BATCH_COMPLETED``."""
        self._note_event(event)
        if event is Events.STARTED:
            return (self._reset, *steps)
        if event is Events.GET_BATCH_STARTED:
            return (*steps, self._dataflow_begins)
        if event is Events.GET_BATCH_COMPLETED:
            return (self._dataflow_ends, *steps)
        if event is Events.ITERATION_STARTED:
            return (*steps, self._processing_begins)
        if event is Events.ITERATION_COMPLETED:
            return (self._processing_ends, *steps)
        return steps

    def _reset(self) -> None:
        self.dataflow_times, self.processing_times = [], []
        self.event_handlers_times = {
            event: {name: [] for name in names} for event, names in self._handler_names.items()
        }

    def _dataflow_begins(self) -> None:
        self._dataflow_start = _clock()

    def _dataflow_ends(self) -> None:
        self.dataflow_times.append(_clock() - self._dataflow_start)

    def _processing_begins(self) -> None:
        self._processing_start = _clock()

    def _processing_ends(self) -> None:
        self.processing_times.append(_clock() - self._processing_start)

    # ------------------------------------------------------------------------------------------------ results
    @staticmethod
    def _row_stats(series: Sequence[float]) -> list[Any]:
        stats = _positive_stats(series)
        if stats is None:
            return ["not triggered", ("None", "None"), ("None", "None"), "None", "None"]
        total, low, low_index, high, high_index, mean, std = stats
        shown_std: Any = "None" if math.isnan(std) else round(std, 5)
        return [round(total, 5), (round(low, 5), low_index), (round(high, 5), high_index), round(mean, 5), shown_std]

    def _columns(self) -> list[tuple[Any, str, list[float]]]:
        return [
            (event, name, times)
            for event, by_name in self.event_handlers_times.items()
            for name, times in by_name.items()
        ]

    def get_results(self) -> list[_HandlerRow]:
        """One row per (handler, event): ``[handler name, event name, total, (min, index), (max, index), mean, std]``
        in seconds rounded to 5 decimals (``"not triggered"`` / ``"None"`` where nothing was recorded), then the rows
        ``["Total", "", total of all handlers, "", "", "", ""]``, ``["Processing", "None", ...]`` and
        ``["Dataflow", "None", ...]``."""
        rows: list[_HandlerRow] = [
            [name, getattr(event, "name", str(event)), *self._row_stats(times)]
            for event, name, times in self._columns()
        ]
        total = math.fsum(math.fsum(times) for _, _, times in self._columns())
        rows.append(["Total", "", round(total, 5), "", "", "", ""])
        rows.append(["Processing", "None", *self._row_stats(self.processing_times)])
        rows.append(["Dataflow", "None", *self._row_stats(self.dataflow_times)])
        return rows

    @staticmethod
    def print_results(results: list[_HandlerRow]) -> str:
        """Print the output of :meth:`get_results` as a table, and return it."""
        if len(results) < 3:
            raise ValueError(f"Argument results should be the output of get_results(), got {len(results)} rows")

        def cell(value: Any, unit: str = "") -> str:
            if isinstance(value, tuple):
                return f"{value[0]}{unit}/{value[1]}"
            return str(value)

        headers = ["Handler", "Event Name", "Total(s)", "Min(s)/IDX", "Max(s)/IDX", "Mean(s)", "Std(s)"]
        handler_rows = [[cell(value) for value in row] for row in results[:-2]]
        widths = [max(len(row[i]) for row in [headers, *handler_rows]) + 2 for i in range(len(headers))]

        def table_row(row: list[str]) -> str:
            left = [row[i].ljust(widths[i]) for i in range(2)]
            right = [row[i].rjust(widths[i]) for i in range(2, len(row))]
            return "  ".join(left + right).rstrip()

        separator = "  ".join("-" * width for width in widths)
        lines = ["", separator, table_row(headers), separator]
        lines += [table_row(row) for row in handler_rows[:-1]]
        lines += [separator, table_row(handler_rows[-1]), separator]
        for row in results[-2:]:
            name, _, total, low, high, mean, std = row
            lines.append(
                f"{name} took total {total}s [min/index: {cell(low, 's')}, max/index: {cell(high, 's')}, "
                f"mean: {mean}s, std: {std}s]"
            )
        report = "\n".join(lines) + "\n"
        print(report)
        return report

    def write_results(self, output_path: str | os.PathLike[str]) -> None:
        """Write a CSV with the columns ``#`` (call number), ``processing_stats``, ``dataflow_stats`` and one
        ``<handler name> (<EVENT>)`` column per handler series; shorter series are padded with zeros."""
        headers = ["#", "processing_stats", "dataflow_stats"]
        series: list[list[float]] = [self.processing_times, self.dataflow_times]
        for event, name, times in self._columns():
            headers.append(f"{name} ({getattr(event, 'name', str(event))})")
            series.append(times)
        rows = max(len(times) for times in series)
        with open(output_path, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(headers)
            for index in range(rows):
                writer.writerow([index + 1] + [times[index] if index < len(times) else 0.0 for times in series])
