"""ProgressBar: the bar's output is captured by giving tqdm a StringIO as its file."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from ignite.contrib.handlers import ProgressBar
from ignite.engine import Engine, Events


def _frames(buffer: io.StringIO) -> list[str]:
    # tqdm redraws the line after a carriage return; every redraw is one frame.
    return [frame.strip() for frame in buffer.getvalue().replace("\n", "\r").split("\r") if frame.strip()]


def _trainer() -> Engine:
    return Engine(lambda engine, batch: 0.5 * engine.state.iteration)


class _NoLength:
    """Re-iterable data with no ``__len__``: the engine learns the epoch length at the end of the first epoch."""

    def __iter__(self) -> Iterator[int]:
        return iter(range(3))


def test_per_iteration_bar_shows_epoch_description_count_and_loss() -> None:
    buffer = io.StringIO()
    trainer = _trainer()
    ProgressBar(persist=True, file=buffer, mininterval=0).attach(trainer, output_transform=lambda out: {"loss": out})
    trainer.run([0, 1, 2], max_epochs=2)
    frames = _frames(buffer)
    assert "Epoch [1/2]: [3/3] 100%" in frames[_last_index(frames, "Epoch [1/2]")]
    last = frames[-1]
    assert last.startswith("Epoch [2/2]: [3/3] 100%") and "loss=3" in last
    assert any("Epoch [1/2]: [2/3]" in f and "loss=1" in f for f in frames)
    # persist keeps one finished line per epoch.
    assert buffer.getvalue().count("\n") == 2


def _last_index(frames: list[str], prefix: str) -> int:
    return max(i for i, frame in enumerate(frames) if frame.startswith(prefix))


def test_without_persist_the_bar_is_cleared_and_single_epoch_says_iteration() -> None:
    buffer = io.StringIO()
    trainer = _trainer()
    ProgressBar(file=buffer, mininterval=0).attach(trainer, output_transform=lambda out: out)
    trainer.run([0, 1], max_epochs=1)
    frames = _frames(buffer)
    assert any(f.startswith("Iteration: [2/2] 100%") and "output=1" in f for f in frames)
    assert "\n" not in buffer.getvalue()
    assert buffer.getvalue().endswith("\r")  # cleared line


def test_unknown_length_data_counts_without_total_then_learns_it() -> None:
    buffer = io.StringIO()
    trainer = _trainer()
    pbar = ProgressBar(persist=True, file=buffer, mininterval=0)
    pbar.attach(trainer)
    seen: list[tuple[int, int | None]] = []

    @trainer.on(Events.ITERATION_COMPLETED)
    def record(_: Engine) -> None:
        seen.append((pbar.pbar.n, pbar.pbar.total))

    trainer.run(_NoLength(), max_epochs=2)
    assert seen == [(1, None), (2, None), (3, None), (1, 3), (2, 3), (3, 3)]
    frames = _frames(buffer)
    assert any(f.startswith("Epoch [1/2]: [3/?]") for f in frames)
    assert frames[-1].startswith("Epoch [2/2]: [3/3] 100%")
    assert pbar.pbar is None  # closed at the closing event


def test_metrics_state_attributes_and_custom_desc() -> None:
    buffer = io.StringIO()
    evaluator = Engine(lambda engine, batch: None)

    @evaluator.on(Events.ITERATION_COMPLETED)
    def set_metrics(engine: Engine) -> None:
        engine.state.metrics = {"acc": 0.75, "other": 1.0}
        engine.state.alpha = 2

    ProgressBar(persist=True, file=buffer, mininterval=0, desc="Eval").attach(
        evaluator, metric_names=["acc"], state_attributes=["alpha"]
    )
    evaluator.run([0, 1], max_epochs=1)
    last = _frames(buffer)[-1]
    assert last.startswith("Eval: [2/2] 100%")
    assert "acc=0.75" in last and "alpha=2" in last and "other" not in last


def test_epoch_level_bar_closed_on_completed() -> None:
    buffer = io.StringIO()
    trainer = _trainer()
    ProgressBar(persist=True, file=buffer, mininterval=0).attach(
        trainer, event_name=Events.EPOCH_COMPLETED, closing_event_name=Events.COMPLETED
    )
    trainer.run([0, 1, 2], max_epochs=4)
    frames = _frames(buffer)
    assert frames[-1].startswith("Epoch: [4/4] 100%")
    assert buffer.getvalue().count("\n") == 1


def test_filtered_logging_event() -> None:
    buffer = io.StringIO()
    trainer = _trainer()
    ProgressBar(persist=True, file=buffer, mininterval=0).attach(
        trainer, event_name=Events.ITERATION_COMPLETED(every=2)
    )
    trainer.run(list(range(4)), max_epochs=1)
    counts = [f.split("]")[0] for f in _frames(buffer) if f.startswith("Iteration: [")]
    assert "Iteration: [1/4" not in counts and "Iteration: [2/4" in counts and "Iteration: [4/4" in counts


def test_log_message_writes_above_the_bar() -> None:
    buffer = io.StringIO()
    ProgressBar(file=buffer).log_message("validation done")
    assert buffer.getvalue() == "validation done\n"


def test_attach_argument_errors() -> None:
    trainer = _trainer()
    pbar = ProgressBar(file=io.StringIO())
    with pytest.raises(ValueError, match="closing_event_name should not be a filtered event"):
        pbar.attach(trainer, closing_event_name=Events.EPOCH_COMPLETED(every=2))
    with pytest.raises(ValueError, match="should be an event fired before closing_event_name"):
        pbar.attach(trainer, event_name=Events.EPOCH_COMPLETED, closing_event_name=Events.EPOCH_STARTED)
    with pytest.raises(TypeError, match="engine"):
        pbar.attach(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metric_names"):
        pbar.attach(trainer, metric_names="acc")


def test_close_is_safe_without_a_bar() -> None:
    pbar = ProgressBar(file=io.StringIO())
    pbar.close()
    with pbar:
        pass
    assert pbar.pbar is None
