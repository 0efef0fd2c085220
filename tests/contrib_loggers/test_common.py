"""ignite.contrib.engines.common: the helpers wire real handlers on real engines."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset
from torch.utils.data.distributed import DistributedSampler

import ignite.distributed as idist
from ignite.contrib.engines import common
from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint, PiecewiseLinear


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
        ({"output_path": "a", "save_handler": "b"}, ValueError, "exclusive"),
        ({"trainer": None}, TypeError, "trainer should be an ignite.engine.Engine, got NoneType"),
    ],
)
def test_common_training_handlers_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    arguments: dict[str, Any] = {"trainer": Engine(lambda e, b: None), **kwargs}
    with pytest.raises(error, match=match):
        common.setup_common_training_handlers(**arguments)


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


def test_old_names() -> None:
    assert common.setup_common_distrib_training_handlers is common.setup_common_training_handlers
    assert common.get_default_score_fn == Checkpoint.get_default_score_fn
    score = common.get_default_score_fn("acc", score_sign=-1.0)
    engine = Engine(lambda e, b: None)
    engine.state.metrics["acc"] = 0.25
    assert score(engine) == -0.25
    with pytest.raises(DeprecationWarning, match="setup_any_logging is deprecated"):
        common.setup_any_logging(None, None, Engine(lambda e, b: None), None, None, 1)


def _epochs_seen(sampler: DistributedSampler[Any]) -> list[int]:
    seen: list[int] = []
    trainer = Engine(lambda engine, batch: None)
    common.setup_common_training_handlers(trainer, train_sampler=sampler, with_pbars=False)

    @trainer.on(Events.EPOCH_STARTED)
    def record(_: Engine) -> None:
        seen.append(sampler.epoch)

    trainer.run([0, 1], max_epochs=3)
    return seen


def test_train_sampler_epoch_is_set_in_a_distributed_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two ranks as the sampler and idist would see them on rank 0; the gloo runs are tested in tests/distributed.
    monkeypatch.setattr(idist, "get_world_size", lambda: 2)
    sampler: DistributedSampler[int] = DistributedSampler(TensorDataset(torch.arange(8)), num_replicas=2, rank=0)
    assert _epochs_seen(sampler) == [0, 1, 2]


def test_train_sampler_is_ignored_with_a_warning_without_distribution() -> None:
    sampler: DistributedSampler[int] = DistributedSampler(TensorDataset(torch.arange(8)), num_replicas=1, rank=0)
    with pytest.warns(UserWarning, match="train_sampler is a DistributedSampler but the world size is 1"):
        assert _epochs_seen(sampler) == [0, 0, 0]


def test_param_scheduler_runs_at_iteration_start() -> None:
    optimizer = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.0)
    scheduler = PiecewiseLinear(optimizer, "lr", milestones_values=[(0, 1.0), (4, 5.0)])
    trainer = Engine(lambda engine, batch: optimizer.param_groups[0]["lr"])
    seen: list[float] = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda engine: seen.append(engine.state.output))
    common.setup_common_training_handlers(trainer, lr_scheduler=scheduler, with_pbars=False)
    trainer.run([0, 1, 2, 3], max_epochs=1)
    assert seen == pytest.approx([1.0, 2.0, 3.0, 4.0])  # each iteration already sees its own value


def test_save_handler_and_checkpoint_kwargs(tmp_path: Path) -> None:
    saved: list[str] = []

    def save(checkpoint: Mapping[str, Any], filename: str, metadata: Any = None) -> None:
        saved.append(filename)

    trainer = _trainer([1.0] * 6)
    model = nn.Linear(1, 1)
    common.setup_common_training_handlers(
        trainer, to_save={"model": model}, save_every_iters=3, save_handler=save, with_pbars=False, n_saved=None
    )
    trainer.run([0, 1, 2, 3, 4, 5], max_epochs=1)
    assert saved == ["training_model_3.pt", "training_model_6.pt"]


def test_without_stop_on_nan_and_with_epoch_bar_only(capsys: pytest.CaptureFixture[str]) -> None:
    trainer = _trainer([1.0, float("nan"), 3.0] * 2)
    common.setup_common_training_handlers(trainer, stop_on_nan=False, with_pbar_on_iters=False, log_every_iters=1)
    trainer.run([0, 1, 2], max_epochs=2)
    assert trainer.state.iteration == 6
    err = capsys.readouterr().err
    assert "Epoch: 100%" in err and "2/2" in err  # the bar over epochs
    assert "[1/3]" not in err  # and none over the iterations of an epoch


def test_clear_cuda_cache_is_attached_only_with_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = Engine(lambda engine, batch: None)
    common.setup_common_training_handlers(trainer, with_pbars=False)
    assert trainer.has_event_handler(common.empty_cuda_cache, Events.EPOCH_COMPLETED) is torch.cuda.is_available()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    trainer = Engine(lambda engine, batch: None)
    common.setup_common_training_handlers(trainer, with_pbars=False)
    assert trainer.has_event_handler(common.empty_cuda_cache, Events.EPOCH_COMPLETED)
    trainer = Engine(lambda engine, batch: None)
    common.setup_common_training_handlers(trainer, with_pbars=False, clear_cuda_cache=False)
    assert not trainer.has_event_handler(common.empty_cuda_cache, Events.EPOCH_COMPLETED)


def test_gpu_stats_without_pynvml_fail_at_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` fail as if it were not installed
    trainer = Engine(lambda engine, batch: None)
    with pytest.raises(ModuleNotFoundError, match=r"GpuInfo .* needs the pynvml package: pip install pynvml"):
        common.setup_common_training_handlers(trainer, with_gpu_stats=True, with_pbars=False)
    assert not any(trainer._event_handlers.values())  # the call failed before attaching anything


class _FakeNvml(ModuleType):
    """NVML's core functions for one GPU with 1 GiB of 4 GiB used at 7 % utilization (no GPU on the test machine)."""

    class NVMLError(Exception):
        pass

    def __init__(self) -> None:
        super().__init__("pynvml")
        self.reads = 0

    def nvmlInit(self) -> None:
        pass

    def nvmlDeviceGetCount(self) -> int:
        self.reads += 1
        return 1

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> Any:
        return SimpleNamespace(used=2**30, total=2**32)

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> Any:
        return SimpleNamespace(gpu=7)


def test_gpu_stats_attach_gpu_info_every_log_every_iters(monkeypatch: pytest.MonkeyPatch) -> None:
    nvml = _FakeNvml()
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    trainer = Engine(lambda engine, batch: None)
    common.setup_common_training_handlers(
        trainer, with_gpu_stats=True, log_every_iters=2, with_pbars=False, clear_cuda_cache=False
    )
    trainer.run(range(5), max_epochs=1)
    assert nvml.reads == 2  # iterations 2 and 4
    assert trainer.state.metrics == {"gpu:0 mem(%)": 25, "gpu:0 util(%)": 7}
