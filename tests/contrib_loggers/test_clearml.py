"""ClearMLLogger and ClearMLSaver on real offline ClearML tasks, read back from the offline session folder."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from ignite.contrib.handlers import LoggerBackend
from ignite.contrib.handlers import clearml_logger as clearml_module
from ignite.contrib.handlers.clearml_logger import (
    ClearMLLogger,
    ClearMLSaver,
    GradsHistHandler,
    WeightsHistHandler,
    WeightsScalarHandler,
)
from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint

# clearml's configuration parser (pyhocon) calls pyparsing names that pyparsing 3.3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*:DeprecationWarning")

# No subprocess reporter (its shutdown blocks) and no background monitors; offline mode keeps it off the network.
_CONFIG = """
sdk {
  development {
    report_use_subprocess: false
    worker_stats: false
  }
}
"""
# Switch off what a test does not need: framework patching (torch.save), stream capture, resource monitoring.
_QUIET_TASK = {"auto_connect_frameworks": False, "auto_connect_streams": False, "auto_resource_monitoring": False}


# The shared helper of tests/_support, on sys.path through tests/conftest.py.
_backends = importlib.import_module("_backends")


@pytest.fixture(scope="module")
def clearml(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # clearml reads its configuration once per process, so the whole module shares one offline home.
    home = tmp_path_factory.mktemp("clearml_home")
    (home / "clearml.conf").write_text(_CONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))  # ~/.clearml/.session.json
        patch.setenv("CLEARML_CONFIG_FILE", str(home / "clearml.conf"))
        patch.setenv("CLEARML_CACHE_DIR", str(home / "cache"))  # the offline sessions
        patch.delenv("CI", raising=False)
        patch.setattr(ClearMLLogger, "_bypass", None)
        module = _backends.require("clearml")
        module.Task.set_offline(True)
        yield module


def _events(task: Any) -> list[dict[str, Any]]:
    folder = Path(task.get_offline_mode_folder())
    return [event for line in (folder / "metrics.jsonl").read_text().splitlines() for event in json.loads(line)]


def _scalars(events: list[dict[str, Any]]) -> dict[tuple[str, str], list[tuple[int, float]]]:
    found: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for event in events:
        if event["type"] == "training_stats_scalar":
            found.setdefault((event["metric"], event["variant"]), []).append((event["iter"], event["value"]))
    return found


def test_scalars_histograms_and_forwarding(clearml: Any) -> None:
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

    def step(engine: Engine, batch: Any) -> float:
        optimizer.zero_grad()
        loss = model(torch.ones(1, 3)).sum()
        loss.backward()
        return 0.25 * engine.state.iteration

    trainer = Engine(step)
    with ClearMLLogger(project_name="ignite-tests", task_name="scalars", **_QUIET_TASK) as logger:
        task = logger.get_task()
        assert isinstance(logger.backend, LoggerBackend)
        assert task.name == "scalars" and task.task_type == clearml.Task.TaskTypes.training
        logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        logger.attach(trainer, WeightsScalarHandler(model), Events.EPOCH_COMPLETED)
        logger.attach(trainer, WeightsHistHandler(model, tag="m"), Events.EPOCH_COMPLETED)
        logger.attach(trainer, GradsHistHandler(model, whitelist=["bias"]), Events.EPOCH_COMPLETED)
        trainer.run([0, 1], max_epochs=2)
        logger.report_scalar(title="direct", series="value", value=7.0, iteration=9)  # clearml.Logger forwarding
        image = torch.zeros(3, 2, 5)
        image[0] = 1.0  # pure red
        logger.backend.log_image("samples/red", image, 3)
        logger.backend.log_text("notes", "hello clearml", 4)
        logger.backend.log_histogram("diverged/w", torch.tensor([1.0, float("nan"), 3.0, float("inf")]), 5)
        with pytest.raises(AttributeError):
            logger.no_such_method  # noqa: B018
    task.close()

    events = _events(task)
    scalars = _scalars(events)
    assert scalars[("training", "loss")] == [(i, 0.25 * i) for i in range(1, 5)]
    assert scalars[("lr", "group_0")] == [(i, 0.5) for i in range(1, 5)]
    assert [s for s, _ in scalars[("weights_norm", "weight")]] == [1, 2]  # epochs
    assert scalars[("weights_norm", "weight")][-1][1] == pytest.approx(model.weight.norm().item())
    assert scalars[("direct", "value")] == [(9, 7.0)]

    plots = {(e["metric"], e["variant"], e["iter"]): json.loads(e["plot_str"]) for e in events if e["type"] == "plot"}
    assert set(plots) == {(t, s, i) for t, s in [("m/weights", "weight"), ("m/weights", "bias"), ("grads", "bias")]
                          for i in (1, 2)} | {("diverged", "w", 5)}  # fmt: skip
    [finite] = plots[("diverged", "w", 5)]["data"]
    assert sum(finite["y"]) == 2 and 1.0 <= min(finite["x"]) <= max(finite["x"]) <= 3.0  # NaN/inf left out
    [data] = plots[("m/weights", "weight", 2)]["data"]
    assert sum(data["y"]) == model.weight.numel()
    assert model.weight.min().item() <= min(data["x"]) <= max(data["x"]) <= model.weight.max().item()
    assert model.bias.grad is not None
    [grad_data] = plots[("grads", "bias", 2)]["data"]
    assert sum(grad_data["y"]) == 2

    [image_event] = [e for e in events if e["type"] == "training_debug_image"]
    assert (image_event["metric"], image_event["variant"], image_event["iter"]) == ("samples", "red", 3)
    from PIL import Image  # type: ignore[import-not-found,import-untyped,unused-ignore]  # clearml depends on Pillow

    with Image.open(image_event["url"]) as decoded:
        assert decoded.size == (5, 2)
        pixel: Any = decoded.convert("RGB").getpixel((2, 1))
    red, green, blue = pixel
    assert red > 200 and green < 60 and blue < 60  # JPEG is lossy: about pure red
    log_lines = (Path(task.get_offline_mode_folder()) / "log.jsonl").read_text()
    assert "notes [4]: hello clearml" in log_lines


def test_saver_registers_checkpoints_as_slot_artifacts(clearml: Any, tmp_path: Path) -> None:
    model = nn.Linear(2, 1)
    trainer = Engine(lambda engine, batch: None)
    logger = ClearMLLogger(project_name="ignite-tests", task_name="saver", **_QUIET_TASK)
    task = logger.get_task()
    saver = ClearMLSaver(logger, dirname=tmp_path / "ckpt")
    checkpoint = Checkpoint({"model": model}, saver, n_saved=2)

    @trainer.on(Events.EPOCH_COMPLETED)
    def change_weights(_: Engine) -> None:
        with torch.no_grad():
            model.weight.fill_(float(trainer.state.epoch))

    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.run([0], max_epochs=4)

    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == ["model_3.pt", "model_4.pt"]
    # Checkpoint writes the new file before removing the oldest, so n_saved + 1 slots are used; model_4.pt took the
    # slot that model_1.pt's removal freed, and model_2.pt's removal freed slot 1.
    assert saver._slots == {"model": ["model_4.pt", None, "model_3.pt"]}
    local = saver.get_local_copy("model_4.pt")
    assert local is not None
    assert torch.load(local, weights_only=True)["weight"].eq(4.0).all()
    assert saver.get_local_copy("model_2.pt") is None
    # A direct call without Checkpoint's metadata gets its own basename slots.
    with pytest.warns(UserWarning, match="no basename in the checkpoint metadata of 'extra.pt'"):
        saver({"w": torch.full((2,), 9.0)}, "extra.pt")
    assert saver._slots["checkpoint"] == ["extra.pt"]
    task.close()

    exported = json.loads((Path(task.get_offline_mode_folder()) / "task.json").read_text())
    artifacts = {a["key"]: a for a in exported["execution"]["artifacts"]}
    assert set(artifacts) == {"model_0.pt", "model_1.pt", "model_2.pt", "checkpoint_0.pt"}
    holds = {key: dict(artifact["display_data"])["filename"] for key, artifact in artifacts.items()}
    assert holds == {
        "model_0.pt": "model_4.pt",
        "model_1.pt": "model_2.pt",
        "model_2.pt": "model_3.pt",
        "checkpoint_0.pt": "extra.pt",
    }
    assert dict(artifacts["model_2.pt"]["display_data"])["basename"] == "model"
    for key, epoch in (("model_0.pt", 4.0), ("model_2.pt", 3.0)):
        assert torch.load(artifacts[key]["uri"], weights_only=True)["weight"].eq(epoch).all()


def test_saver_temporary_dirname_and_argument_errors(clearml: Any) -> None:
    with pytest.raises(TypeError, match="Argument logger should be a ClearMLLogger or None, got object"):
        ClearMLSaver(object())  # type: ignore[arg-type]
    logger = ClearMLLogger(project_name="ignite-tests", task_name="tmpdir", **_QUIET_TASK)
    uploads = str(Path(os.environ["CLEARML_CACHE_DIR"]) / "uploads")
    os.makedirs(uploads, exist_ok=True)  # clearml checks that a local output_uri exists and is writable
    with pytest.warns(UserWarning, match="temporary checkpoints directory"):
        saver = ClearMLSaver(output_uri=uploads)
    assert saver._task is logger.get_task()  # Task.current_task() when no logger is given
    assert logger.get_task().output_uri == Path(uploads).as_uri()
    assert saver.dirname.name.startswith("ignite_checkpoints_") and saver.dirname.is_dir()
    saver.dirname.rmdir()
    logger.get_task().close()


def test_bypass_mode(clearml: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ClearMLLogger, "_bypass", None)  # restored after the test, whatever set_bypass_mode did
    monkeypatch.setenv("CI", "true")
    assert ClearMLLogger.bypass_mode()  # the CI default
    ClearMLLogger.set_bypass_mode(False)
    assert not ClearMLLogger.bypass_mode()
    ClearMLLogger.set_bypass_mode(True)
    with pytest.raises(TypeError, match="Argument bypass should be a bool, got str"):
        ClearMLLogger.set_bypass_mode("yes")  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="bypass mode is on"):
        logger = ClearMLLogger(project_name="ignite-tests", task_name="bypassed")
    assert logger.get_task().id == ""
    engine = Engine(lambda engine, batch: 1.0)
    logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda out: out)
    engine.run([0], max_epochs=1)  # reports go nowhere, without error
    logger.close()


def test_missing_clearml_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "clearml", None)  # makes `import clearml` raise ImportError
    with pytest.raises(ModuleNotFoundError, match=r'pip install "ignite-contrib-loggers\[clearml\]"'):
        ClearMLLogger(project_name="p")
    with pytest.raises(ModuleNotFoundError, match=r"ClearMLSaver needs the clearml package"):
        ClearMLSaver()


def test_module_does_not_import_clearml() -> None:
    code = textwrap.dedent(
        """
        import sys
        import ignite.contrib.handlers.clearml_logger
        assert "clearml" not in sys.modules, "clearml imported eagerly"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONWARNINGS": "error"})


def test_module_all_snapshot() -> None:
    assert sorted(clearml_module.__all__) == [
        "ClearMLLogger",
        "ClearMLSaver",
        "GradsHistHandler",
        "GradsScalarHandler",
        "OptimizerParamsHandler",
        "OutputHandler",
        "WeightsHistHandler",
        "WeightsScalarHandler",
        "global_step_from_engine",
    ]
