from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint, EMAHandler


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(3, 2)
        self.norm = torch.nn.BatchNorm1d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.norm(self.linear(x))
        return out


def training(model: torch.nn.Module) -> Engine:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(engine: Engine, batch: torch.Tensor) -> float:
        optimizer.zero_grad()
        loss: torch.Tensor = model(batch).pow(2).mean()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        return loss.item()

    return Engine(step)


def batches() -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return [torch.randn(4, 3, generator=generator) for _ in range(6)]


def test_matches_manual_moving_average_with_warmup() -> None:
    torch.manual_seed(0)
    model = Net()
    ema = EMAHandler(model, momentum=0.1, momentum_warmup=0.5, warmup_iters=5, handle_buffers="update")
    trainer = training(model)
    ema.attach(trainer)
    expected = {k: v.clone() for k, v in model.state_dict().items()}
    momenta: list[float] = []

    def manual(engine: Engine) -> None:
        momentum = engine.state.ema_momentum
        momenta.append(momentum)
        for key, value in model.state_dict().items():
            if value.is_floating_point():
                expected[key] = (1 - momentum) * expected[key] + momentum * value
            else:
                expected[key] = value.clone()

    trainer.add_event_handler(Events.ITERATION_COMPLETED, manual)
    trainer.run(batches(), max_epochs=2)
    assert momenta == pytest.approx([0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    for key, value in ema.ema_model.state_dict().items():
        torch.testing.assert_close(value, expected[key], msg=key)
    assert not any(p.requires_grad for p in ema.ema_model.parameters())
    assert not ema.ema_model.training


@pytest.mark.parametrize("mode", ["copy", "ema_train"])
def test_buffer_modes(mode: str) -> None:
    torch.manual_seed(0)
    model = Net()
    ema = EMAHandler(model, momentum=0.5, handle_buffers=mode)
    trainer = training(model)
    ema.attach(trainer)
    trainer.run(batches())
    ema_state, state = ema.ema_model.state_dict(), model.state_dict()
    if mode == "copy":
        torch.testing.assert_close(ema_state["norm.running_mean"], state["norm.running_mean"])
        assert int(ema_state["norm.num_batches_tracked"]) == 6
    else:
        assert ema.ema_model.training
        # Left to the EMA model itself, which was never run.
        assert int(ema_state["norm.num_batches_tracked"]) == 0


def test_resume_through_checkpoint(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = Net()
    ema = EMAHandler(model, momentum=0.2, momentum_warmup=0.9, warmup_iters=10)
    trainer = training(model)
    ema.attach(trainer)
    trainer.run(batches())
    checkpoint = Checkpoint({"ema": ema}, tmp_path)
    checkpoint(trainer)

    other = EMAHandler(Net(), momentum=0.2, momentum_warmup=0.9, warmup_iters=10)
    assert checkpoint.last_checkpoint is not None
    Checkpoint.load_objects({"ema": other}, checkpoint.last_checkpoint)
    assert other.num_updates == 6
    assert other.current_momentum() == pytest.approx(ema.current_momentum())
    for key, value in ema.ema_model.state_dict().items():
        torch.testing.assert_close(other.ema_model.state_dict()[key], value)


def test_attach_warns_when_attribute_exists() -> None:
    model = Net()
    trainer = training(model)
    trainer.state.ema_momentum = 0.3
    with pytest.warns(UserWarning, match="'ema_momentum' already exists"):
        EMAHandler(model).attach(trainer)
    EMAHandler(model).attach(trainer, warn_if_exists=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"momentum": 0.0}, r"Argument momentum should be a number in \(0, 1\], got 0.0"),
        ({"momentum": 1.5}, "Argument momentum should be"),
        ({"momentum_warmup": 0.5}, "should be given together"),
        ({"momentum_warmup": 2.0, "warmup_iters": 3}, "Argument momentum_warmup should be"),
        ({"momentum_warmup": 0.5, "warmup_iters": 0}, "Argument warmup_iters should be a positive int, got 0"),
        ({"handle_buffers": "mean"}, "Argument handle_buffers should be one of"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EMAHandler(Net(), **kwargs)
    with pytest.raises(ValueError, match=r"Argument model should be a torch\.nn\.Module, got str"):
        EMAHandler("model")  # type: ignore[arg-type]
