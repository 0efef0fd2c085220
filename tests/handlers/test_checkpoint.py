from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import torch

from ignite.engine import DeterministicEngine, Engine, Events
from ignite.handlers import (
    BaseSaveHandler,
    Checkpoint,
    DiskSaver,
    EarlyStopping,
    ModelCheckpoint,
    global_step_from_engine,
)


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def run_with_listing(
    checkpoint: Any, directory: Path, epochs: int, epoch_length: int = 2, to_save: Mapping[str, Any] | None = None
) -> list[list[str]]:
    """Run a trainer with ``checkpoint`` on EPOCH_COMPLETED and list ``directory`` after each epoch."""
    trainer = Engine(lambda engine, batch: None)
    if to_save is None:
        trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    else:
        trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint, to_save)
    listings: list[list[str]] = []
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: listings.append(listing(directory)))
    trainer.run(range(epoch_length), max_epochs=epochs)
    return listings


class Recorder(BaseSaveHandler):
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Mapping[str, Any] | None]] = []
        self.removed: list[str] = []

    def __call__(self, checkpoint: Mapping[str, Any], filename: str, metadata: Mapping[str, Any] | None = None) -> None:
        self.calls.append((filename, checkpoint, metadata))

    def remove(self, filename: str) -> None:
        self.removed.append(filename)


@pytest.fixture
def model() -> torch.nn.Linear:
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


# ------------------------------------------------------------------------------------------------------ retention
def test_keeps_the_newest_n_saved(tmp_path: Path, model: torch.nn.Linear) -> None:
    checkpoint = Checkpoint({"model": model}, DiskSaver(tmp_path), n_saved=2)
    assert run_with_listing(checkpoint, tmp_path, epochs=4) == [
        ["model_2.pt"],
        ["model_2.pt", "model_4.pt"],
        ["model_4.pt", "model_6.pt"],
        ["model_6.pt", "model_8.pt"],
    ]
    assert checkpoint.last_checkpoint == tmp_path / "model_8.pt"


def test_n_saved_none_keeps_everything(tmp_path: Path, model: torch.nn.Linear) -> None:
    checkpoint = Checkpoint({"model": model}, tmp_path, n_saved=None)
    assert run_with_listing(checkpoint, tmp_path, epochs=3)[-1] == ["model_2.pt", "model_4.pt", "model_6.pt"]


def test_several_objects_and_prefix_and_global_step(tmp_path: Path, model: torch.nn.Linear) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = Engine(lambda engine, batch: None)
    checkpoint = Checkpoint(
        {"model": model, "optimizer": optimizer},
        tmp_path,
        filename_prefix="run",
        global_step_transform=global_step_from_engine(trainer),
    )
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run(range(3), max_epochs=2)
    assert listing(tmp_path) == ["run_checkpoint_2.pt"]
    loaded = torch.load(tmp_path / "run_checkpoint_2.pt", weights_only=True)
    assert set(loaded) == {"model", "optimizer"}
    torch.testing.assert_close(loaded["model"]["weight"], model.weight)


def scores_from(values: list[float]) -> Callable[[Engine], float]:
    def score(engine: Engine) -> float:
        return values[engine.state.epoch - 1]

    return score


def test_score_retention_keeps_the_best(tmp_path: Path, model: torch.nn.Linear) -> None:
    checkpoint = Checkpoint(
        {"model": model}, tmp_path, score_function=scores_from([0.5, 0.3, 0.7, 0.6, 0.1]), score_name="acc", n_saved=2
    )
    assert run_with_listing(checkpoint, tmp_path, epochs=5) == [
        ["model_acc=0.5000.pt"],
        ["model_acc=0.3000.pt", "model_acc=0.5000.pt"],
        ["model_acc=0.5000.pt", "model_acc=0.7000.pt"],
        ["model_acc=0.6000.pt", "model_acc=0.7000.pt"],
        ["model_acc=0.6000.pt", "model_acc=0.7000.pt"],
    ]
    # The best kept checkpoint, not the newest.
    assert checkpoint.last_checkpoint == tmp_path / "model_acc=0.7000.pt"


def test_score_with_global_step_and_integer_score(tmp_path: Path, model: torch.nn.Linear) -> None:
    trainer = Engine(lambda engine, batch: None)
    checkpoint = Checkpoint(
        {"model": model},
        tmp_path,
        filename_prefix="best",
        score_function=lambda engine: 10 - engine.state.epoch,
        n_saved=1,
        global_step_transform=global_step_from_engine(trainer),
    )
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run(range(2), max_epochs=3)
    assert listing(tmp_path) == ["best_model_1_9.pt"]


