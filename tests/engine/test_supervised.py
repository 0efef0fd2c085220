from __future__ import annotations

import copy
import math
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import ignite.engine
from ignite.engine import _supervised as sup
from ignite.engine import (
    create_supervised_evaluator,
    create_supervised_trainer,
    supervised_evaluation_step,
    supervised_evaluation_step_amp,
    supervised_training_step,
    supervised_training_step_amp,
    supervised_training_step_apex,
    supervised_training_step_tpu,
)
from ignite.engine.deterministic import DeterministicEngine
from ignite.engine.engine import Engine
from ignite.engine.events import Events

SUPERVISED_NAMES = [
    "supervised_training_step",
    "supervised_training_step_amp",
    "supervised_training_step_apex",
    "supervised_training_step_tpu",
    "supervised_evaluation_step",
    "supervised_evaluation_step_amp",
    "create_supervised_trainer",
    "create_supervised_evaluator",
]


def _linear_data(n_batches: int, batch_size: int, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    data = []
    for _ in range(n_batches):
        x = torch.rand(batch_size, 1, generator=gen) * 4 - 2
        data.append((x, 2 * x + 1))
    return data


def _model(seed: int = 0, in_features: int = 1, out_features: int = 1) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(in_features, out_features)


def _sgd(model: nn.Module, lr: float = 0.1) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=lr)


def _cpu_autocast_works() -> bool:
    try:
        with torch.autocast(device_type="cpu"):
            out = nn.Linear(2, 2)(torch.ones(1, 2))
        return bool(out.dtype == torch.bfloat16)
    except (RuntimeError, ValueError):
        return False


def _cpu_grad_scaler_works() -> bool:
    try:
        model = nn.Linear(2, 1)
        opt = _sgd(model)
        scaler = torch.amp.GradScaler("cpu")
        torch.autograd.backward(scaler.scale(model(torch.ones(1, 2)).sum()))
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
    except (RuntimeError, ValueError, NotImplementedError):
        return False
    return True


needs_cpu_autocast = pytest.mark.skipif(not _cpu_autocast_works(), reason="torch.autocast on CPU is not supported")
needs_cpu_scaler = pytest.mark.skipif(not _cpu_grad_scaler_works(), reason="torch.amp.GradScaler on CPU unsupported")


# ------------------------------------------------------------------------------------------------------ exports


def test_supervised_names_are_exported_from_ignite_engine() -> None:
    assert sup.__all__ == SUPERVISED_NAMES
    for name in SUPERVISED_NAMES:
        assert name in ignite.engine.__all__
        assert getattr(ignite.engine, name) is getattr(sup, name)
    assert ignite.engine._prepare_batch is sup._prepare_batch


# ------------------------------------------------------------------------------------------------ prepare_batch


def test_prepare_batch_splits_and_converts() -> None:
    x, y = torch.zeros(2, 3, dtype=torch.float64), torch.tensor([1, 2])
    out_x, out_y = sup._prepare_batch([x, y], device="cpu", non_blocking=False)
    assert torch.equal(out_x, x) and out_x.dtype == torch.float64
    assert torch.equal(out_y, y)
    nested_x, _ = sup._prepare_batch(((x, x), y), device=torch.device("cpu"))
    assert isinstance(nested_x, tuple) and len(nested_x) == 2


@pytest.mark.parametrize("batch", [(torch.ones(1),), (1, 2, 3), 5])
def test_prepare_batch_rejects_batches_that_are_not_pairs(batch: Any) -> None:
    with pytest.raises(ValueError, match=r"`batch` should be a pair \(x, y\)"):
        sup._prepare_batch(batch)


# ---------------------------------------------------------------------------------------------------- training


def test_trainer_learns_a_line() -> None:
    model = _model()
    trainer = create_supervised_trainer(model, _sgd(model, lr=0.1), F.mse_loss)
    assert type(trainer) is Engine
    state = trainer.run(_linear_data(8, 16), max_epochs=40)
    assert isinstance(state.output, float)
    assert state.output < 1e-4
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[2.0]]), atol=1e-2, rtol=0)
    torch.testing.assert_close(model.bias.detach(), torch.tensor([1.0]), atol=1e-2, rtol=0)


