"""The handler classes, run on a real Engine and checked through the in-memory backend."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from ignite.contrib.handlers import (
    GradsHistHandler,
    GradsScalarHandler,
    LoggerBackend,
    OptimizerParamsHandler,
    OutputHandler,
    WeightsHistHandler,
    WeightsScalarHandler,
)
from ignite.contrib.handlers._memory import MemoryLogger
from ignite.engine import Engine, Events
from ignite.handlers import global_step_from_engine


def _counting_trainer() -> Engine:
    # The output is a different number each iteration so that logged values can be matched with their step.
    return Engine(lambda engine, batch: float(engine.state.iteration) * 10.0)


def test_output_handler_logs_transformed_output_with_iteration_step() -> None:
    trainer = _counting_trainer()
    logger = MemoryLogger()
    logger.attach_output_handler(
        trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda out: {"loss": out}
    )
    trainer.run([0, 1, 2], max_epochs=2)
    assert logger.backend.scalars == [("training/loss", i, 10.0 * i) for i in range(1, 7)]


def test_output_handler_non_dict_output_is_named_output_and_filtered_event() -> None:
    trainer = _counting_trainer()
    logger = MemoryLogger()
    logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED(every=2), tag="t", output_transform=lambda o: o)
    trainer.run([0, 1, 2, 3], max_epochs=1)
    assert logger.backend.scalars == [("t/output", 2, 20.0), ("t/output", 4, 40.0)]


def test_output_handler_metrics_tensors_dicts_text_and_state_attributes() -> None:
    evaluator = Engine(lambda engine, batch: None)

    @evaluator.on(Events.EPOCH_COMPLETED)
    def set_metrics(engine: Engine) -> None:
        engine.state.metrics = {
            "acc": 0.5,
            "vec": torch.tensor([1.0, 2.0]),
            "zero_d": torch.tensor(3.0),
            "nested": {"a": 4, "b": 5.5},
            "label": "best",
        }
        engine.state.alpha = 0.25

    trainer = Engine(lambda engine, batch: None)
    trainer.state.epoch = 7
    logger = MemoryLogger()
    logger.attach_output_handler(
        evaluator,
        Events.EPOCH_COMPLETED,
        tag="val",
        metric_names="all",
        state_attributes=["alpha"],
        global_step_transform=global_step_from_engine(trainer),
    )
    evaluator.run([0], max_epochs=1)
    assert dict((tag, value) for tag, _, value in logger.backend.scalars) == {
        "val/acc": 0.5,
        "val/vec/0": 1.0,
        "val/vec/1": 2.0,
        "val/zero_d": 3.0,
        "val/nested/a": 4.0,
        "val/nested/b": 5.5,
        "val/alpha": 0.25,
    }
    assert {step for _, step, _ in logger.backend.scalars} == {7}
    assert logger.backend.texts == [("val/label", 7, "best")]


def test_output_handler_selected_metric_names_and_missing_name_warns() -> None:
    engine = Engine(lambda e, b: None)
    engine.state.metrics = {"a": 1.0, "b": 2.0}
    logger = MemoryLogger()
    handler = OutputHandler("tag", metric_names=["a", "missing"])
    with pytest.warns(UserWarning, match="'missing' is missing"):
        handler(engine, logger, Events.EPOCH_COMPLETED)
    assert logger.backend.scalars == [("tag/a", 0, 1.0)]


def test_output_handler_warns_on_unloggable_value() -> None:
    engine = Engine(lambda e, b: None)
    engine.state.metrics = {"matrix": torch.ones(2, 2)}
    logger = MemoryLogger()
    with pytest.warns(UserWarning, match="can not log"):
        OutputHandler("tag", metric_names="all")(engine, logger, Events.EPOCH_COMPLETED)
    assert logger.backend.scalars == []


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "Either metric_names"),
        ({"metric_names": "some"}, TypeError, "metric_names"),
        ({"metric_names": [1]}, TypeError, "metric_names"),
        ({"output_transform": 3}, TypeError, "output_transform"),
        ({"metric_names": "all", "global_step_transform": 3}, TypeError, "global_step_transform"),
        ({"state_attributes": "alpha"}, TypeError, "state_attributes"),
    ],
)
def test_output_handler_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        OutputHandler("tag", **kwargs)


def test_output_handler_global_step_must_be_int() -> None:
    engine = Engine(lambda e, b: None)
    engine.state.metrics = {"a": 1.0}
    handler = OutputHandler("tag", metric_names="all", global_step_transform=lambda e, n: 1.5)  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="global_step should be an int, got float"):
        handler(engine, MemoryLogger(), Events.EPOCH_COMPLETED)


def test_handler_rejects_non_logger() -> None:
    engine = Engine(lambda e, b: None)
    engine.state.metrics = {"a": 1.0}
    with pytest.raises(TypeError, match="works only with a logger deriving from BaseLogger, got object"):
        OutputHandler("tag", metric_names="all")(engine, object(), Events.EPOCH_COMPLETED)


def test_optimizer_params_handler_follows_lr_changes() -> None:
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD([{"params": model.weight, "lr": 0.1}, {"params": model.bias, "lr": 0.2}])
    trainer = Engine(lambda engine, batch: None)

    @trainer.on(Events.ITERATION_COMPLETED)
    def decay(_: Engine) -> None:
        for group in optimizer.param_groups:
            group["lr"] /= 2

    logger = MemoryLogger()
    logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer, tag="opt")
    trainer.run([0, 1], max_epochs=1)
    assert logger.backend.scalars == [
        ("opt/lr/group_0", 1, 0.1),
        ("opt/lr/group_1", 1, 0.2),
        ("opt/lr/group_0", 2, 0.05),
        ("opt/lr/group_1", 2, 0.1),
    ]
    with pytest.raises(TypeError, match="optimizer"):
        OptimizerParamsHandler(model)  # type: ignore[arg-type]


def _model_with_grads() -> nn.Sequential:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model(torch.randn(4, 3)).sum().backward()
    return model


def test_weights_and_grads_scalar_handlers() -> None:
    model = _model_with_grads()
    engine = Engine(lambda e, b: None)
    engine.state.epoch = 3
    logger = MemoryLogger()
    WeightsScalarHandler(model)(engine, logger, Events.EPOCH_COMPLETED)
    GradsScalarHandler(model, reduction=torch.mean, tag="m", whitelist=["1."])(engine, logger, Events.EPOCH_COMPLETED)
    expected = [(f"weights_norm/{n.replace('.', '/')}", 3, p.norm().item()) for n, p in model.named_parameters()]
    last = model[1]
    assert isinstance(last, nn.Linear) and last.weight.grad is not None and last.bias.grad is not None
    grads = [("m/grads_mean/1/weight", 3, last.weight.grad.mean().item())]
    grads.append(("m/grads_mean/1/bias", 3, last.bias.grad.mean().item()))
    assert logger.backend.scalars == expected + grads


def test_grads_handlers_skip_missing_grads_and_hist_handlers() -> None:
    model = nn.Linear(2, 2)
    engine = Engine(lambda e, b: None)
    engine.state.iteration = 5
    logger = MemoryLogger()
    GradsScalarHandler(model)(engine, logger, Events.ITERATION_COMPLETED)
    GradsHistHandler(model)(engine, logger, Events.ITERATION_COMPLETED)
    assert logger.backend.scalars == [] and logger.backend.histograms == []
    WeightsHistHandler(model, tag="w", whitelist=lambda name, p: name == "bias")(
        engine, logger, Events.ITERATION_COMPLETED
    )
    [(tag, step, values)] = logger.backend.histograms
    assert (tag, step) == ("w/weights/bias", 5)
    assert torch.equal(values, model.bias.detach())


def test_weights_handlers_bad_arguments() -> None:
    with pytest.raises(TypeError, match="model"):
        WeightsScalarHandler(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="reduction"):
        WeightsScalarHandler(nn.Linear(1, 1), reduction=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="whitelist"):
        WeightsHistHandler(nn.Linear(1, 1), whitelist=3)  # type: ignore[arg-type]
    engine = Engine(lambda e, b: None)
    with pytest.raises(ValueError, match="reduction should return a number"):
        WeightsScalarHandler(nn.Linear(2, 2), reduction=lambda t: t)(engine, MemoryLogger(), Events.STARTED)


def test_attach_events_list_unknown_event_and_context_manager() -> None:
    trainer = _counting_trainer()
    with MemoryLogger() as logger:
        handles = logger.attach_output_handler(
            trainer, Events.STARTED | Events.COMPLETED, tag="x", state_attributes=["epoch"]
        )
        assert isinstance(handles, list) and len(handles) == 2
        trainer.run([0], max_epochs=2)
        with pytest.raises(ValueError, match="event_name"):
            logger.attach(trainer, OutputHandler("x", metric_names="all"), Events.EXCEPTION_RAISED)
        with pytest.raises(TypeError, match="log_handler"):
            logger.attach(trainer, 3, Events.STARTED)  # type: ignore[arg-type]
    assert logger.backend.closed
    assert logger.backend.scalars == [("x/epoch", 0, 0.0), ("x/epoch", 2, 2.0)]


def test_fake_backend_satisfies_the_protocol() -> None:
    assert isinstance(MemoryLogger().backend, LoggerBackend)
    assert not isinstance(object(), LoggerBackend)


def test_attach_handle_removes_handler() -> None:
    trainer = _counting_trainer()
    logger = MemoryLogger()
    handle = logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda o: o)
    assert not isinstance(handle, list)
    handle.remove()
    trainer.run([0], max_epochs=1)
    assert logger.backend.scalars == []
