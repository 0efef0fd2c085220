"""FBResearchLogger: the lines logged during real Engine runs, on a fake clock so that every time field is exact."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from ignite.engine import Engine, Events, create_supervised_trainer
from ignite.handlers import fbresearch_logger
from ignite.handlers.fbresearch_logger import FBResearchLogger


class FakeClock:
    """Stands in for time.perf_counter: time passes only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TimedData:
    """``n`` batches 0..n-1, each taking ``data_time`` seconds of the fake clock to fetch."""

    def __init__(self, clock: FakeClock, n: int, data_time: float) -> None:
        self.clock, self.n, self.data_time = clock, n, data_time

    def __iter__(self) -> Iterator[int]:
        for index in range(self.n):
            self.clock.advance(self.data_time)
            yield index


class SizedTimedData(TimedData):
    def __len__(self) -> int:
        return self.n


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    # Engine (epoch and run durations) and Timer (iteration and data times) both read time.perf_counter.
    monkeypatch.setattr(time, "perf_counter", fake)
    return fake


@pytest.fixture
def logger(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> logging.Logger:
    logger = logging.getLogger(f"test_fbresearch.{request.node.name}")
    caplog.set_level(logging.INFO, logger=logger.name)
    return logger


def _messages(caplog: pytest.LogCaptureFixture, logger: logging.Logger) -> list[str]:
    # The engine's own logger writes to caplog too: keep only the FBResearchLogger lines.
    return [record.getMessage() for record in caplog.records if record.name == logger.name]


def _timed_engine(clock: FakeClock, iter_time: float, output: Any = None) -> Engine:
    def step(engine: Engine, batch: int) -> Any:
        clock.advance(iter_time)
        return output(batch) if callable(output) else output

    return Engine(step)


def test_module_all_snapshot() -> None:
    assert fbresearch_logger.__all__ == ["FBResearchLogger"]


def test_defaults() -> None:
    logger = logging.getLogger("test_fbresearch.defaults")
    fb = FBResearchLogger(logger)
    assert fb.logger is logger
    assert fb.delimiter == "  "
    assert fb.show_output is False


def test_lines_of_a_two_epoch_run(clock: FakeClock, caplog: pytest.LogCaptureFixture, logger: logging.Logger) -> None:
    trainer = _timed_engine(clock, 2.0, output=lambda batch: {"loss": torch.tensor(batch * 0.5)})
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    FBResearchLogger(logger, show_output=True).attach(trainer, "Train", every=2, optimizer=optimizer)
    trainer.run(SizedTimedData(clock, 5, 0.5), max_epochs=2)

    times = "Iter time: 2.0000 s  Data prep time: 0.5000 s"
    assert _messages(caplog, logger) == [
        "Train: start epoch [1/2]",
        f"Epoch [1/2]  [2/5]:  ETA: 0:00:06  lr: 0.01000  loss: 0.5000  {times}",
        f"Epoch [1/2]  [4/5]:  ETA: 0:00:02  lr: 0.01000  loss: 1.5000  {times}",
        "Train: Epoch [1/2]  Total time: 0:00:12  (2.5000 s / it)",
        "Train: start epoch [2/2]",
        f"Epoch [2/2]  [1/5]:  ETA: 0:00:08  lr: 0.01000  loss: 0.0000  {times}",
        f"Epoch [2/2]  [3/5]:  ETA: 0:00:04  lr: 0.01000  loss: 1.0000  {times}",
        f"Epoch [2/2]  [5/5]:  ETA: 0:00:00  lr: 0.01000  loss: 2.0000  {times}",
        "Train: Epoch [2/2]  Total time: 0:00:12  (2.5000 s / it)",
        "Train: run completed  Total time: 0:00:25",
    ]


def test_single_epoch_has_no_run_summary(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, logger: logging.Logger
) -> None:
    evaluator = _timed_engine(clock, 1.0, output=7.0)
    FBResearchLogger(logger).attach(evaluator, "Eval")
    evaluator.run(SizedTimedData(clock, 2, 0.25), max_epochs=1)
    # show_output is off and there is no optimizer: neither the output nor a learning rate appears.
    assert _messages(caplog, logger) == [
        "Eval: start epoch [1/1]",
        "Epoch [1/1]  [1/2]:  ETA: 0:00:01  Iter time: 1.0000 s  Data prep time: 0.2500 s",
        "Epoch [1/1]  [2/2]:  ETA: 0:00:00  Iter time: 1.0000 s  Data prep time: 0.2500 s",
        "Eval:  Total time: 0:00:02  (1.2500 s / it)",
    ]


def test_every_counts_iterations_across_epochs(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, logger: logging.Logger
) -> None:
    trainer = _timed_engine(clock, 0.0)
    FBResearchLogger(logger).attach(trainer, "T", every=3)
    trainer.run(SizedTimedData(clock, 4, 0.0), max_epochs=2)
    progress = [line.split("  ")[:2] for line in _messages(caplog, logger) if line.startswith("Epoch [")]
    # Iterations 3 and 6 of 8, i.e. the 3rd of epoch 1 and the 2nd of epoch 2.
    assert progress == [["Epoch [1/2]", "[3/4]:"], ["Epoch [2/2]", "[2/4]:"]]
    assert len(_messages(caplog, logger)) == 2 + 2 * 2 + 1


def test_data_of_unknown_length(clock: FakeClock, caplog: pytest.LogCaptureFixture, logger: logging.Logger) -> None:
    trainer = _timed_engine(clock, 2.0)
    FBResearchLogger(logger).attach(trainer, "U")
    trainer.run(TimedData(clock, 3, 0.5), max_epochs=2)
    times = "Iter time: 2.0000 s  Data prep time: 0.5000 s"
    assert _messages(caplog, logger) == [
        "U: start epoch [1/2]",
        f"Epoch [1/2]  [1/?]:  ETA: ?  {times}",
        f"Epoch [1/2]  [2/?]:  ETA: ?  {times}",
        f"Epoch [1/2]  [3/?]:  ETA: ?  {times}",
        "U: Epoch [1/2]  Total time: 0:00:07  (2.5000 s / it)",
        # The first epoch measured the data: from now on the length is known.
        "U: start epoch [2/2]",
        f"Epoch [2/2]  [1/3]:  ETA: 0:00:04  {times}",
        f"Epoch [2/2]  [2/3]:  ETA: 0:00:02  {times}",
        f"Epoch [2/2]  [3/3]:  ETA: 0:00:00  {times}",
        "U: Epoch [2/2]  Total time: 0:00:07  (2.5000 s / it)",
        "U: run completed  Total time: 0:00:15",
    ]


def test_unknown_length_and_max_iters(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, logger: logging.Logger
) -> None:
    trainer = _timed_engine(clock, 1.0)
    FBResearchLogger(logger).attach(trainer, "U")
    trainer.run(TimedData(clock, 10, 0.0), max_iters=2)
    assert trainer.state.max_epochs is None
    times = "Iter time: 1.0000 s  Data prep time: 0.0000 s"
    # The run stops inside its first epoch: no epoch summary and, max_epochs being unknown, no run summary.
    assert _messages(caplog, logger) == [
        "U: start epoch [1/?]",
        f"Epoch [1/?]  [1/?]:  ETA: ?  {times}",
        f"Epoch [1/?]  [2/?]:  ETA: ?  {times}",
    ]


@pytest.mark.parametrize(
    ("output", "fields"),
    [
        (
            {"loss": torch.tensor(0.25), "name": "x", "parts": [1, "a", torch.tensor([2.0])], "big": torch.ones(3)},
            ["loss: 0.2500", "parts: 1.0000, 2.0000"],
        ),
        ((1.5, "s", 2), ["1.5000, 2.0000"]),
        ([], []),
        (3, ["3.0000"]),
        (torch.tensor([[0.125]]), ["0.1250"]),
        (torch.ones(2), []),
        ("text", []),
        (None, []),
    ],
)
def test_output_fields(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, logger: logging.Logger, output: Any, fields: list[str]
) -> None:
    engine = _timed_engine(clock, 0.0, output=output)
    FBResearchLogger(logger, show_output=True).attach(engine, "O")
    engine.run([0], max_epochs=1)
    line = _messages(caplog, logger)[1].split("  ")
    assert line[:3] == ["Epoch [1/1]", "[1/1]:", "ETA: 0:00:00"]
    assert line[3:-2] == fields
    assert line[-2:] == ["Iter time: 0.0000 s", "Data prep time: 0.0000 s"]


def test_output_hidden_without_show_output(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, logger: logging.Logger
) -> None:
    engine = _timed_engine(clock, 0.0, output={"loss": 1.0})
    FBResearchLogger(logger, show_output=False).attach(engine, "O")
    engine.run([0], max_epochs=1)
    assert "loss" not in _messages(caplog, logger)[1]


def test_param_groups_delimiter_and_gpu_memory(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda *args, **kwargs: 3 * 1024 * 1024)
    params = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    optimizer = torch.optim.SGD([{"params": params[:1], "lr": 0.1}, {"params": params[1:], "lr": 0.002}])
    engine = _timed_engine(clock, 0.5, output=(1.0,))
    FBResearchLogger(logger, delimiter=" | ", show_output=True).attach(engine, "G", optimizer=optimizer)
    engine.run(SizedTimedData(clock, 1, 0.0), max_epochs=1)
    assert _messages(caplog, logger)[1] == (
        "Epoch [1/1] | [1/1]: | ETA: 0:00:00 | lr [g0]: 0.10000 | lr [g1]: 0.00200 | 1.0000 | "
        "Iter time: 0.5000 s | Data prep time: 0.0000 s | GPU Max Mem: 3 MB"
    )
    assert _messages(caplog, logger)[2] == "G: | Total time: 0:00:00 | (0.5000 s / it)"


def test_supervised_trainer_shows_the_current_lr(caplog: pytest.LogCaptureFixture, logger: logging.Logger) -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    trainer = create_supervised_trainer(
        model, optimizer, torch.nn.MSELoss(), output_transform=lambda x, y, y_pred, loss: {"total_loss": loss.item()}
    )

    @trainer.on(Events.ITERATION_STARTED)
    def schedule(engine: Engine) -> None:
        optimizer.param_groups[0]["lr"] = 0.001 * engine.state.iteration

    losses: list[float] = []
    trainer.add_event_handler(
        Events.ITERATION_COMPLETED, lambda engine: losses.append(engine.state.output["total_loss"])
    )
    FBResearchLogger(logger, show_output=True).attach(trainer, "Train", every=2, optimizer=optimizer)
    data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(4)]
    trainer.run(data, max_epochs=3)

    lines = _messages(caplog, logger)
    assert len(lines) == 3 * (1 + 2 + 1) + 1
    progress = [line.split("  ") for line in lines if line.startswith("Epoch [")]
    assert [fields[3] for fields in progress] == [f"lr: {0.001 * it:.5f}" for it in (2, 4, 6, 8, 10, 12)]
    assert [fields[4] for fields in progress] == [f"total_loss: {losses[it - 1]:.4f}" for it in (2, 4, 6, 8, 10, 12)]