def test_trainer_output_is_the_loss_before_the_step_and_model_is_put_in_train_mode() -> None:
    model = _model()
    expected = F.mse_loss(model(torch.ones(4, 1)), torch.zeros(4, 1)).item()
    model.eval()
    trainer = create_supervised_trainer(model, _sgd(model), F.mse_loss, device="cpu")
    state = trainer.run([(torch.ones(4, 1), torch.zeros(4, 1))], max_epochs=1)
    assert state.output == pytest.approx(expected)
    assert model.training


def test_deterministic_flag_gives_a_deterministic_engine() -> None:
    model = _model()
    trainer = create_supervised_trainer(model, _sgd(model), F.mse_loss, deterministic=True)
    assert isinstance(trainer, DeterministicEngine)
    trainer.run(_linear_data(2, 4), max_epochs=1)
    assert trainer.state.iteration == 2


def test_custom_prepare_batch_model_fn_model_transform_and_output_transform() -> None:
    class TwoInputs(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(2, 1)

        def forward(self, left: torch.Tensor, right: torch.Tensor) -> dict[str, torch.Tensor]:
            return {"pred": self.a(left) + right}

    calls: list[tuple[Any, bool]] = []

    def prepare_batch(batch: dict[str, torch.Tensor], device: Any, non_blocking: bool) -> tuple[Any, Any]:
        calls.append((device, non_blocking))
        return (batch["left"], batch["right"]), batch["target"]

    torch.manual_seed(0)
    model = TwoInputs()
    batch = {"left": torch.randn(5, 2), "right": torch.randn(5, 1), "target": torch.randn(5, 1)}
    with torch.no_grad():
        expected_pred = model(batch["left"], batch["right"])["pred"]
    expected_loss = F.l1_loss(expected_pred, batch["target"])

    trainer = create_supervised_trainer(
        model,
        _sgd(model),
        F.l1_loss,
        device="cpu",
        non_blocking=True,
        prepare_batch=prepare_batch,
        model_transform=lambda out: out["pred"],
        output_transform=lambda x, y, y_pred, loss: (x, y, y_pred.detach(), loss.item()),
        model_fn=lambda m, x: m(*x),
    )
    x, y, y_pred, loss = trainer.run([batch], max_epochs=1).output
    assert calls == [("cpu", True)]
    assert x[0] is batch["left"] and y is batch["target"]
    torch.testing.assert_close(y_pred, expected_pred)
    assert loss == pytest.approx(expected_loss.item())


def _weights(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def test_gradient_accumulation_equals_one_step_on_the_concatenated_batch() -> None:
    steps, micro = 4, _linear_data(8, 2, seed=3)
    acc_model = _model(seed=1)
    ref_model = copy.deepcopy(acc_model)
    initial = _weights(acc_model)

    acc_trainer = create_supervised_trainer(acc_model, _sgd(acc_model), F.mse_loss, gradient_accumulation_steps=steps)
    snapshots: list[list[torch.Tensor]] = []
    acc_trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda _: snapshots.append(_weights(acc_model)))
    acc_trainer.run(micro, max_epochs=1)

    merged = [
        (torch.cat([x for x, _ in micro[i : i + steps]]), torch.cat([y for _, y in micro[i : i + steps]]))
        for i in range(0, len(micro), steps)
    ]
    ref_trainer = create_supervised_trainer(ref_model, _sgd(ref_model), F.mse_loss)
    ref_snapshots: list[list[torch.Tensor]] = []
    ref_trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda _: ref_snapshots.append(_weights(ref_model)))
    ref_trainer.run(merged, max_epochs=1)

    # Weights only move on the last iteration of each window, then match the big-batch step exactly.
    for i in range(3):
        torch.testing.assert_close(snapshots[i], initial)
    for i in range(3, 7):
        torch.testing.assert_close(snapshots[i], ref_snapshots[0])
    torch.testing.assert_close(snapshots[7], ref_snapshots[1])
    torch.testing.assert_close(_weights(acc_model), _weights(ref_model))


def test_gradient_accumulation_reports_the_undivided_loss() -> None:
    model = _model()
    x, y = _linear_data(1, 4)[0]
    expected = F.mse_loss(model(x), y).item()
    trainer = create_supervised_trainer(model, _sgd(model), F.mse_loss, gradient_accumulation_steps=3)
    assert trainer.run([(x, y)], max_epochs=1).output == pytest.approx(expected)


