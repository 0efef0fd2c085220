"""MLflowLogger on the real mlflow client with a local sqlite store, read back through ``MlflowClient``."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
import torch
from torch import nn

from ignite.contrib.handlers import mlflow_logger as mlflow_module
from ignite.contrib.handlers._memory import MemoryLogger
from ignite.contrib.handlers.mlflow_logger import (
    MLflowLogger,
    OptimizerParamsHandler,
    OutputHandler,
    global_step_from_engine,
)
from ignite.engine import Engine, Events

# The shared helper of tests/_support, on sys.path through tests/conftest.py.
_backends = importlib.import_module("_backends")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The tracking URI of one sqlite store per module: creating its tables (migrations) is the slow part."""
    root = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_ENABLE_TELEMETRY", "false")
        patch.setenv("DO_NOT_TRACK", "1")
        patch.chdir(root)  # a default ./mlruns artifact folder would land here
        mlflow = _backends.require("mlflow")
        uri = f"sqlite:///{root / 'mlflow.db'}"
        with warnings.catch_warnings():
            # mlflow's sqlalchemy models use a loader strategy that sqlalchemy 2.1 deprecates; nothing ignite can do.
            warnings.simplefilter("ignore", DeprecationWarning)
            mlflow.tracking.MlflowClient(uri).search_experiments()
        yield uri
        mlflow.end_run()


@pytest.fixture
def mlflow(store: str) -> Iterator[ModuleType]:
    module = importlib.import_module("mlflow")
    module.set_tracking_uri(store)
    yield module
    module.end_run()  # a failed test must not leave its run active for the next one


def _history(mlflow: ModuleType, run_id: str, key: str) -> list[tuple[int, Any]]:
    return [(m.step, m.value) for m in mlflow.tracking.MlflowClient().get_metric_history(run_id, key)]


def test_module_all_snapshot() -> None:
    assert sorted(mlflow_module.__all__) == [
        "MLflowLogger",
        "OptimizerParamsHandler",
        "OutputHandler",
        "global_step_from_engine",
    ]


def test_engine_run_is_read_back_with_steps(mlflow: ModuleType, store: str) -> None:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    def step(engine: Engine, batch: torch.Tensor) -> float:
        optimizer.zero_grad()
        loss = model(batch).pow(2).mean()
        loss.backward()
        optimizer.step()
        return float(loss.item())

    trainer = Engine(step)
    evaluator = Engine(lambda engine, batch: None)
    losses: list[float] = []

    @evaluator.on(Events.EPOCH_COMPLETED)
    def compute(engine: Engine) -> None:
        engine.state.metrics = {"accuracy": 0.25 * trainer.state.epoch, "per_class": torch.tensor([1.0, 3.0])}

    @trainer.on(Events.ITERATION_COMPLETED)
    def record(engine: Engine) -> None:
        losses.append(engine.state.output)

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(_: Engine) -> None:
        evaluator.run([0])

    assert mlflow.active_run() is None
    logger = MLflowLogger(tracking_uri=store)
    run_id = logger.active_run.info.run_id
    logger.log_params({"batch_size": 4, "model": "linear"})  # the mlflow module's function, through the logger
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
    logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer, tag="sgd")
    trainer.run([torch.randn(4, 3) for _ in range(3)], max_epochs=2)
    logger.close()

    assert mlflow.active_run() is None
    client = mlflow.tracking.MlflowClient()
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"batch_size": "4", "model": "linear"}
    assert _history(mlflow, run_id, "training loss") == [(i + 1, pytest.approx(v)) for i, v in enumerate(losses)]
    assert len(losses) == 6
    assert _history(mlflow, run_id, "validation accuracy") == [(1, 0.25), (2, 0.5)]
    assert _history(mlflow, run_id, "validation per_class 1") == [(1, 3.0), (2, 3.0)]
    assert _history(mlflow, run_id, "sgd lr group_0") == [(i, pytest.approx(0.05)) for i in range(1, 7)]
    assert set(run.data.metrics) == {
        "training loss",
        "validation accuracy",
        "validation per_class 0",
        "validation per_class 1",
        "sgd lr group_0",
    }


