"""NeptuneLogger and NeptuneSaver on the real neptune client, in its local modes (the hosted service has shut down).

Offline runs are read back from the operation log the client writes under ``$NEPTUNE_DATA_DIRECTORY/offline/``.
"""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from torch import nn

from ignite.contrib.handlers import neptune_logger as neptune_module
from ignite.contrib.handlers.neptune_logger import (
    GradsScalarHandler,
    NeptuneLogger,
    NeptuneSaver,
    WeightsScalarHandler,
    global_step_from_engine,
)
from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint

# The shared helper of tests/_support, on sys.path through tests/conftest.py.
_backends = importlib.import_module("_backends")

# Everything the client would start besides the operation log: no threads watching the machine, no git, no sources.
_QUIET: dict[str, Any] = {
    "capture_hardware_metrics": False,
    "capture_stdout": False,
    "capture_stderr": False,
    "capture_traceback": False,
    "git_ref": False,
    "source_files": [],
}


@pytest.fixture
def neptune(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The neptune module, with its data folder in ``tmp_path / ".neptune"`` and no token or project around."""
    with warnings.catch_warnings():
        # neptune's swagger dependencies use jsonschema APIs deprecated upstream; nothing ignite can act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        module = _backends.require("neptune")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEPTUNE_DATA_DIRECTORY", str(tmp_path / ".neptune"))
    for name in ("NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT", "NEPTUNE_MODE"):
        monkeypatch.delenv(name, raising=False)
    yield module


@dataclass
class OfflineRun:
    series: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)


def _read_offline(data_dir: Path) -> OfflineRun:
    """Replay the operation log of the single offline run under ``data_dir``."""
    [run_dir] = (data_dir / "offline").iterdir()
    run = OfflineRun()
    logs = sorted(run_dir.glob("data-*.log"), key=lambda p: int(p.stem.split("-")[1]))
    for log in logs:
        for line in log.read_text().splitlines():
            if not line.strip():
                continue
            op = json.loads(line)["obj"]
            path = "/".join(op["path"])
            kind = op["type"]
            if kind in ("LogFloats", "LogStrings"):
                run.series.setdefault(path, []).extend((int(v["step"]), v["value"]) for v in op["values"])
            elif kind.startswith("Assign"):
                run.fields[path] = op["value"]
            elif kind == "UploadFile":
                run.files[path] = (run_dir / "upload_path" / op["tmp_file_name"]).read_bytes()
            elif kind == "DeleteAttribute":
                run.deleted.append(path)
                run.files.pop(path, None)
                run.series.pop(path, None)
    return run


def _offline_logger(**kwargs: Any) -> NeptuneLogger:
    return NeptuneLogger(mode="offline", **_QUIET, **kwargs)


def _trainer(model: nn.Module, optimizer: torch.optim.Optimizer) -> Engine:
    def step(engine: Engine, batch: torch.Tensor) -> float:
        optimizer.zero_grad()
        loss = model(batch).pow(2).mean()
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return Engine(step)


def test_module_all_snapshot() -> None:
    assert sorted(neptune_module.__all__) == [
        "GradsScalarHandler",
        "NeptuneLogger",
        "NeptuneSaver",
        "OptimizerParamsHandler",
        "OutputHandler",
        "WeightsScalarHandler",
        "global_step_from_engine",
    ]


def test_offline_run_logs_series_with_steps(neptune: ModuleType, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = _trainer(model, optimizer)
    evaluator = Engine(lambda engine, batch: None)
    data = [torch.randn(4, 3) for _ in range(3)]
    losses: list[float] = []
    norms: list[tuple[float, float]] = []

    @evaluator.on(Events.EPOCH_COMPLETED)
    def compute(engine: Engine) -> None:
        engine.state.metrics = {"accuracy": 0.25 * trainer.state.epoch, "per_class": torch.tensor([1.0, 2.0])}

    with _offline_logger(name="offline-test") as logger:
        logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        logger.attach_output_handler(
            evaluator,
            Events.EPOCH_COMPLETED,
            tag="validation",
            metric_names="all",
            global_step_transform=global_step_from_engine(trainer),
        )
        logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        logger.attach(trainer, WeightsScalarHandler(model), Events.EPOCH_COMPLETED)
        logger.attach(trainer, GradsScalarHandler(model, tag="g", whitelist=["bias"]), Events.EPOCH_COMPLETED)

        @trainer.on(Events.ITERATION_COMPLETED)
        def record_loss(engine: Engine) -> None:
            losses.append(engine.state.output)

        @trainer.on(Events.EPOCH_COMPLETED)
        def validate_and_record(_: Engine) -> None:
            evaluator.run([0])
            assert model.bias.grad is not None
            norms.append((model.weight.norm().item(), model.bias.grad.norm().item()))

        logger["parameters/batch_size"] = 4
        trainer.run(data, max_epochs=2)

    run = _read_offline(tmp_path / ".neptune")
    assert run.fields["sys/name"] == "offline-test"
    assert run.fields["parameters/batch_size"] == 4
    assert run.series["training/loss"] == [(i + 1, pytest.approx(loss)) for i, loss in enumerate(losses)]
    assert len(losses) == 6
    assert run.series["validation/accuracy"] == [(1, 0.25), (2, 0.5)]
    assert run.series["validation/per_class/0"] == [(1, 1.0), (2, 1.0)]
    assert run.series["validation/per_class/1"] == [(1, 2.0), (2, 2.0)]
    assert run.series["lr/group_0"] == [(i, pytest.approx(0.1)) for i in range(1, 7)]
    assert run.series["weights_norm/weight"] == [(epoch + 1, pytest.approx(w)) for epoch, (w, _) in enumerate(norms)]
    assert run.series["g/grads_norm/bias"] == [(epoch + 1, pytest.approx(g)) for epoch, (_, g) in enumerate(norms)]
    assert "g/grads_norm/weight" not in run.series


def test_text_values_become_string_series(neptune: ModuleType, tmp_path: Path) -> None:
    engine = Engine(lambda e, b: None)

    @engine.on(Events.EPOCH_COMPLETED)
    def set_metrics(e: Engine) -> None:
        e.state.metrics = {"label": f"epoch-{e.state.epoch}", "score": 0.5}

    logger = _offline_logger()
    logger.attach_output_handler(engine, Events.EPOCH_COMPLETED, tag="val", metric_names="all")
    engine.run([0], max_epochs=2)
    logger.close()
    run = _read_offline(tmp_path / ".neptune")
    assert run.series["val/label"] == [(1, "epoch-1"), (2, "epoch-2")]
    assert run.series["val/score"] == [(1, 0.5), (2, 0.5)]


def test_logger_forwards_to_the_run(neptune: ModuleType) -> None:
    logger = _offline_logger()
    try:
        assert isinstance(logger.experiment, neptune.Run)
        logger["notes"] = "hello"
        assert logger.exists("notes")  # a method of the run, reached through the logger
        assert not logger.exists("missing")
        with pytest.raises(AttributeError):
            logger.no_such_method  # noqa: B018
    finally:
        logger.close()


def test_saver_with_checkpoint_uploads_and_removes(neptune: ModuleType, tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    trainer = _trainer(model, optimizer)
    states: dict[int, dict[str, torch.Tensor]] = {}

    with _offline_logger() as logger:
        checkpoint = Checkpoint({"model": model}, NeptuneSaver(logger), n_saved=2)
        trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)

        @trainer.on(Events.EPOCH_COMPLETED)
        def keep_state(engine: Engine) -> None:
            states[engine.state.iteration] = {k: v.clone() for k, v in model.state_dict().items()}

        trainer.run([torch.randn(3, 2), torch.randn(3, 2)], max_epochs=3)

    run = _read_offline(tmp_path / ".neptune")
    assert run.deleted == ["model_2.pt"]
    assert sorted(run.files) == ["model_4.pt", "model_6.pt"]
    for iteration in (4, 6):
        loaded = torch.load(io.BytesIO(run.files[f"model_{iteration}.pt"]), weights_only=True)
        assert loaded.keys() == states[iteration].keys()
        for key, value in states[iteration].items():
            torch.testing.assert_close(loaded[key], value)


def test_saver_rejects_other_loggers() -> None:
    with pytest.raises(TypeError, match="neptune_logger should be a NeptuneLogger, got str"):
        NeptuneSaver("not a logger")  # type: ignore[arg-type]


def test_debug_mode_keeps_nothing_on_disk(neptune: ModuleType, tmp_path: Path) -> None:
    trainer = Engine(lambda engine, batch: 1.5 * engine.state.iteration)
    with NeptuneLogger(mode="debug", capture_hardware_metrics=False) as logger:
        logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda o: o)
        trainer.run([0, 1, 2], max_epochs=1)
        assert logger["t/output"].fetch_last() == 4.5
        assert logger["t/output"].fetch_values()["value"].tolist() == [1.5, 3.0, 4.5]
    # The client makes an empty folder even in debug mode; what matters is that no operation was stored.
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_token_required_outside_local_modes(neptune: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"api_token is required in mode 'async'.*mode='offline'"):
        NeptuneLogger(mode="async", project="ws/proj")
    monkeypatch.setenv("NEPTUNE_MODE", "sync")
    with pytest.raises(ValueError, match="api_token is required in mode 'sync'"):
        NeptuneLogger(project="ws/proj")


def test_bad_arguments(neptune: ModuleType) -> None:
    with pytest.raises(ValueError, match=r"mode should be one of .* got 'local'"):
        NeptuneLogger(mode="local")
    with pytest.raises(TypeError, match="api_token should be a str or None, got int"):
        NeptuneLogger(api_token=123, mode="offline")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="project should be a str or None, got list"):
        NeptuneLogger(project=["a"], mode="offline")  # type: ignore[arg-type]


def test_histograms_and_images_are_refused(neptune: ModuleType) -> None:
    assert "WeightsHistHandler" not in neptune_module.__all__
    with NeptuneLogger(mode="debug", capture_hardware_metrics=False) as logger:
        with pytest.raises(NotImplementedError, match="NeptuneLogger cannot log histograms"):
            logger.backend.log_histogram("w", torch.zeros(3), 1)
        with pytest.raises(NotImplementedError, match="NeptuneLogger does not log images"):
            logger.backend.log_image("img", torch.zeros(3, 2, 2), 1)


def test_module_import_is_lazy_and_a_missing_client_gives_the_pip_command() -> None:
    # One interpreter for both checks: starting one (torch import) is the slow part.
    code = """
        import sys
        import ignite.contrib.handlers.neptune_logger
        print([m for m in sys.modules if m == "neptune" or m.startswith("neptune.")])
        sys.modules["neptune"] = None  # makes the import fail as if the package were not installed
        from ignite.contrib.handlers.neptune_logger import NeptuneLogger
        try:
            NeptuneLogger(mode="offline")
        except ModuleNotFoundError as error:
            print(error)
        """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr
    loaded, message = result.stdout.strip().splitlines()
    assert loaded == "[]"
    assert 'pip install "ignite-contrib-loggers[neptune]"' in message