def _manual_clipped_step(model: nn.Module, params: list[nn.Parameter], x: Any, y: Any, max_norm: float) -> float:
    loss = F.mse_loss(model(x), y)
    torch.autograd.backward(loss)
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    with torch.no_grad():
        for p in params:
            assert p.grad is not None
            p.sub_(p.grad)
    return float(norm)


def test_clip_grad_norm_bounds_the_applied_update() -> None:
    max_norm = 0.05
    model = _model(seed=2, in_features=3, out_features=2)
    manual = copy.deepcopy(model)
    x, y = torch.randn(6, 3) * 5, torch.randn(6, 2) * 5
    before = _weights(model)

    trainer = create_supervised_trainer(model, _sgd(model, lr=1.0), F.mse_loss, clip_grad_norm=max_norm)
    trainer.run([(x, y)], max_epochs=1)
    raw_norm = _manual_clipped_step(manual, list(manual.parameters()), x, y, max_norm)

    assert raw_norm > 10 * max_norm
    torch.testing.assert_close(_weights(model), _weights(manual))
    update = torch.cat([(a - b).flatten() for a, b in zip(_weights(model), before, strict=True)])
    assert update.norm().item() == pytest.approx(max_norm, rel=1e-4)


def test_clip_grad_norm_only_clips_the_optimizer_parameters() -> None:
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 1))
    manual = copy.deepcopy(model)
    x, y = torch.randn(8, 3) * 3, torch.randn(8, 1) * 3
    trainer = create_supervised_trainer(
        model, torch.optim.SGD(model[1].parameters(), lr=1.0), F.mse_loss, clip_grad_norm=0.1
    )
    trainer.run([(x, y)], max_epochs=1)
    _manual_clipped_step(manual, list(manual[1].parameters()), x, y, 0.1)
    torch.testing.assert_close(_weights(model), _weights(manual))


def test_clip_grad_norm_with_accumulation_clips_the_accumulated_gradient() -> None:
    model = _model(seed=5)
    manual = copy.deepcopy(model)
    micro = _linear_data(2, 3, seed=6)
    micro = [(x * 10, y * 10) for x, y in micro]
    trainer = create_supervised_trainer(
        model, _sgd(model, lr=1.0), F.mse_loss, gradient_accumulation_steps=2, clip_grad_norm=0.2
    )
    trainer.run(micro, max_epochs=1)
    x = torch.cat([m[0] for m in micro])
    y = torch.cat([m[1] for m in micro])
    _manual_clipped_step(manual, list(manual.parameters()), x, y, 0.2)
    torch.testing.assert_close(_weights(model), _weights(manual))


# --------------------------------------------------------------------------------------------------------- amp


@needs_cpu_autocast
def test_amp_trainer_runs_the_forward_under_cpu_autocast() -> None:
    model = _model()
    dtypes: list[torch.dtype] = []

    def output_transform(x: Any, y: Any, y_pred: torch.Tensor, loss: torch.Tensor) -> float:
        dtypes.append(y_pred.dtype)
        return loss.item()

    trainer = create_supervised_trainer(
        model, _sgd(model), F.mse_loss, device="cpu", amp_mode="amp", output_transform=output_transform
    )
    assert not hasattr(trainer.state, "scaler")
    data = _linear_data(4, 16)
    first = F.mse_loss(model(data[0][0]), data[0][1]).item()
    state = trainer.run(data, max_epochs=10)
    assert set(dtypes) == {torch.bfloat16}
    assert state.output < first / 10


@needs_cpu_autocast
def test_amp_evaluator_runs_the_forward_under_cpu_autocast() -> None:
    evaluator = create_supervised_evaluator(_model(), device="cpu", amp_mode="amp")
    y_pred, y = evaluator.run(_linear_data(1, 3)).output
    assert y_pred.dtype == torch.bfloat16 and y.dtype == torch.float32
    assert not y_pred.requires_grad