@pytest.mark.parametrize(
    ("greater_or_equal", "expected"), [(False, "model_1_acc=0.5000.pt"), (True, "model_3_acc=0.5000.pt")]
)
def test_greater_or_equal(tmp_path: Path, model: torch.nn.Linear, greater_or_equal: bool, expected: str) -> None:
    trainer = Engine(lambda engine, batch: None)
    checkpoint = Checkpoint(
        {"model": model},
        tmp_path,
        score_function=lambda engine: 0.5,
        score_name="acc",
        greater_or_equal=greater_or_equal,
        global_step_transform=global_step_from_engine(trainer),
    )
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run(range(2), max_epochs=3)
    assert listing(tmp_path) == [expected]


def test_same_filename_is_overwritten_not_duplicated(tmp_path: Path, model: torch.nn.Linear) -> None:
    checkpoint = Checkpoint({"model": model}, tmp_path, n_saved=2, filename_pattern="{name}.{ext}")
    assert run_with_listing(checkpoint, tmp_path, epochs=3) == [["model.pt"]] * 3
    assert [item.filename for item in checkpoint._saved] == ["model.pt"]


def test_custom_filename_pattern(tmp_path: Path, model: torch.nn.Linear) -> None:
    checkpoint = Checkpoint(
        {"model": model},
        tmp_path,
        filename_prefix="p",
        score_function=lambda engine: 0.25,
        score_name="s",
        filename_pattern="{filename_prefix}-{name}-{score_name}-{score}-{global_step}.{ext}",
        global_step_transform=lambda engine, event: 7,
    )
    run_with_listing(checkpoint, tmp_path, epochs=1)
    assert listing(tmp_path) == ["p-model-s-0.2500-7.pt"]


def test_metadata_and_plain_callable_save_handler(model: torch.nn.Linear) -> None:
    recorder = Recorder()
    checkpoint = Checkpoint({"model": model}, recorder, filename_prefix="x", n_saved=1)
    trainer = Engine(lambda engine, batch: None)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run(range(2), max_epochs=2)
    assert [call[0] for call in recorder.calls] == ["x_model_2.pt", "x_model_4.pt"]
    assert recorder.calls[1][2] == {"basename": "x_model", "score_name": None, "priority": 4}
    assert recorder.removed == ["x_model_2.pt"]
    assert checkpoint.last_checkpoint == "x_model_4.pt"

    saved: list[str] = []
    old_style = Checkpoint({"model": model}, lambda checkpoint, filename: saved.append(filename))
    old_style(trainer)
    assert saved == ["model_4.pt"]


def test_old_checkpoint_removed_only_after_new_one_is_stored(tmp_path: Path, model: torch.nn.Linear) -> None:
    events: list[str] = []

    class Tracing(DiskSaver):
        def __call__(self, checkpoint: Mapping[str, Any], filename: str, metadata: Any = None) -> None:
            super().__call__(checkpoint, filename, metadata)
            events.append(f"save {filename}")

        def remove(self, filename: str) -> None:
            events.append(f"remove {filename}")
            super().remove(filename)

    run_with_listing(Checkpoint({"model": model}, Tracing(tmp_path), n_saved=1), tmp_path, epochs=2)
    assert events == ["save model_2.pt", "save model_4.pt", "remove model_2.pt"]


def test_failed_save_keeps_state_and_files(tmp_path: Path, model: torch.nn.Linear) -> None:
    class Failing(DiskSaver):
        fail = False

        def __call__(self, checkpoint: Mapping[str, Any], filename: str, metadata: Any = None) -> None:
            if self.fail:
                raise OSError("disk full")
            super().__call__(checkpoint, filename, metadata)

    saver = Failing(tmp_path)
    checkpoint = Checkpoint({"model": model}, saver, n_saved=1)
    trainer = Engine(lambda engine, batch: None)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run(range(2), max_epochs=1)
    saver.fail = True
    with pytest.raises(OSError, match="disk full"):
        trainer.run(range(2), max_epochs=2)
    assert listing(tmp_path) == ["model_2.pt"]
    assert checkpoint.state_dict() == OrderedDict(saved=[(2, "model_2.pt")])


