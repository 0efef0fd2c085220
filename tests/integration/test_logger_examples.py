"""examples/loggers/*: each logger example run in a subprocess against its real backend, and the values read back.

The TensorBoard one runs everywhere (tensorboard is in the dev group). The others need their backend, imported
through ``_backends.require``: skipped where it is missing, a failure where ``IGNITE_TEST_BACKENDS=required``
(``.build/tier-loggers/bin/python -m pytest tests/integration -k logger``). Every backend is kept local: offline modes,
a sqlite store, a Visdom server on 127.0.0.1 started here.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import warnings
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # type: ignore[import-untyped]

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))
_examples = importlib.import_module("_examples")
_backends = importlib.import_module("_backends")

EPOCHS = 2
ITERATIONS = EPOCHS * 24  # 768 training samples in batches of 32
LOGGED_STEPS = list(range(4, ITERATIONS + 1, 4))  # Events.ITERATION_COMPLETED(every=4)


def _run(script: str, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    stdout: str = _examples.run_example(f"loggers/{script}", "--epochs", str(EPOCHS), *args, cwd=tmp_path, env=env)
    assert float(re.search(r"validation accuracy ([0-9.]+)", stdout).group(1)) > 0.8  # type: ignore[union-attr]
    return stdout


def test_tensorboard(tmp_path: Path) -> None:
    _run("tensorboard_logger.py", tmp_path, "--log-dir", str(tmp_path / "tb"))
    accumulator = EventAccumulator(str(tmp_path / "tb"), size_guidance={"scalars": 0})
    accumulator.Reload()
    assert [e.step for e in accumulator.Scalars("training/loss")] == LOGGED_STEPS
    assert [e.step for e in accumulator.Scalars("validation/accuracy")] == list(range(1, EPOCHS + 1))
    assert [e.value for e in accumulator.Scalars("lr/group_0")] == pytest.approx([0.1] * len(LOGGED_STEPS))


def test_visdom(tmp_path: Path) -> None:
    _backends.require("visdom")
    server_module = importlib.import_module("_visdom_server")
    server = server_module.start_visdom_server(tmp_path / "visdom")
    try:
        env = "ignite_example"
        stdout = _run("visdom_logger.py", tmp_path, "--server", "127.0.0.1", "--port", str(server.port), "--env", env)
        assert f"127.0.0.1:{server.port} env {env}" in stdout
        saved = server.saved_env(env)
    finally:
        server.stop()
    titles = {window["title"]: window for window in saved["jsons"].values()}
    assert {"training/loss", "validation/accuracy", "validation/loss", "lr/group_0"} <= set(titles)
    [trace] = titles["validation/accuracy"]["content"]["data"]
    assert trace["x"] == list(range(1, EPOCHS + 1))


def test_neptune(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # jsonschema APIs used by neptune's dependencies
        _backends.require("neptune")
    data_dir = tmp_path / ".neptune"
    env = {"NEPTUNE_DATA_DIRECTORY": str(data_dir), "NEPTUNE_API_TOKEN": "", "NEPTUNE_PROJECT": "", "NEPTUNE_MODE": ""}
    _run("neptune_logger.py", tmp_path, env=env)
    [run_dir] = (data_dir / "offline").iterdir()
    steps: dict[str, list[int]] = {}
    for log in run_dir.glob("data-*.log"):
        for line in log.read_text().splitlines():
            if line.strip():
                operation = json.loads(line)["obj"]
                if operation["type"] == "LogFloats":
                    path = "/".join(operation["path"])
                    steps.setdefault(path, []).extend(int(v["step"]) for v in operation["values"])
    assert sorted(steps["training/loss"]) == LOGGED_STEPS
    assert sorted(steps["validation/accuracy"]) == list(range(1, EPOCHS + 1))
    assert "lr/group_0" in steps


def test_mlflow(tmp_path: Path) -> None:
    mlflow = _backends.require("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {"MLFLOW_ENABLE_TELEMETRY": "false", "DO_NOT_TRACK": "1"}
    stdout = _run("mlflow_logger.py", tmp_path, "--tracking-uri", uri, env=env)
    run_id = re.search(r" run ([0-9a-f]+)$", stdout, flags=re.MULTILINE).group(1)  # type: ignore[union-attr]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # sqlalchemy deprecations inside mlflow's store
        client = mlflow.tracking.MlflowClient(uri)
        run = client.get_run(run_id)
        history = client.get_metric_history(run_id, "training loss")
        accuracy = client.get_metric_history(run_id, "validation accuracy")
    assert run.data.params == {"epochs": str(EPOCHS), "lr": "0.1"}
    assert sorted(m.step for m in history) == LOGGED_STEPS
    assert sorted(m.step for m in accuracy) == list(range(1, EPOCHS + 1))


def test_wandb(tmp_path: Path) -> None:
    _backends.require("wandb")
    env = {
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_CONFIG_DIR": str(tmp_path / "config"),
        "WANDB_CACHE_DIR": str(tmp_path / "cache"),
        "WANDB_DATA_DIR": str(tmp_path / "data"),
        "WANDB_DISABLE_GIT": "true",
        "WANDB_DISABLE_CODE": "true",
    }
    _run("wandb_logger.py", tmp_path, "--dir", str(tmp_path / "runs"), env=env)
    [run_file] = (tmp_path / "runs" / "wandb").glob("offline-run-*/run-*.wandb")
    data = run_file.read_bytes()
    # The run file is a log of protobuf records: the logged keys appear in it verbatim.
    for key in (b"training/loss", b"validation/accuracy", b"lr/group_0"):
        assert key in data, key


def test_clearml(tmp_path: Path) -> None:
    _backends.require("clearml")
    home = tmp_path / "home"
    home.mkdir()
    # No subprocess reporter and no worker statistics: the offline task then closes promptly.
    (home / "clearml.conf").write_text(
        "sdk {\n  development {\n    report_use_subprocess: false\n    worker_stats: false\n  }\n}\n"
    )
    env = {
        "HOME": str(home),
        "CLEARML_CONFIG_FILE": str(home / "clearml.conf"),
        "CLEARML_CACHE_DIR": str(home / "cache"),
        "CI": "",
    }
    stdout = _run("clearml_logger.py", tmp_path, env=env)
    folder = Path(re.search(r"^logged to: (.+)$", stdout, flags=re.MULTILINE).group(1))  # type: ignore[union-attr]
    events = [e for line in (folder / "metrics.jsonl").read_text().splitlines() for e in json.loads(line)]
    scalars: dict[tuple[str, str], list[int]] = {}
    for event in events:
        if event["type"] == "training_stats_scalar":
            scalars.setdefault((event["metric"], event["variant"]), []).append(event["iter"])
    assert sorted(scalars[("training", "loss")]) == LOGGED_STEPS
    assert sorted(scalars[("validation", "accuracy")]) == list(range(1, EPOCHS + 1))