@needs_cpu_autocast
@needs_cpu_scaler
def test_scaler_true_creates_a_grad_scaler_stored_on_the_state() -> None:
    model = _model()
    trainer = create_supervised_trainer(model, _sgd(model), F.mse_loss, device="cpu", amp_mode="amp", scaler=True)
    scaler = trainer.state.scaler
    assert isinstance(scaler, torch.amp.GradScaler) and scaler.is_enabled()
    data = _linear_data(4, 16)
    first = F.mse_loss(model(data[0][0]), data[0][1]).item()
    state = trainer.run(data, max_epochs=10)
    assert state.output < first / 10
    assert scaler.state_dict()["_growth_tracker"] == 40  # 40 scaled steps, none skipped


@needs_cpu_autocast
@needs_cpu_scaler
def test_given_scaler_is_used_and_gradients_are_unscaled_before_clipping() -> None:
    model = _model(seed=2, in_features=3, out_features=2)
    before = _weights(model)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=1)
    trainer = create_supervised_trainer(
        model, _sgd(model, lr=1.0), F.mse_loss, device="cpu", amp_mode="amp", scaler=scaler, clip_grad_norm=0.05
    )
    assert trainer.state.scaler is scaler
    trainer.run([(torch.randn(6, 3) * 5, torch.randn(6, 2) * 5)], max_epochs=1)
    update = torch.cat([(a - b).flatten() for a, b in zip(_weights(model), before, strict=True)])
    # Clipping scaled gradients would shrink the update by the scale factor (1024).
    assert update.norm().item() == pytest.approx(0.05, rel=1e-3)
    assert scaler.get_scale() == 2.0**11  # one successful scaler.step/update


@needs_cpu_autocast
def test_amp_step_without_scaler_applies_clipping() -> None:
    model = _model(seed=2, in_features=3, out_features=2)
    before = _weights(model)
    update_fn = supervised_training_step_amp(model, _sgd(model, lr=1.0), F.mse_loss, device="cpu", clip_grad_norm=0.05)
    Engine(update_fn).run([(torch.randn(6, 3) * 5, torch.randn(6, 2) * 5)], max_epochs=1)
    update = torch.cat([(a - b).flatten() for a, b in zip(_weights(model), before, strict=True)])
    assert update.norm().item() == pytest.approx(0.05, rel=1e-3)


def test_scaler_without_amp_mode_is_refused() -> None:
    model = _model()
    with pytest.raises(ValueError, match=r"scaler argument is True, but amp_mode is None"):
        create_supervised_trainer(model, _sgd(model), F.mse_loss, scaler=True)
    with pytest.raises(ValueError, match=r"scaler argument is a GradScaler, but amp_mode is None"):
        create_supervised_trainer(model, _sgd(model), F.mse_loss, device="cpu", scaler=torch.amp.GradScaler("cpu"))


@pytest.mark.parametrize("scaler", ["yes", 1, 0.5])
def test_scaler_of_the_wrong_type_is_refused(scaler: Any) -> None:
    model = _model()
    with pytest.raises(TypeError, match=r"`scaler` should be a bool or a torch.amp.GradScaler"):
        create_supervised_trainer(model, _sgd(model), F.mse_loss, amp_mode="amp", scaler=scaler)
    with pytest.raises(TypeError, match=r"`scaler` should be None or a torch.amp.GradScaler"):
        supervised_training_step_amp(model, _sgd(model), F.mse_loss, scaler="yes")  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------------------- apex / tpu


def test_apex_is_refused_clearly() -> None:
    model = _model()
    with pytest.raises(ImportError, match=r"amp_mode='apex' is not supported .* Use amp_mode='amp'"):
        create_supervised_trainer(model, _sgd(model), F.mse_loss, amp_mode="apex")
    with pytest.raises(ImportError, match=r"not supported"):
        supervised_training_step_apex(model, _sgd(model), F.mse_loss)
    with pytest.raises(ImportError, match=r"not supported"):
        create_supervised_evaluator(model, amp_mode="apex")


