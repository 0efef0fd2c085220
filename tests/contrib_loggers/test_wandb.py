"""WandBLogger writes a real offline W&B run; the test reads the history rows back from its ``run-*.wandb`` file."""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from ignite.contrib.handlers import LoggerBackend
from ignite.contrib.handlers import wandb_logger as wandb_module
from ignite.contrib.handlers._memory import MemoryLogger
from ignite.contrib.handlers.wandb_logger import OptimizerParamsHandler, OutputHandler, WandBLogger
from ignite.engine import Engine, Events

# The shared helper of tests/_support, on sys.path through tests/conftest.py.
_backends = importlib.import_module("_backends")


@pytest.fixture()
def wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    # Offline, silent and with every path under tmp_path: nothing is sent or written elsewhere.
    for name, value in {
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(tmp_path),
        "WANDB_CONFIG_DIR": str(tmp_path / "config"),
        "WANDB_CACHE_DIR": str(tmp_path / "cache"),
        "WANDB_DATA_DIR": str(tmp_path / "data"),
        "WANDB_DISABLE_GIT": "true",
        "WANDB_DISABLE_CODE": "true",
    }.items():
        monkeypatch.setenv(name, value)
    return _backends.require("wandb")


def _records(path: Path) -> list[bytes]:
    """Payloads of the LevelDB-log records that a ``.wandb`` file is made of (32 KiB blocks, 7-byte headers)."""
    data = path.read_bytes()
    assert data[:4] == b":W&B", f"not a W&B run file: {data[:7]!r}"
    block, position, pending, records = 32768, 7, b"", []
    while position + 7 <= len(data):
        if block - position % block < 7:  # a block's tail too short for a header is padding
            position += block - position % block
            continue
        _, length, kind = struct.unpack("<IHB", data[position : position + 7])
        chunk = data[position + 7 : position + 7 + length]
        position += 7 + length
        if kind == 1:  # FULL
            records.append(chunk)
        elif kind == 2:  # FIRST
            pending = chunk
        elif kind == 3:  # MIDDLE
            pending += chunk
        elif kind == 4:  # LAST
            records.append(pending + chunk)
    return records


def _history(run_root: Path) -> list[tuple[int, dict[str, Any]]]:
    """``(step, {key: value})`` of each history row of the single offline run under ``run_root``, system keys
    (``_step``, ``_runtime``, ...) left out."""
    import wandb  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from wandb.proto import wandb_internal_pb2  # type: ignore[import-not-found,import-untyped,unused-ignore]

    # finish() returns before wandb-core has written the run file out; shutting the service down flushes it.
    wandb.teardown()
    [run_file] = run_root.glob("wandb/offline-run-*/run-*.wandb")
    rows = []
    for payload in _records(run_file):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        if record.WhichOneof("record_type") != "history":
            continue
        items = {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item}
        rows.append((record.history.step.num, {k: v for k, v in items.items() if not k.startswith("_")}))
    return rows


def test_trainer_evaluator_and_optimizer_rows(wandb: Any, tmp_path: Path) -> None:
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    trainer = Engine(lambda engine, batch: 0.25 * engine.state.iteration)
    evaluator = Engine(lambda engine, batch: None)

    @evaluator.on(Events.EPOCH_COMPLETED)
    def compute(engine: Engine) -> None:
        engine.state.metrics = {"accuracy": 0.1 * trainer.state.epoch, "best": "yes"}

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(_: Engine) -> None:
        evaluator.run([0])

    with WandBLogger(project="ignite-tests", dir=str(tmp_path), mode="offline", config={"lr": 0.5}) as logger:
        assert isinstance(logger.backend, LoggerBackend)
        assert logger.run is not None and logger.run.config["lr"] == 0.5  # module attributes through the logger
        logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        logger.attach_output_handler(
            evaluator,
            Events.EPOCH_COMPLETED,
            tag="validation",
            metric_names="all",
            global_step_transform=lambda *_: trainer.state.iteration,
            sync=True,
        )
        logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer, tag="opt")
        trainer.run([0, 1], max_epochs=2)
    assert wandb.run is None  # close() finished the run

    rows: dict[int, dict[str, Any]] = {}
    for step, values in _history(tmp_path):
        rows.setdefault(step, {}).update(values)
    assert sorted(rows) == [1, 2, 3, 4]
    for step in (1, 2, 3, 4):
        assert rows[step]["training/loss"] == 0.25 * step
        assert rows[step]["opt/lr/group_0"] == 0.5
    assert rows[2]["validation/accuracy"] == pytest.approx(0.1)
    assert rows[4]["validation/accuracy"] == pytest.approx(0.2)
    assert rows[4]["validation/best"] == "yes"
    assert "validation/accuracy" not in rows[1] and "validation/accuracy" not in rows[3]


