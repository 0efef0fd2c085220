"""TensorboardLogger writes real event files, read back with tensorboard's own EventAccumulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # type: ignore[import-untyped]
from torch import nn

from ignite.contrib.handlers import LoggerBackend, TensorboardLogger
from ignite.contrib.handlers.tensorboard_logger import (
    GradsHistHandler,
    WeightsHistHandler,
    WeightsScalarHandler,
    global_step_from_engine,
)
from ignite.engine import Engine, Events


def _read(log_dir: Path) -> Any:
    accumulator = EventAccumulator(
        str(log_dir), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}
    )
    accumulator.Reload()
    return accumulator


def _scalars(acc: Any, tag: str) -> list[tuple[int, float]]:
    return [(event.step, event.value) for event in acc.Scalars(tag)]


def test_scalars_from_trainer_evaluator_and_optimizer(tmp_path: Path) -> None:
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    trainer = Engine(lambda engine, batch: 0.25 * engine.state.iteration)
    evaluator = Engine(lambda engine, batch: None)

    @evaluator.on(Events.EPOCH_COMPLETED)
    def compute(engine: Engine) -> None:
        engine.state.metrics = {"accuracy": 0.1 * trainer.state.epoch}

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(_: Engine) -> None:
        evaluator.run([0])

    with TensorboardLogger(log_dir=str(tmp_path)) as logger:
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
        trainer.run([0, 1, 2], max_epochs=2)

    acc = _read(tmp_path)
    assert _scalars(acc, "training/loss") == [(i, 0.25 * i) for i in range(1, 7)]
    validation = _scalars(acc, "validation/accuracy")
    assert [step for step, _ in validation] == [1, 2]
    assert [value for _, value in validation] == pytest.approx([0.1, 0.2])
    assert _scalars(acc, "lr/group_0") == [(i, 0.5) for i in range(1, 7)]
    [(step, norm)] = _scalars(acc, "weights_norm/weight")
    assert step == 2 and norm == pytest.approx(model.weight.norm().item())


def test_histograms_text_and_image(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    model(torch.randn(5, 4)).sum().backward()
    engine = Engine(lambda e, b: None)
    engine.state.epoch = 4
    logger = TensorboardLogger(log_dir=str(tmp_path))
    WeightsHistHandler(model, tag="m")(engine, logger, Events.EPOCH_COMPLETED)
    GradsHistHandler(model, whitelist=["bias"])(engine, logger, Events.EPOCH_COMPLETED)
    logger.backend.log_text("notes", "hello board", 9)
    image = torch.zeros(3, 2, 5)
    image[0] = 1.0  # pure red
    logger.backend.log_image("sample", image, 11)
    logger.close()

    acc = _read(tmp_path)
    tags = acc.Tags()
    assert set(tags["histograms"]) == {"m/weights/weight", "m/weights/bias", "grads/bias"}
    [hist] = acc.Histograms("m/weights/weight")
    assert hist.step == 4
    assert hist.histogram_value.num == 12
    assert hist.histogram_value.min == pytest.approx(model.weight.min().item())
    assert hist.histogram_value.max == pytest.approx(model.weight.max().item())
    assert hist.histogram_value.sum == pytest.approx(model.weight.sum().item(), abs=1e-5)
    [grad_hist] = acc.Histograms("grads/bias")
    assert model.bias.grad is not None
    assert grad_hist.histogram_value.sum == pytest.approx(model.bias.grad.sum().item())

    [text] = acc.Tensors("notes/text_summary")
    assert text.step == 9
    assert text.tensor_proto.string_val == [b"hello board"]

    [img] = acc.Images("sample")
    assert (img.step, img.width, img.height) == (11, 5, 2)
    assert img.encoded_image_string.startswith(b"\x89PNG")


def test_writer_attribute_and_forwarding(tmp_path: Path) -> None:
    logger = TensorboardLogger(log_dir=str(tmp_path), flush_secs=1)
    assert isinstance(logger.backend, LoggerBackend)
    logger.add_scalar("direct", 3.0, 2)
    logger.writer.add_scalar("direct", 4.0, 3)
    with pytest.raises(AttributeError):
        logger.no_such_method  # noqa: B018
    logger.close()
    assert _scalars(_read(tmp_path), "direct") == [(2, 3.0), (3, 4.0)]