def test_bad_constructor_arguments() -> None:
    with pytest.raises(TypeError, match=r"`logger` should be .*info\(msg\).*got str"):
        FBResearchLogger("trainer")
    logger = logging.getLogger("test_fbresearch.bad")
    with pytest.raises(TypeError, match="`delimiter` should be a str, got int"):
        FBResearchLogger(logger, delimiter=2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`show_output` should be a bool, got str"):
        FBResearchLogger(logger, show_output="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"engine": "trainer"}, TypeError, "`engine` should be an ignite.engine.Engine, got str"),
        ({"name": 3}, TypeError, "`name` should be a str, got int: 3"),
        ({"every": 0}, ValueError, "`every` should be a positive int, got 0"),
        ({"every": 2.0}, TypeError, "`every` should be a positive int, got float: 2.0"),
        ({"every": True}, TypeError, "`every` should be a positive int, got bool"),
        ({"optimizer": [0.1]}, TypeError, "`optimizer` should be None or a torch.optim.Optimizer .* got list"),
    ],
)
def test_bad_attach_arguments(
    caplog: pytest.LogCaptureFixture, logger: logging.Logger, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    engine = Engine(lambda engine, batch: None)
    arguments: dict[str, Any] = {"engine": engine, "name": "Train", **kwargs}
    with pytest.raises(error, match=match):
        FBResearchLogger(logger).attach(**arguments)
    # Nothing was attached before the arguments were rejected.
    engine.run([0, 1], max_epochs=2)
    assert _messages(caplog, logger) == []
