from __future__ import annotations

from typing import Any

import pytest
import torch

from ignite.engine import Engine, Events
from ignite.handlers import FastaiLRFinder


def setup() -> tuple[torch.nn.Linear, torch.optim.SGD, Engine, list[tuple[torch.Tensor, torch.Tensor]]]:
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs = torch.randn(80, 8)
    targets = inputs @ torch.randn(8, 1)
    data = [(inputs[i : i + 8], targets[i : i + 8]) for i in range(0, 80, 8)]

    def step(engine: Engine, batch: tuple[torch.Tensor, torch.Tensor]) -> float:
        x, y = batch
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        return loss.item()

    return model, optimizer, Engine(step), data


def test_range_test_diverges_and_restores_everything() -> None:
    model, optimizer, trainer, data = setup()
    weights = model.weight.detach().clone()
    finder = FastaiLRFinder()
    to_save = {"model": model, "optimizer": optimizer}
    with finder.attach(trainer, to_save, num_iter=100, start_lr=1e-4, end_lr=100.0) as t:
        t.run(data, max_epochs=20)
    history = finder.get_results()
    assert len(history["lr"]) == len(history["loss"])
    # Exponential sweep: iteration k uses start * (end / start) ** ((k - 1) / num_iter).
    expected = [1e-4 * (1e6) ** (k / 100) for k in range(len(history["lr"]))]
    assert history["lr"] == pytest.approx(expected)
    assert finder._diverge_flag and len(history["lr"]) < 100
    suggestion = finder.lr_suggestion()
    assert suggestion in history["lr"]
    assert history["lr"][0] < suggestion < history["lr"][-1]

    # Model, optimizer and trainer are as before the range test.
    torch.testing.assert_close(model.weight, weights)
    assert optimizer.param_groups[0]["lr"] == 0.01
    assert not trainer.has_event_handler(finder._record)
    assert trainer.run(data, max_epochs=1).iteration == 10

    finder.apply_suggested_lr(optimizer)
    assert optimizer.param_groups[0]["lr"] == suggestion


def test_linear_mode_warns_without_divergence_and_restores_a_trainer_that_ran() -> None:
    _, optimizer, trainer, data = setup()
    trainer.run(data, max_epochs=1)
    state = dict(trainer.state_dict())
    finder = FastaiLRFinder()
    with (
        pytest.warns(UserWarning, match="without the loss diverging"),
        finder.attach(
            trainer, {"optimizer": optimizer}, num_iter=15, start_lr=1e-4, end_lr=1e-3, step_mode="linear"
        ) as t,
    ):
        t.run(data, max_epochs=5)
    lrs = finder.get_results()["lr"]
    assert lrs == pytest.approx([1e-4 + (1e-3 - 1e-4) * k / 15 for k in range(15)])
    assert dict(trainer.state_dict()) == state


def test_bad_arguments_and_outputs() -> None:
    model, optimizer, trainer, _ = setup()
    finder = FastaiLRFinder()
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"to_save": {"model": model}}, ValueError, "should contain the key 'optimizer'"),
        ({"smooth_f": 1.0}, ValueError, r"Argument smooth_f should be in \[0, 1\)"),
        ({"diverge_th": 0.5}, ValueError, "Argument diverge_th should be a number >= 1"),
        ({"step_mode": "cos"}, ValueError, "Argument step_mode should be 'exp' or 'linear'"),
        ({"num_iter": 0}, ValueError, "Argument num_iter should be a positive int or None, got 0"),
        ({"end_lr": -1.0}, ValueError, "Argument end_lr should be a positive number"),
        ({"to_save": {"optimizer": model}}, TypeError, r"Argument to_save\['optimizer'\] should be an Optimizer"),
    ]
    for kwargs, error, message in cases:
        arguments: dict[str, Any] = {"to_save": {"optimizer": optimizer}, **kwargs}
        with pytest.raises(error, match=message), finder.attach(trainer, **arguments):
            pass
    with pytest.raises(RuntimeError, match="did not run yet"):
        finder.lr_suggestion()

    text_trainer = Engine(lambda engine, batch: "loss")
    with (
        pytest.raises(TypeError, match="should be a number or a one-element tensor, got str"),
        finder.attach(text_trainer, {"optimizer": optimizer}) as t,
    ):
        t.run([0, 1])
    assert not text_trainer.has_event_handler(finder._record, Events.ITERATION_COMPLETED)