# ------------------------------------------------------------------------------------------ state and loading
def test_include_self_and_state_dict_round_trip(tmp_path: Path, model: torch.nn.Linear) -> None:
    checkpoint = Checkpoint({"model": model}, tmp_path, n_saved=2, include_self=True)
    run_with_listing(checkpoint, tmp_path, epochs=3)
    assert listing(tmp_path) == ["checkpoint_4.pt", "checkpoint_6.pt"]
    loaded = torch.load(tmp_path / "checkpoint_6.pt", weights_only=True)
    assert loaded["checkpointer"] == {"saved": [(4, "checkpoint_4.pt"), (6, "checkpoint_6.pt")]}

    resumed = Checkpoint({"model": model}, tmp_path, n_saved=2, include_self=True)
    Checkpoint.load_objects({"checkpointer": resumed}, loaded)
    assert resumed.last_checkpoint == tmp_path / "checkpoint_6.pt"
    # The resumed handler goes on deleting the files of the first run.
    trainer = Engine(lambda engine, batch: None)
    trainer.state.iteration = 8
    resumed(trainer)
    assert listing(tmp_path) == ["checkpoint_6.pt", "checkpoint_8.pt"]

    with pytest.raises(ValueError, match="'saved' is absent"):
        resumed.load_state_dict({})


def test_engine_and_handlers_in_to_save_resume(tmp_path: Path, model: torch.nn.Linear) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)

    def step(engine: Engine, batch: Any) -> None:
        optimizer.zero_grad()
        model(torch.ones(1, 3)).sum().backward()
        optimizer.step()

    trainer = DeterministicEngine(step)
    stopper = EarlyStopping(3, lambda engine: -float(engine.state.epoch), trainer)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, stopper)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: scheduler.step())
    to_save = {"trainer": trainer, "model": model, "optimizer": optimizer, "scheduler": scheduler, "stopper": stopper}
    checkpoint = Checkpoint(to_save, tmp_path, n_saved=1)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run(range(4), max_epochs=2)

    new_model = torch.nn.Linear(3, 2)
    new_optimizer = torch.optim.SGD(new_model.parameters(), lr=1.0)
    new_scheduler = torch.optim.lr_scheduler.StepLR(new_optimizer, step_size=1, gamma=0.5)
    new_trainer = DeterministicEngine(lambda engine, batch: None)
    new_stopper = EarlyStopping(3, lambda engine: 0.0, new_trainer)
    assert checkpoint.last_checkpoint is not None
    Checkpoint.load_objects(
        {
            "trainer": new_trainer,
            "model": new_model,
            "optimizer": new_optimizer,
            "scheduler": new_scheduler,
            "stopper": new_stopper,
        },
        checkpoint.last_checkpoint,
    )
    assert new_trainer.state.iteration == 8 and new_trainer.state.epoch == 2
    assert new_trainer.state.seed == trainer.state.seed
    torch.testing.assert_close(new_model.weight, model.weight)
    assert new_optimizer.param_groups[0]["lr"] == pytest.approx(0.025)
    assert new_scheduler.last_epoch == 2
    assert (new_stopper.counter, new_stopper.best_score) == (1, -1.0)


def test_load_objects_single_object_and_strict(tmp_path: Path, model: torch.nn.Linear) -> None:
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    other = torch.nn.Linear(3, 2)
    Checkpoint.load_objects({"model": other}, path)
    torch.testing.assert_close(other.weight, model.weight)

    partial = {"weight": model.weight.detach().clone()}
    with pytest.raises(RuntimeError, match="Missing key"):
        Checkpoint.load_objects({"model": other}, partial)
    Checkpoint.load_objects({"model": other}, partial, strict=False)

    wrapped = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    Checkpoint.load_objects({"model": wrapped}, path)
    torch.testing.assert_close(wrapped.module.weight, model.weight)


class Hostile:
    def __reduce__(self) -> tuple[Any, ...]:
        return (print, ("this must never run",))


def test_load_objects_refuses_pickles_by_default(tmp_path: Path, model: torch.nn.Linear) -> None:
    path = tmp_path / "hostile.pt"
    torch.save({"model": model.state_dict(), "payload": Hostile()}, path)
    with pytest.raises(pickle.UnpicklingError, match="weights_only=False"):
        Checkpoint.load_objects({"model": model}, path)
    # Explicit opt-in for trusted files.
    Checkpoint.load_objects({"model": model}, path, weights_only=False)


def test_reload_objects(tmp_path: Path, model: torch.nn.Linear) -> None:
    checkpoint = Checkpoint({"model": model}, tmp_path, n_saved=2)
    run_with_listing(checkpoint, tmp_path, epochs=2)
    other = torch.nn.Linear(3, 2)
    checkpoint.reload_objects({"model": other}, global_step=2)
    torch.testing.assert_close(other.weight, model.weight)
    with pytest.raises(FileNotFoundError):
        checkpoint.reload_objects({"model": other}, global_step=3)
    with pytest.raises(RuntimeError, match="DiskSaver"):
        Checkpoint({"model": model}, Recorder()).reload_objects({"model": other})