@pytest.mark.skipif(sup._has_xla(), reason="torch_xla is installed")
def test_xla_device_without_torch_xla_is_refused() -> None:
    model = _model()
    with pytest.raises(RuntimeError, match=r"please install PyTorch XLA"):
        create_supervised_trainer(model, _sgd(model), F.mse_loss, device="xla")
    with pytest.raises(RuntimeError, match=r"please install PyTorch XLA"):
        create_supervised_evaluator(model, device=torch.device("xla"))
    with pytest.raises(ModuleNotFoundError, match=r"install PyTorch XLA"):
        supervised_training_step_tpu(model, _sgd(model), F.mse_loss)


def test_amp_mode_with_xla_device_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sup, "_has_xla", lambda: True)
    model = _model()
    with pytest.raises(ValueError, match=r"amp_mode cannot be used with xla device"):
        create_supervised_trainer(model, _sgd(model), F.mse_loss, device="xla:0", amp_mode="amp")


# -------------------------------------------------------------------------------------------------- evaluation


def test_evaluator_returns_predictions_and_targets_in_eval_mode_without_grad() -> None:
    model = nn.Sequential(nn.Linear(2, 4), nn.Dropout(p=0.5), nn.Linear(4, 1))
    x, y = torch.randn(10, 2), torch.randn(10, 1)
    evaluator = create_supervised_evaluator(model, device="cpu")
    assert type(evaluator) is Engine
    y_pred, y_out = evaluator.run([(x, y)]).output
    assert not model.training
    assert not y_pred.requires_grad
    assert y_out is y
    with torch.no_grad():
        torch.testing.assert_close(y_pred, model(x))


def test_evaluation_step_customisation() -> None:
    model = _model(in_features=2)
    step = supervised_evaluation_step(
        model,
        prepare_batch=lambda batch, device, non_blocking: (batch[0] * 2, batch[1]),
        model_fn=lambda m, x: {"out": m(x)},
        model_transform=lambda out: out["out"],
        output_transform=lambda x, y, y_pred: {"x": x, "y_pred": y_pred, "y": y},
    )
    x = torch.randn(3, 2)
    out = Engine(step).run([(x, torch.zeros(3))]).output
    torch.testing.assert_close(out["x"], x * 2)
    with torch.no_grad():
        torch.testing.assert_close(out["y_pred"], model(x * 2))


def test_evaluation_step_amp_function_is_usable_directly() -> None:
    step = supervised_evaluation_step_amp(_model(), device="cpu")
    y_pred, _ = Engine(step).run(_linear_data(1, 2)).output
    assert y_pred.shape == (2, 1)


def test_metrics_are_attached_by_duck_typing() -> None:
    class FakeMetric:
        def __init__(self) -> None:
            self.attached: list[tuple[Engine, str]] = []

        def attach(self, engine: Engine, name: str) -> None:
            self.attached.append((engine, name))
            engine.add_event_handler(Events.COMPLETED, lambda e: e.state.metrics.__setitem__(name, 42))

    first, second = FakeMetric(), FakeMetric()
    evaluator = create_supervised_evaluator(_model(), metrics={"a": first, "b": second})
    assert first.attached == [(evaluator, "a")]
    assert second.attached == [(evaluator, "b")]
    assert evaluator.run(_linear_data(2, 2)).metrics == {"a": 42, "b": 42}


def test_bad_metrics_are_refused() -> None:
    model = _model()
    with pytest.raises(TypeError, match=r"`metrics\['acc'\]` should be a metric with an attach"):
        create_supervised_evaluator(model, metrics={"acc": object()})
    with pytest.raises(TypeError, match=r"`metrics` keys should be str"):
        create_supervised_evaluator(model, metrics={1: object()})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"`metrics` should be None or a mapping"):
        create_supervised_evaluator(model, metrics=[1])  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------- bad arguments

