"""The ``setup_*_logging`` helpers of ``ignite.contrib.engines.common``, each against its real backend.

One short run per backend and per case (a single optimizer and evaluator, or dicts of them) with a RunningAverage
"loss"; what the backend stored is read back with the readers of the per-backend test files, keyed by Ignite's tag
names (``"training/loss"``, ``"generator/lr/group_0"``, ``"validation/accuracy"``, ...), values and steps compared.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import pytest
import torch
from torch import nn

from ignite.contrib.engines import common
from ignite.contrib.handlers.base_logger import BaseLogger
from ignite.engine import Engine, Events
from ignite.metrics import RunningAverage

Series = list[tuple[int, float]]
Reader = Callable[[str], Series]

LOG_EVERY = 2
DATA = [1.0, 3.0, 2.0, 5.0]  # one epoch: 4 iterations; the runs last 2 epochs
EPOCHS = 2
ITERATIONS = len(DATA) * EPOCHS


def _sibling(name: str) -> ModuleType:
    # The test folder is not a package (importlib mode): the helpers next to this file are loaded by path.
    key = f"contrib_loggers.{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


# Shared helpers of tests/_support, on sys.path through tests/conftest.py.
_backends = importlib.import_module("_backends")


class Driver(Protocol):
    """How one backend is set up through its ``setup_*_logging`` and read back after the run."""

    def setup(self, trainer: Engine, optimizers: Any, evaluators: Any) -> BaseLogger: ...

    def read(self, logger: Any) -> Reader: ...


@dataclass
class _Tensorboard:
    root: Path

    def setup(self, trainer: Engine, optimizers: Any, evaluators: Any) -> BaseLogger:
        return common.setup_tb_logging(str(self.root), trainer, optimizers, evaluators, log_every_iters=LOG_EVERY)

    def read(self, logger: Any) -> Reader:
        from tensorboard.backend.event_processing.event_accumulator import (  # type: ignore[import-untyped]
            EventAccumulator,
        )

        accumulator = EventAccumulator(str(self.root), size_guidance={"scalars": 0})
        accumulator.Reload()
        tags = set(accumulator.Tags()["scalars"])
        return lambda key: [(e.step, e.value) for e in accumulator.Scalars(key)] if key in tags else []


@dataclass
class _Visdom:
    server: Any
    env: str

    def setup(self, trainer: Engine, optimizers: Any, evaluators: Any) -> BaseLogger:
        return common.setup_visdom_logging(
            trainer, optimizers, evaluators, LOG_EVERY, server="127.0.0.1", port=self.server.port, env=self.env
        )

    def read(self, logger: Any) -> Reader:
        def series(key: str) -> Series:
            if key not in logger.backend.windows:
                return []
            [trace] = self.server.window_data(logger.backend.windows[key], self.env)["content"]["data"]
            return list(zip(trace["x"], trace["y"], strict=True))

        return series


@dataclass
class _MLflow:
    store: str
    run_id: str = ""

    def setup(self, trainer: Engine, optimizers: Any, evaluators: Any) -> BaseLogger:
        logger = common.setup_mlflow_logging(trainer, optimizers, evaluators, LOG_EVERY, tracking_uri=self.store)
        self.run_id = logger.active_run.info.run_id
        return logger

    def read(self, logger: Any) -> Reader:
        client = importlib.import_module("mlflow").tracking.MlflowClient(self.store)
        # The MLflow handlers join the parts of a name with spaces: "training loss", "generator lr group_0".
        return lambda key: [(m.step, m.value) for m in client.get_metric_history(self.run_id, key.replace("/", " "))]


@dataclass
class _Neptune:
    data_dir: Path

    def setup(self, trainer: Engine, optimizers: Any, evaluators: Any) -> BaseLogger:
        quiet: dict[str, Any] = _sibling("test_neptune")._QUIET
        return common.setup_neptune_logging(trainer, optimizers, evaluators, LOG_EVERY, mode="offline", **quiet)

    def read(self, logger: Any) -> Reader:
        run = _sibling("test_neptune")._read_offline(self.data_dir)
        return lambda key: list(run.series.get(key, []))


@dataclass
class _WandB:
    root: Path

    def setup(self, trainer: Engine, optimizers: Any, evaluators: Any) -> BaseLogger:
        return common.setup_wandb_logging(
            trainer, optimizers, evaluators, LOG_EVERY, project="ignite-tests", dir=str(self.root), mode="offline"
        )

    def read(self, logger: Any) -> Reader:
        rows: dict[int, dict[str, Any]] = {}
        for step, values in _sibling("test_wandb")._history(self.root):
            rows.setdefault(step, {}).update(values)
        return lambda key: [(step, rows[step][key]) for step in sorted(rows) if key in rows[step]]


@dataclass
class _ClearML:
    task_name: str

    def setup(self, trainer: Engine, optimizers: Any, evaluators: Any) -> BaseLogger:
        quiet: dict[str, Any] = _sibling("test_clearml")._QUIET_TASK
        return common.setup_clearml_logging(
            trainer, optimizers, evaluators, LOG_EVERY, project_name="ignite-tests", task_name=self.task_name, **quiet
        )

    def read(self, logger: Any) -> Reader:
        task = logger.get_task()
        task.close()
        helpers = _sibling("test_clearml")
        scalars = helpers._scalars(helpers._events(task))
        # ClearML splits a name at its last "/" into the plot's title and the series.
        return lambda key: list(scalars.get(tuple(key.rsplit("/", 1)), []))


# ---------------------------------------------------------------------------------------------- backend fixtures


@pytest.fixture
def tensorboard_driver(tmp_path: Path) -> Driver:
    _backends.require("tensorboard")
    return _Tensorboard(tmp_path / "tb")


@pytest.fixture(scope="module")
def visdom_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _backends.require("visdom")
    running = importlib.import_module("_visdom_server").start_visdom_server(tmp_path_factory.mktemp("visdom"))
    yield running
    running.stop()


@pytest.fixture
def visdom_driver(visdom_server: Any, request: pytest.FixtureRequest) -> Driver:
    return _Visdom(visdom_server, re.sub(r"[^A-Za-z0-9]+", "_", request.node.name))


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_ENABLE_TELEMETRY", "false")
        patch.setenv("DO_NOT_TRACK", "1")
        patch.chdir(root)  # a default ./mlruns artifact folder would land here
        mlflow = _backends.require("mlflow")
        uri = f"sqlite:///{root / 'mlflow.db'}"
        with warnings.catch_warnings():
            # mlflow's sqlalchemy models use a loader strategy that sqlalchemy 2.1 deprecates.
            warnings.simplefilter("ignore", DeprecationWarning)
            mlflow.tracking.MlflowClient(uri).search_experiments()
        yield uri
        mlflow.end_run()


@pytest.fixture
def mlflow_driver(mlflow_store: str) -> Iterator[Driver]:
    yield _MLflow(mlflow_store)
    importlib.import_module("mlflow").end_run()  # a failed test must not leave its run active


@pytest.fixture
def neptune_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Driver:
    with warnings.catch_warnings():
        # neptune's swagger dependencies use jsonschema APIs deprecated upstream.
        warnings.simplefilter("ignore", DeprecationWarning)
        _backends.require("neptune")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEPTUNE_DATA_DIRECTORY", str(tmp_path / ".neptune"))
    for name in ("NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT", "NEPTUNE_MODE"):
        monkeypatch.delenv(name, raising=False)
    return _Neptune(tmp_path / ".neptune")


@pytest.fixture
def wandb_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Driver:
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
    _backends.require("wandb")
    return _WandB(tmp_path)


@pytest.fixture(scope="module")
def clearml_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # clearml reads its configuration once per process: one offline home for the module, as in test_clearml.py.
    home = tmp_path_factory.mktemp("clearml_home")
    (home / "clearml.conf").write_text(_sibling("test_clearml")._CONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("CLEARML_CONFIG_FILE", str(home / "clearml.conf"))
        patch.setenv("CLEARML_CACHE_DIR", str(home / "cache"))
        patch.delenv("CI", raising=False)  # CI turns on ClearML's bypass mode, which logs nothing
        patch.setattr("ignite.contrib.handlers.clearml_logger.ClearMLLogger._bypass", None)
        module = _backends.require("clearml")
        module.Task.set_offline(True)
        yield module


@pytest.fixture
def clearml_driver(clearml_home: Any, request: pytest.FixtureRequest) -> Driver:
    return _ClearML(re.sub(r"[^A-Za-z0-9]+", "_", request.node.name))


# ------------------------------------------------------------------------------------------------------- the run


@dataclass
class Run:
    losses: dict[int, float]  # the trainer's RunningAverage "loss" after each iteration
    base_lrs: dict[str | None, float]  # the lr of each optimizer is base * iteration
    scores: dict[str, float]  # the accuracy of each evaluator is score * trainer epoch


def _run(driver: Driver, dicts: bool) -> tuple[Run, Reader]:
    model = nn.Linear(2, 1)
    base_lrs: dict[str | None, float] = {"generator": 0.1, "discriminator": 0.01} if dicts else {None: 0.1}
    optimizers = {tag: torch.optim.SGD(model.parameters(), lr=lr) for tag, lr in base_lrs.items()}
    scores = {"train": 0.1, "validation": 0.2} if dicts else {"validation": 0.1}
    trainer = Engine(lambda engine, batch: batch)
    RunningAverage(output_transform=lambda out: out).attach(trainer, "loss")
    losses: dict[int, float] = {}

    @trainer.on(Events.ITERATION_STARTED)
    def schedule(engine: Engine) -> None:
        # Registered before the logger's handlers: the lr logged at iteration i is base * i.
        for tag, optimizer in optimizers.items():
            optimizer.param_groups[0]["lr"] = base_lrs[tag] * engine.state.iteration

    @trainer.on(Events.ITERATION_COMPLETED)
    def record(engine: Engine) -> None:
        losses[engine.state.iteration] = float(engine.state.metrics["loss"])

    evaluators = {tag: _evaluator(trainer, score) for tag, score in scores.items()}

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(_: Engine) -> None:
        for evaluator in evaluators.values():
            evaluator.run([0])

    optimizers_arg: Any = optimizers if dicts else optimizers[None]
    evaluators_arg: Any = evaluators if dicts else evaluators["validation"]
    with driver.setup(trainer, optimizers_arg, evaluators_arg) as logger:
        trainer.run(DATA, max_epochs=EPOCHS)
    return Run(losses, base_lrs, scores), driver.read(logger)


def _evaluator(trainer: Engine, score: float) -> Engine:
    evaluator = Engine(lambda engine, batch: None)

    @evaluator.on(Events.EPOCH_COMPLETED)
    def compute(engine: Engine) -> None:
        engine.state.metrics["accuracy"] = score * trainer.state.epoch

    return evaluator


def _approx(series: Series) -> list[tuple[int, Any]]:
    # TensorBoard and ClearML store float32; steps must match exactly.
    return [(int(step), pytest.approx(value, rel=1e-6)) for step, value in series]


_CLEARML_WARNINGS = pytest.mark.filterwarnings("ignore:.*deprecated.*:DeprecationWarning")
BACKENDS = [
    "tensorboard",
    "visdom",
    "mlflow",
    "neptune",
    "wandb",
    pytest.param("clearml", marks=_CLEARML_WARNINGS),  # pyhocon calls pyparsing names that pyparsing 3.3 deprecates
]


@pytest.mark.parametrize("dicts", [False, True], ids=["single", "dicts"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_setup_logging_reads_back(backend: str, dicts: bool, request: pytest.FixtureRequest) -> None:
    driver: Driver = request.getfixturevalue(f"{backend}_driver")
    run, read = _run(driver, dicts)
    logged_iterations = range(LOG_EVERY, ITERATIONS + 1, LOG_EVERY)

    assert _approx(read("training/loss")) == [(i, run.losses[i]) for i in logged_iterations]
    assert len(set(run.losses.values())) == ITERATIONS  # the average moves: a wrong step would show

    for tag, base in run.base_lrs.items():
        key = "lr/group_0" if tag is None else f"{tag}/lr/group_0"
        assert _approx(read(key)) == [(i, base * i) for i in logged_iterations], key
    if dicts:
        assert read("lr/group_0") == []  # with a dict, every optimizer is logged under its key

    # Evaluations are logged at the trainer's epoch, except on W&B where steps must not go backwards: its iteration.
    per_epoch = ITERATIONS // EPOCHS if backend == "wandb" else 1
    for tag, score in run.scores.items():
        key = f"{tag}/accuracy"
        expected = [(epoch * per_epoch, score * epoch) for epoch in range(1, EPOCHS + 1)]
        assert _approx(read(key)) == expected, key


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"optimizers": 3}, TypeError, "optimizers should be an optimizer or a dict of optimizers, got int"),
        ({"optimizers": {"g": "sgd"}}, TypeError, "optimizers should map tags to torch optimizers, got str for 'g'"),
        ({"evaluators": [Engine(lambda e, b: None)]}, TypeError, "evaluators should be an Engine or a dict.*got list"),
        ({"evaluators": {"val": 1.5}}, TypeError, "evaluators should map tags to engines, got float for 'val'"),
        ({"log_every_iters": 0}, ValueError, "log_every_iters should be a positive int or None, got 0"),
        ({"log_every_iters": 2.5}, TypeError, "log_every_iters should be a positive int or None, got float"),
        ({"trainer": "trainer"}, TypeError, "trainer should be an ignite.engine.Engine, got str"),
    ],
)
def test_bad_arguments_fail_before_the_logger_exists(
    tensorboard_driver: Any, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    arguments: dict[str, Any] = {"trainer": Engine(lambda e, b: None), **kwargs}
    with pytest.raises(error, match=match):
        common.setup_tb_logging(str(tensorboard_driver.root), **arguments)
    assert not tensorboard_driver.root.exists()  # no event file was opened for a call that fails


def test_log_every_iters_none_logs_every_iteration(tensorboard_driver: Any) -> None:
    trainer = Engine(lambda engine, batch: batch)

    @trainer.on(Events.ITERATION_COMPLETED)
    def set_metric(engine: Engine) -> None:
        engine.state.metrics["loss"] = 10.0 * engine.state.iteration

    with common.setup_tb_logging(str(tensorboard_driver.root), trainer, log_every_iters=None) as logger:
        trainer.run([0, 1, 2], max_epochs=1)
    assert tensorboard_driver.read(logger)("training/loss") == [(1, 10.0), (2, 20.0), (3, 30.0)]


@_CLEARML_WARNINGS
def test_setup_trains_logging_is_the_old_name_of_the_clearml_helper(clearml_driver: Any) -> None:
    trainer = Engine(lambda engine, batch: batch)
    with pytest.warns(UserWarning, match="setup_trains_logging was renamed to setup_clearml_logging"):
        logger = common.setup_trains_logging(
            trainer, project_name="ignite-tests", task_name=clearml_driver.task_name, **_quiet_clearml()
        )
    assert type(logger).__name__ == "ClearMLLogger"
    with logger:
        trainer.run([0], max_epochs=1)
    logger.get_task().close()


def _quiet_clearml() -> Mapping[str, Any]:
    quiet: Mapping[str, Any] = _sibling("test_clearml")._QUIET_TASK
    return quiet
