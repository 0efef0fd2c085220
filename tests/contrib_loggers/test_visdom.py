"""VisdomLogger against a real Visdom server on 127.0.0.1 (started by the fixtures); values are read back from it."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from ignite.contrib.handlers import LoggerBackend, visdom_logger
from ignite.contrib.handlers.visdom_logger import (
    GradsScalarHandler,
    OptimizerParamsHandler,
    OutputHandler,
    VisdomLogger,
    WeightsScalarHandler,
    global_step_from_engine,
)
from ignite.engine import Engine, Events

# Shared helpers of tests/_support, on sys.path through tests/conftest.py.
_backends = importlib.import_module("_backends")
_server = importlib.import_module("_visdom_server")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _backends.require("visdom")
    running = _server.start_visdom_server(tmp_path_factory.mktemp("visdom"))
    yield running
    running.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Any]:
    """A server of the test's own, for tests that kill it."""
    _backends.require("visdom")
    running = _server.start_visdom_server(tmp_path / "visdom")
    yield running
    running.stop()


@pytest.fixture
def env(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", request.node.name)


def _logger(server: Any, env: str, **kwargs: Any) -> VisdomLogger:
    return VisdomLogger(server="127.0.0.1", port=server.port, env=env, **kwargs)


def _trace(server: Any, logger: VisdomLogger, tag: str, env: str) -> dict[str, Any]:
    [trace] = server.window_data(logger.backend.windows[tag], env)["content"]["data"]
    return dict(trace)


def _points(server: Any, logger: VisdomLogger, tag: str, env: str) -> list[tuple[float, float]]:
    trace = _trace(server, logger, tag, env)
    return list(zip(trace["x"], trace["y"], strict=True))


def _counting_trainer() -> Engine:
    return Engine(lambda engine, batch: 0.25 * engine.state.iteration)


def test_module_all_snapshot() -> None:
    assert sorted(visdom_logger.__all__) == [
        "GradsScalarHandler",
        "OptimizerParamsHandler",
        "OutputHandler",
        "VisdomLogger",
        "WeightsScalarHandler",
        "global_step_from_engine",
    ]
    # Visdom plots lines only: the histogram handlers are not offered.
    assert not hasattr(visdom_logger, "WeightsHistHandler") and not hasattr(visdom_logger, "GradsHistHandler")


def test_importing_the_module_does_not_import_visdom() -> None:
    code = textwrap.dedent(
        """
        import sys
        import ignite.contrib.handlers.visdom_logger
        assert "visdom" not in sys.modules, "visdom was imported"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_missing_visdom_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "visdom", None)  # makes `import visdom` fail as if it were not installed
    with pytest.raises(ModuleNotFoundError, match=r'pip install "ignite-contrib-loggers\[visdom\]"'):
        VisdomLogger(port=8097)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"server": 127}, TypeError, "server should be a str or None, got int"),
        ({"port": "8097"}, TypeError, "port should be an int or None, got str"),
        ({"port": True}, TypeError, "port should be an int or None, got bool"),
        ({"port": 70000}, ValueError, r"port should be in \[1, 65535\], got 70000"),
        ({"num_workers": -1}, ValueError, "num_workers should be a non-negative int, got -1"),
        ({"num_workers": 1.5}, ValueError, "num_workers should be a non-negative int, got 1.5"),
        ({"raise_exceptions": "no"}, TypeError, "raise_exceptions should be a bool, got str"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        VisdomLogger(**kwargs)


def test_bad_port_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISDOM_PORT", "eighty")
    with pytest.raises(ValueError, match="VISDOM_PORT should be an integer port, got 'eighty'"):
        VisdomLogger()


def test_handlers_check_show_legend() -> None:
    model = nn.Linear(2, 1)
    with pytest.raises(TypeError, match="show_legend should be a bool, got str"):
        OutputHandler("t", output_transform=lambda o: o, show_legend="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="show_legend should be a bool, got int"):
        WeightsScalarHandler(model, show_legend=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="show_legend should be a bool"):
        GradsScalarHandler(model, show_legend=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="show_legend should be a bool"):
        OptimizerParamsHandler(torch.optim.SGD(model.parameters(), lr=0.1), show_legend="no")  # type: ignore[arg-type]


def test_trainer_evaluator_optimizer_weights_and_grads(server: Any, env: str) -> None:
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

    def step(engine: Engine, batch: Any) -> float:
        optimizer.zero_grad()
        model(torch.ones(1, 2)).sum().backward()
        optimizer.step()
        return 0.25 * engine.state.iteration

    trainer = Engine(step)
    evaluator = Engine(lambda engine, batch: None)

    @evaluator.on(Events.EPOCH_COMPLETED)
    def compute(engine: Engine) -> None:
        engine.state.metrics = {"accuracy": 0.1 * trainer.state.epoch}

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(_: Engine) -> None:
        evaluator.run([0])

    with _logger(server, env) as logger:
        assert isinstance(logger.backend, LoggerBackend)
        logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        logger.attach_output_handler(
            evaluator,
            Events.EPOCH_COMPLETED,
            tag="validation",
            metric_names=["accuracy"],
            global_step_transform=global_step_from_engine(trainer),
        )
        logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        logger.attach(trainer, WeightsScalarHandler(model), Events.COMPLETED)
        logger.attach(trainer, GradsScalarHandler(model, tag="g"), Events.COMPLETED)
        trainer.run([0, 1, 2], max_epochs=2)

    assert _points(server, logger, "training/loss", env) == [(i, 0.25 * i) for i in range(1, 7)]
    validation = _points(server, logger, "validation/accuracy", env)
    assert [x for x, _ in validation] == [1, 2]
    assert [y for _, y in validation] == pytest.approx([0.1, 0.2])
    assert _points(server, logger, "lr/group_0", env) == [(i, 0.5) for i in range(1, 7)]
    [(x, norm)] = _points(server, logger, "weights_norm/weight", env)
    assert x == 2 and norm == pytest.approx(model.weight.norm().item())  # COMPLETED's step is the epoch
    assert model.bias.grad is not None
    [(x, grad_norm)] = _points(server, logger, "g/grads_norm/bias", env)
    assert x == 2 and grad_norm == pytest.approx(model.bias.grad.norm().item())

    window = server.window_data(logger.backend.windows["training/loss"], env)
    assert window["title"] == "training/loss"
    assert window["content"]["layout"]["xaxis"]["title"] == "ITERATION_COMPLETED"
    assert window["content"]["layout"]["showlegend"] is False
    assert _trace(server, logger, "training/loss", env)["name"] == "training/loss"
    # The environment is saved on the server, as Ignite does after each handler call.
    assert set(server.saved_env(env)["jsons"]) == set(logger.backend.windows.values())


def test_sync_mode_posts_before_the_handler_returns(server: Any, env: str) -> None:
    trainer = _counting_trainer()
    seen: list[list[float]] = []
    logger = _logger(server, env, num_workers=0)
    assert logger.backend.executor is None
    logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda o: o)

    @trainer.on(Events.ITERATION_COMPLETED)
    def read_back(_: Engine) -> None:
        seen.append(_trace(server, logger, "t/output", env)["x"])

    trainer.run(range(4), max_epochs=1)
    logger.close()
    assert seen == [[1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]


def test_pool_keeps_the_order_of_each_window(server: Any, env: str) -> None:
    trainer = Engine(lambda engine, batch: {f"m{k}": k * 100.0 + engine.state.iteration for k in range(5)})
    with _logger(server, env, num_workers=3) as logger:
        logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED, tag="p", output_transform=lambda o: o)
        trainer.run(range(25), max_epochs=1)
    for k in range(5):
        assert _points(server, logger, f"p/m{k}", env) == [(i, k * 100.0 + i) for i in range(1, 26)]


def test_pool_does_not_wait_for_a_slow_server_and_sync_does(server: Any, env: str) -> None:
    pool_logger = _logger(server, env, num_workers=1)
    sync_logger = _logger(server, f"{env}_sync", num_workers=0)
    pool_call = threading.Thread(target=pool_logger.backend.log_scalars, args=({"a": 1.0}, 1))
    sync_call = threading.Thread(target=sync_logger.backend.log_scalars, args=({"a": 2.0}, 1))
    os.kill(server.process.pid, signal.SIGSTOP)  # connections are accepted, but nothing is answered
    try:
        pool_call.start()
        pool_call.join(timeout=60)
        assert not pool_call.is_alive(), "log_scalars with a thread pool waited for the frozen server"
        sync_call.start()
        sync_call.join(timeout=1)
        assert sync_call.is_alive(), "log_scalars with num_workers=0 returned before the server answered"
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
    sync_call.join(timeout=60)
    assert not sync_call.is_alive()
    pool_logger.close()
    sync_logger.close()
    assert _points(server, pool_logger, "a", env) == [(1, 1.0)]
    assert _points(server, sync_logger, "a", f"{env}_sync") == [(1, 2.0)]


@pytest.mark.parametrize("num_workers", [0, 2])
def test_server_killed_mid_run_warns_once_and_training_completes(own_server: Any, env: str, num_workers: int) -> None:
    trainer = _counting_trainer()
    logger = _logger(own_server, env, num_workers=num_workers)
    logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda o: o)
    logger.attach_opt_params_handler(
        trainer, Events.ITERATION_COMPLETED, torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    )

    @trainer.on(Events.ITERATION_COMPLETED(once=3))
    def kill_server(_: Engine) -> None:
        logger.backend.flush()  # what was logged so far reaches the server before it dies
        own_server.stop()

    with pytest.warns(UserWarning) as record:
        state = trainer.run(range(4), max_epochs=2)
        logger.close()
    assert state.iteration == 8
    [warning] = record
    message = str(warning.message)
    assert f"Visdom server at {own_server.url}" in message and "training goes on" in message
    # The server saved the environment while it was alive: the three first points are there.
    saved = own_server.saved_env(env)["jsons"][logger.backend.windows["t/output"]]
    assert saved["content"]["data"][0]["x"] == [1, 2, 3]


def test_unreachable_at_construction(tmp_path: Path, env: str) -> None:
    _backends.require("visdom")
    port = _server.free_port()
    with pytest.raises(ConnectionError, match=rf"Visdom server at http://127\.0\.0\.1:{port}.*python -m visdom.server"):
        VisdomLogger(server="127.0.0.1", port=port, env=env)

    trainer = _counting_trainer()
    with pytest.warns(UserWarning, match=rf"could not reach the Visdom server at http://127\.0\.0\.1:{port}") as record:
        logger = VisdomLogger(server="127.0.0.1", port=port, env=env, raise_exceptions=False, num_workers=0)
        logger.backend.retry_after_s = 0.0  # try the server again on every post
        logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda o: o)
        trainer.run(range(2), max_epochs=1)  # posts fail: dropped
        # The server comes up: the logger uses it from then on.
        late_server = _server.start_visdom_server(tmp_path / "visdom", port=port)
        try:
            second = Engine(lambda engine, batch: 10.0 * engine.state.iteration)
            logger.attach_output_handler(second, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda o: o)
            second.run(range(2), max_epochs=1)
            logger.close()
            assert _points(late_server, logger, "t/output", env) == [(1, 10.0), (2, 20.0)]
        finally:
            late_server.stop()
    assert len(record) == 1


def test_text_values_and_unsupported_records(server: Any, env: str) -> None:
    evaluator = Engine(lambda engine, batch: None)

    @evaluator.on(Events.EPOCH_COMPLETED)
    def compute(engine: Engine) -> None:
        engine.state.metrics = {"acc": 0.5 * engine.state.epoch, "note": f"<epoch {engine.state.epoch}>"}

    with _logger(server, env) as logger:
        logger.attach_output_handler(evaluator, Events.EPOCH_COMPLETED, tag="val", metric_names="all")
        evaluator.run([0], max_epochs=3)
        with pytest.raises(NotImplementedError, match="VisdomLogger does not log histograms"):
            logger.backend.log_histogram("h", torch.zeros(3), 1)
        with pytest.raises(NotImplementedError, match="VisdomLogger does not log images"):
            logger.backend.log_image("i", torch.zeros(3, 2, 2), 1)
    assert _points(server, logger, "val/acc", env) == [(1, 0.5), (2, 1.0), (3, 1.5)]
    text = server.window_data(logger.backend.text_windows["val/note"], env)
    assert text["title"] == "val/note"
    assert text["content"] == "[1] &lt;epoch 1&gt;<br>[2] &lt;epoch 2&gt;<br>[3] &lt;epoch 3&gt;"


def test_show_legend_and_axis_label_of_filtered_events(server: Any, env: str) -> None:
    trainer = _counting_trainer()
    model = nn.Linear(2, 1)
    with _logger(server, env) as logger:
        logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED(every=2), tag="t", output_transform=lambda o: o, show_legend=True
        )
        logger.attach(trainer, WeightsScalarHandler(model, show_legend=True), Events.EPOCH_COMPLETED)
        trainer.run(range(4), max_epochs=1)
    output_window = server.window_data(logger.backend.windows["t/output"], env)
    assert output_window["content"]["layout"]["showlegend"] is True
    assert output_window["content"]["layout"]["xaxis"]["title"] == "ITERATION_COMPLETED"
    assert _points(server, logger, "t/output", env) == [(2, 0.5), (4, 1.0)]
    weights_window = server.window_data(logger.backend.windows["weights_norm/bias"], env)
    assert weights_window["content"]["layout"]["xaxis"]["title"] == "EPOCH_COMPLETED"


def test_close_waits_for_pending_posts_and_context_manager(server: Any, env: str) -> None:
    with _logger(server, env, num_workers=2) as logger:
        for step in range(1, 31):
            logger.backend.log_scalars({"a": float(step), "b": -float(step)}, step)
    # Everything logged before the block ended is on the server once close() has returned.
    assert _points(server, logger, "a", env) == [(s, float(s)) for s in range(1, 31)]
    assert _points(server, logger, "b", env) == [(s, -float(s)) for s in range(1, 31)]
    with pytest.raises(RuntimeError, match="VisdomLogger is closed"):
        logger.backend.log_scalars({"a": 1.0}, 31)
    logger.close()  # closing twice is harmless


def test_server_and_port_from_environment_variables(server: Any, env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISDOM_SERVER_URL", "127.0.0.1")
    monkeypatch.setenv("VISDOM_PORT", str(server.port))
    with VisdomLogger(env=env, num_workers=0) as logger:
        assert logger.vis.port == server.port
        logger.backend.log_scalars({"x": 3.0}, 7)
    assert _points(server, logger, "x", env) == [(7, 3.0)]
    # The credentials come from VISDOM_USERNAME/VISDOM_PASSWORD: this server has no login, so they are refused.
    monkeypatch.setenv("VISDOM_USERNAME", "alice")
    monkeypatch.setenv("VISDOM_PASSWORD", "secret")
    with pytest.raises(RuntimeError, match="Authentication failed"):
        VisdomLogger(env=env)