def test_init_false_uses_the_run_started_by_the_user(wandb: Any, tmp_path: Path) -> None:
    run = wandb.init(project="ignite-tests", dir=str(tmp_path), mode="offline")
    logger = WandBLogger(init=False)
    assert logger.run is run
    handler = OutputHandler("eval", output_transform=lambda out: {"score": out}, sync=False)
    engine = Engine(lambda engine, batch: 3.5)
    engine.run([0], max_epochs=1)
    handler(engine, logger, Events.EPOCH_COMPLETED)
    logger.log({"direct": 7.0}, step=5)  # wandb.log reached through the logger
    logger.close()
    assert _history(tmp_path) == [(1, {"eval/score": 3.5}), (5, {"direct": 7.0})]


def test_handlers_fall_back_to_the_generic_backend_calls() -> None:
    optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.125)
    engine = Engine(lambda engine, batch: 2.0)
    engine.run([0, 1], max_epochs=1)
    logger = MemoryLogger()
    OutputHandler("t", output_transform=lambda out: out, sync=True)(engine, logger, Events.ITERATION_COMPLETED)
    OptimizerParamsHandler(optimizer, sync=True)(engine, logger, Events.ITERATION_COMPLETED)
    assert logger.backend.scalars == [("t/output", 2, 2.0), ("lr/group_0", 2, 0.125)]


def test_bad_arguments_and_unsupported_records() -> None:
    optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
    with pytest.raises(TypeError, match="Argument sync should be a bool or None, got str"):
        OutputHandler("t", output_transform=lambda out: out, sync="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Argument sync should be a bool or None, got int"):
        OptimizerParamsHandler(optimizer, sync=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Either metric_names, output_transform or state_attributes"):
        OutputHandler("t")
    with pytest.raises(TypeError, match="works only with a logger deriving from BaseLogger, got object"):
        OutputHandler("t", output_transform=lambda out: out)(Engine(lambda e, b: 0), object(), Events.STARTED)
    # These two raise before wandb is used, so a stand-in for the module is enough.
    backend = wandb_module._WandBBackend(SimpleNamespace(log=lambda data, step=None: None))
    with pytest.raises(NotImplementedError, match="WandBLogger does not log histograms"):
        backend.log_histogram("w", torch.zeros(3), 1)
    with pytest.raises(NotImplementedError, match="WandBLogger does not log images"):
        backend.log_image("i", torch.zeros(3, 2, 2), 1)


def test_missing_wandb_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)  # makes `import wandb` raise ImportError
    with pytest.raises(ModuleNotFoundError, match=r'pip install "ignite-contrib-loggers\[wandb\]"'):
        WandBLogger(mode="offline")


def test_module_does_not_import_wandb() -> None:
    code = textwrap.dedent(
        """
        import sys
        import ignite.contrib.handlers.wandb_logger
        assert "wandb" not in sys.modules, "wandb imported eagerly"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONWARNINGS": "error"})


def test_module_all_snapshot() -> None:
    assert sorted(wandb_module.__all__) == [
        "OptimizerParamsHandler",
        "OutputHandler",
        "WandBLogger",
        "global_step_from_engine",
    ]