def test_invalid_names_and_text_are_skipped_with_warnings(mlflow: ModuleType, store: str) -> None:
    engine = Engine(lambda e, b: None)

    @engine.on(Events.EPOCH_COMPLETED)
    def set_metrics(e: Engine) -> None:
        e.state.metrics = {"ok": 1.5, "bad@name": 2.0, "a//b": 3.0, "label": "text"}

    with MLflowLogger(tracking_uri=store) as logger:
        run_id = logger.active_run.info.run_id
        logger.attach_output_handler(engine, Events.EPOCH_COMPLETED, tag="val", metric_names="all")
        with pytest.warns(UserWarning) as record:
            engine.run([0], max_epochs=1)

    messages = [str(w.message) for w in record]
    assert len(messages) == 3
    assert any("can not log values of type <class 'str'>" in m for m in messages)
    assert any("invalid metric name 'val bad@name'" in m for m in messages)
    assert any("invalid metric name 'val a//b'" in m for m in messages)
    assert set(mlflow.tracking.MlflowClient().get_run(run_id).data.metrics) == {"val ok"}
    assert _history(mlflow, run_id, "val ok") == [(1, 1.5)]


def test_an_active_run_is_reused_and_ended_by_close(mlflow: ModuleType, store: str) -> None:
    run = mlflow.start_run()
    logger = MLflowLogger()
    assert logger.active_run.info.run_id == run.info.run_id
    OptimizerParamsHandler(torch.optim.Adam(nn.Linear(1, 1).parameters(), lr=0.002))(
        _engine_at(iteration=7), logger, Events.ITERATION_STARTED
    )
    logger.close()
    assert mlflow.active_run() is None
    assert _history(mlflow, run.info.run_id, "lr group_0") == [(7, pytest.approx(0.002))]


def _engine_at(iteration: int) -> Engine:
    engine = Engine(lambda e, b: None)
    engine.state.iteration = iteration
    return engine


def test_handlers_need_an_mlflow_logger() -> None:
    engine = _engine_at(iteration=1)
    output = OutputHandler("t", output_transform=lambda o: 1.0)
    with pytest.raises(TypeError, match="'OutputHandler' works only with MLflowLogger, got MemoryLogger"):
        output(engine, MemoryLogger(), Events.ITERATION_COMPLETED)
    params = OptimizerParamsHandler(torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))
    with pytest.raises(TypeError, match="'OptimizerParamsHandler' works only with MLflowLogger"):
        params(engine, MemoryLogger(), Events.ITERATION_STARTED)


def test_bad_arguments_and_unsupported_records(mlflow: ModuleType, store: str) -> None:
    bad_uri: Any = 5
    with pytest.raises(TypeError, match="tracking_uri should be a str or None, got int"):
        MLflowLogger(tracking_uri=bad_uri)
    with MLflowLogger(tracking_uri=store) as logger:
        with pytest.raises(NotImplementedError, match="MLflowLogger logs numbers only, got text for 'note'"):
            logger.backend.log_text("note", "hi", 1)
        with pytest.raises(NotImplementedError, match="histogram for 'w'"):
            logger.backend.log_histogram("w", torch.zeros(2), 1)
        with pytest.raises(NotImplementedError, match="image for 'img'"):
            logger.backend.log_image("img", torch.zeros(3, 2, 2), 1)
        with pytest.raises(AttributeError):
            logger.no_such_function  # noqa: B018


def test_module_import_is_lazy_and_a_missing_mlflow_gives_the_pip_command() -> None:
    # One interpreter for both checks: starting one (torch import) is the slow part.
    code = """
        import sys
        import ignite.contrib.handlers.mlflow_logger
        print([m for m in sys.modules if m == "mlflow" or m.startswith("mlflow.")])
        sys.modules["mlflow"] = None  # makes the import fail as if the package were not installed
        from ignite.contrib.handlers.mlflow_logger import MLflowLogger
        try:
            MLflowLogger()
        except ModuleNotFoundError as error:
            print(error)
        """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr
    loaded, message = result.stdout.strip().splitlines()
    assert loaded == "[]"
    assert 'pip install "ignite-contrib-loggers[mlflow]"' in message
