"""Custom events: a training step that fires backprop events, and handlers that listen to them.

``BackpropEvents`` is an ``EventEnum``; ``trainer.register_events`` makes the engine accept it, and the step fires
each event with ``engine.fire_event``. The events take filters like the built-in ones
(``BackpropEvents.BACKWARD_COMPLETED(every=4)``); ``event_to_attr`` names the state attribute that counts them.

Run: ``uv run python examples/custom_events.py [--epochs 2]``
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

from ignite.engine import Engine, EventEnum, Events


class BackpropEvents(EventEnum):
    BACKWARD_STARTED = "backward_started"
    BACKWARD_COMPLETED = "backward_completed"
    OPTIM_STEP_COMPLETED = "optim_step_completed"


def main() -> None:
    parser = argparse.ArgumentParser(description="Custom events fired from a training step.")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(10)]

    def train_step(engine: Engine, batch: tuple[torch.Tensor, torch.Tensor]) -> float:
        x, y = batch
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        engine.fire_event(BackpropEvents.BACKWARD_STARTED)
        loss.backward()  # type: ignore[no-untyped-call,unused-ignore]
        engine.state.backward_count += 1
        engine.fire_event(BackpropEvents.BACKWARD_COMPLETED)
        optimizer.step()
        engine.fire_event(BackpropEvents.OPTIM_STEP_COMPLETED)
        return loss.item()

    trainer = Engine(train_step)
    trainer.register_events(*BackpropEvents, event_to_attr={BackpropEvents.BACKWARD_COMPLETED: "backward_count"})

    grad_norms: list[float] = []
    steps = 0

    @trainer.on(BackpropEvents.BACKWARD_COMPLETED)
    def record_gradient_norm(engine: Engine) -> None:
        # The gradients exist only between backward and the optimizer step: the place a custom event opens up.
        grad_norms.append(float(torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]).norm()))

    @trainer.on(BackpropEvents.BACKWARD_COMPLETED(every=4))
    def report(engine: Engine) -> None:
        print(f"backward pass {engine.state.backward_count}: gradient norm {grad_norms[-1]:.4f}")

    @trainer.on(BackpropEvents.OPTIM_STEP_COMPLETED)
    def count_steps(engine: Engine) -> None:
        nonlocal steps
        steps += 1

    @trainer.on(Events.COMPLETED)
    def summary(engine: Engine) -> None:
        print(
            f"iterations {engine.state.iteration}, backward passes {engine.state.backward_count}, "
            f"gradient norms recorded {len(grad_norms)}, optimizer steps {steps}"
        )

    trainer.run(data, max_epochs=args.epochs)


if __name__ == "__main__":
    main()