_BAD_TRAINER_ARGS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"model": "net"}, TypeError, r"`model` should be a torch.nn.Module, got str"),
    ({"optimizer": object()}, TypeError, r"`optimizer` should be a torch.optim.Optimizer"),
    ({"loss_fn": 3}, TypeError, r"`loss_fn` should be callable, got int"),
    ({"device": 0}, TypeError, r"`device` should be None, a str or a torch.device, got int"),
    ({"device": "gpu9"}, ValueError, r"`device` should name a torch device .* got 'gpu9'"),
    ({"non_blocking": 1}, TypeError, r"`non_blocking` should be a bool, got int"),
    ({"prepare_batch": None}, TypeError, r"`prepare_batch` should be callable"),
    ({"model_transform": "x"}, TypeError, r"`model_transform` should be callable"),
    ({"output_transform": 1.0}, TypeError, r"`output_transform` should be callable"),
    ({"model_fn": None}, TypeError, r"`model_fn` should be callable"),
    ({"deterministic": "yes"}, TypeError, r"`deterministic` should be a bool"),
    ({"amp_mode": "fp16"}, ValueError, r"`amp_mode` should be None, 'amp' or 'apex', got 'fp16'"),
    ({"gradient_accumulation_steps": 0}, ValueError, r"Gradient_accumulation_steps must be strictly positive.*=0"),
    ({"gradient_accumulation_steps": -2}, ValueError, r"Gradient_accumulation_steps must be strictly positive.*=-2"),
    ({"gradient_accumulation_steps": 1.5}, TypeError, r"`gradient_accumulation_steps` should be an int, got float"),
    ({"gradient_accumulation_steps": True}, TypeError, r"`gradient_accumulation_steps` should be an int, got bool"),
    ({"clip_grad_norm": 0}, ValueError, r"`clip_grad_norm` should be None or a positive number, got 0"),
    ({"clip_grad_norm": -1.0}, ValueError, r"`clip_grad_norm` should be None or a positive number, got -1.0"),
    ({"clip_grad_norm": math.nan}, ValueError, r"`clip_grad_norm` should be None or a positive number, got nan"),
    ({"clip_grad_norm": "1"}, TypeError, r"`clip_grad_norm` should be None or a positive number, got str"),
    ({"clip_grad_norm": True}, TypeError, r"`clip_grad_norm` should be None or a positive number, got bool"),
]


@pytest.mark.parametrize(("override", "error", "match"), _BAD_TRAINER_ARGS)
def test_bad_trainer_arguments_are_refused(override: dict[str, Any], error: type[Exception], match: str) -> None:
    model = _model()
    kwargs: dict[str, Any] = {"model": model, "optimizer": _sgd(model), "loss_fn": F.mse_loss, **override}
    with pytest.raises(error, match=match):
        create_supervised_trainer(**kwargs)


@pytest.mark.parametrize(
    ("override", "error", "match"),
    [case for case in _BAD_TRAINER_ARGS if case[0].keys() <= {"gradient_accumulation_steps", "clip_grad_norm"}],
)
def test_bad_step_arguments_are_refused(override: dict[str, Any], error: type[Exception], match: str) -> None:
    model = _model()
    for step in (supervised_training_step, supervised_training_step_amp):
        with pytest.raises(error, match=match):
            step(model, _sgd(model), F.mse_loss, **override)


@pytest.mark.parametrize(
    ("override", "error", "match"),
    [
        ({"model": None}, TypeError, r"`model` should be a torch.nn.Module, got NoneType"),
        ({"device": 1.0}, TypeError, r"`device` should be None, a str or a torch.device"),
        ({"device": "nope"}, ValueError, r"`device` should name a torch device"),
        ({"non_blocking": "no"}, TypeError, r"`non_blocking` should be a bool"),
        ({"prepare_batch": 1}, TypeError, r"`prepare_batch` should be callable"),
        ({"model_transform": 1}, TypeError, r"`model_transform` should be callable"),
        ({"output_transform": 1}, TypeError, r"`output_transform` should be callable"),
        ({"model_fn": 1}, TypeError, r"`model_fn` should be callable"),
        ({"amp_mode": "bf16"}, ValueError, r"`amp_mode` should be None, 'amp' or 'apex', got 'bf16'"),
    ],
)
def test_bad_evaluator_arguments_are_refused(override: dict[str, Any], error: type[Exception], match: str) -> None:
    kwargs: dict[str, Any] = {"model": _model(), **override}
    with pytest.raises(error, match=match):
        create_supervised_evaluator(**kwargs)


def test_scaler_none_is_accepted_as_no_scaler() -> None:
    model = _model()
    trainer = create_supervised_trainer(model, _sgd(model), F.mse_loss, scaler=None)  # type: ignore[arg-type]
    assert not hasattr(trainer.state, "scaler")
    assert isinstance(trainer.run(_linear_data(1, 2)).output, float)