def test_load_objects_errors(model: torch.nn.Linear) -> None:
    with pytest.raises(TypeError, match="Argument checkpoint should be"):
        Checkpoint.load_objects({"model": model}, 12)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Argument to_load\['x'\] should have a `load_state_dict` method"):
        Checkpoint.load_objects({"x": object()}, {})
    with pytest.raises(ValueError, match=r"Argument to_load names objects \['b'\]"):
        Checkpoint.load_objects({"a": model, "b": model}, {"a": model.state_dict()})


# ---------------------------------------------------------------------------------------------- bad arguments
def test_constructor_errors(tmp_path: Path, model: torch.nn.Linear) -> None:
    with pytest.raises(TypeError, match="Argument to_save should be a dictionary"):
        Checkpoint([model], tmp_path)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Argument to_save\['x'\] should have a `state_dict` method, got int"):
        Checkpoint({"x": 1}, tmp_path)
    with pytest.raises(ValueError, match="'checkpointer'"):
        Checkpoint({"checkpointer": model}, tmp_path, include_self=True)
    with pytest.raises(TypeError, match="Argument save_handler should be"):
        Checkpoint({"model": model}, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument score_function should be provided"):
        Checkpoint({"model": model}, tmp_path, score_name="acc")
    with pytest.raises(TypeError, match="Argument score_function should be callable"):
        Checkpoint({"model": model}, tmp_path, score_function=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Argument global_step_transform should be callable"):
        Checkpoint({"model": model}, tmp_path, global_step_transform=1)  # type: ignore[arg-type]
    for n_saved in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="Argument n_saved should be a positive int or None"):
            Checkpoint({"model": model}, tmp_path, n_saved=n_saved)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument with_score should be True"):
        Checkpoint.setup_filename_pattern(with_score=False, with_score_name=True)


@pytest.mark.parametrize(("value", "message"), [(float("nan"), "got NaN"), ("high", "got str"), (None, "got NoneType")])
def test_score_function_bad_output(tmp_path: Path, model: torch.nn.Linear, value: Any, message: str) -> None:
    checkpoint = Checkpoint({"model": model}, tmp_path, score_function=lambda engine: value)
    with pytest.raises(ValueError, match=f"output of score_function should be a real number, {message}"):
        checkpoint(Engine(lambda engine, batch: None))
    assert listing(tmp_path) == []


def test_get_default_score_fn() -> None:
    engine = Engine(lambda engine, batch: None)
    engine.state.metrics = {"loss": 0.25}
    assert Checkpoint.get_default_score_fn("loss")(engine) == 0.25
    assert Checkpoint.get_default_score_fn("loss", -1.0)(engine) == -0.25
    with pytest.raises(ValueError, match=r"Argument score_sign should be 1\.0 or -1\.0, got 2"):
        Checkpoint.get_default_score_fn("loss", 2)


# --------------------------------------------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint(tmp_path: Path, model: torch.nn.Linear) -> None:
    handler = ModelCheckpoint(tmp_path / "new", "run", n_saved=2)
    listings = run_with_listing(handler, tmp_path / "new", epochs=3, to_save={"model": model})
    assert listings == [["run_model_2.pt"], ["run_model_2.pt", "run_model_4.pt"], ["run_model_4.pt", "run_model_6.pt"]]
    assert handler.last_checkpoint == tmp_path / "new" / "run_model_6.pt"


def test_model_checkpoint_require_empty_and_create_dir(tmp_path: Path) -> None:
    (tmp_path / "old.pt").write_bytes(b"")
    with pytest.raises(ValueError, match=r"Argument dirname should name a directory without '.pt' files.*old.pt"):
        ModelCheckpoint(tmp_path, "run")
    ModelCheckpoint(tmp_path, "run", require_empty=False)
    with pytest.raises(ValueError, match="Argument dirname should be an existing directory"):
        ModelCheckpoint(tmp_path / "missing", "run", create_dir=False)
    with pytest.raises(ValueError, match="save_as_state_dict"):
        ModelCheckpoint(tmp_path / "x", save_as_state_dict=False)


def test_model_checkpoint_call_errors(tmp_path: Path) -> None:
    handler = ModelCheckpoint(tmp_path, "run")
    engine = Engine(lambda engine, batch: None)
    with pytest.raises(TypeError, match=r"Argument to_save\['m'\] should have a `state_dict` method"):
        handler(engine, {"m": 3})
    with pytest.raises(RuntimeError, match="No objects to checkpoint"):
        handler(engine, {})
