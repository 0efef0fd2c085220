"""ignite.contrib.engines.common: the helpers wire real handlers on real engines."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # type: ignore[import-untyped]
from torch import nn

from ignite.contrib.engines import common
from ignite.engine import Engine, Events


def _trainer(outputs: list[Any]) -> Engine:
    return Engine(lambda engine, batch: outputs[engine.state.iteration - 1])


def test_common_training_handlers_checkpoint_scheduler_running_average(tmp_path: Path) -> None:
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    outputs = [{"loss": 1.0 * i, "acc": 2.0} for i in range(1, 7)]

    def step(engine: Engine, batch: Any) -> dict[str, float]:
        optimizer.step()  # torch warns when the scheduler steps before the optimizer
        return outputs[engine.state.iteration - 1]

    trainer = Engine(step)
    common.setup_common_training_handlers(
        trainer,
        to_save={"model": model, "optimizer": optimizer},
        save_every_iters=2,
        output_path=str(tmp_path),
        lr_scheduler=scheduler,
        output_names=["loss", "acc"],
        with_pbars=False,
    )
    trainer.run([0, 1, 2], max_epochs=2)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5**6)
    assert trainer.state.metrics["acc"] == pytest.approx(2.0)
    # The running average (alpha 0.98, not reset between epochs) lags behind the last loss, 6.
    assert 1.0 < trainer.state.metrics["loss"] < 6.0
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert len(saved) == 1 and saved[0].startswith("training_") and "6" in saved[0]
    assert set(torch.load(tmp_path / saved[0], weights_only=True)) == {"model", "optimizer"}


def test_common_training_handlers_stops_on_nan_and_shows_bars(capsys: pytest.CaptureFixture[str]) -> None:
    trainer = _trainer([1.0, float("nan"), 3.0, 4.0])
    common.setup_common_training_handlers(trainer, log_every_iters=1)
    trainer.run([0, 1, 2, 3], max_epochs=1)
    assert trainer.state.iteration == 2
    assert math.isnan(trainer.state.output)
    assert "Iteration" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"to_save": {"m": nn.Linear(1, 1)}}, ValueError, "output_path or save_handler"),
        ({"to_save": {"m": nn.Linear(1, 1)}, "output_path": "a", "save_handler": "b"}, ValueError, "exclusive"),
        ({"lr_scheduler": 3}, TypeError, "lr_scheduler"),
        ({"train_sampler": [1, 2]}, TypeError, "train_sampler"),
        ({"with_gpu_stats": True}, ValueError, "with_gpu_stats"),
    ],
)
def test_common_training_handlers_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        common.setup_common_training_handlers(Engine(lambda e, b: None), **kwargs)


def test_setup_tb_logging_reads_back(tmp_path: Path) -> None:
    optimizer = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.3)
    trainer = Engine(lambda engine, batch: None)
    evaluator = Engine(lambda engine, batch: None)

    @trainer.on(Events.ITERATION_COMPLETED)
    def set_train_metric(engine: Engine) -> None:
        engine.state.metrics["loss"] = float(engine.state.iteration)

    @evaluator.on(Events.COMPLETED)
    def set_val_metric(engine: Engine) -> None:
        engine.state.metrics["acc"] = 0.5

    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run([0]))
    logger = common.setup_tb_logging(str(tmp_path), trainer, optimizer, evaluator, log_every_iters=2)
    trainer.run([0, 1, 2, 3], max_epochs=1)
    logger.close()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    assert [(e.step, e.value) for e in acc.Scalars("training/loss")] == [(2, 2.0), (4, 4.0)]
    lrs = acc.Scalars("lr/group_0")
    assert [e.step for e in lrs] == [2, 4]  # ITERATION_STARTED(every=2) sees the already incremented counter
    assert [e.value for e in lrs] == pytest.approx([0.3, 0.3])
    assert [(e.step, e.value) for e in acc.Scalars("validation/acc")] == [(1, 0.5)]
    with pytest.raises(TypeError, match="optimizers"):
        common.setup_tb_logging(str(tmp_path), trainer, optimizers=3)  # type: ignore[arg-type]


def test_best_model_and_early_stopping(tmp_path: Path) -> None:
    scores = iter([0.1, 0.5, 0.4, 0.3, 0.2, 0.9])
    trainer = Engine(lambda engine, batch: None)
    evaluator = Engine(lambda engine, batch: None)

    @evaluator.on(Events.COMPLETED)
    def score(engine: Engine) -> None:
        engine.state.metrics["acc"] = next(scores)

    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run([0]))
    checkpoint = common.save_best_model_by_val_score(
        str(tmp_path), evaluator, nn.Linear(1, 1), "acc", n_saved=1, trainer=trainer
    )
    common.add_early_stopping_by_val_score(2, evaluator, trainer, "acc")
    trainer.run([0], max_epochs=6)
    # Best at epoch 2; epochs 3 and 4 do not improve, so training stops after epoch 4.
    assert trainer.state.epoch == 4
    assert [p.name for p in tmp_path.iterdir()] == [Path(str(checkpoint.last_checkpoint)).name]
    assert "best_model_2_val_acc=0.5" in Path(str(checkpoint.last_checkpoint)).name
