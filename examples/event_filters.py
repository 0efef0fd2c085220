"""Event filters: ``every``, ``once``, a custom ``event_filter`` and several events joined with ``|``.

A trainer runs over 5 iterations per epoch for 4 epochs with a no-op step; each handler records when it fires, and
the script prints what it recorded:

- ``Events.ITERATION_COMPLETED(every=3)``: iterations 3, 6, 9, ...
- ``Events.ITERATION_COMPLETED(once=7)``: iteration 7 only
- ``Events.EPOCH_COMPLETED(event_filter=...)``: a function ``(engine, event_count) -> bool`` (here: odd epochs)
- ``Events.STARTED | Events.EPOCH_COMPLETED(every=2) | Events.COMPLETED``: one handler on three events

Run: ``uv run python examples/event_filters.py``
"""

from __future__ import annotations

from typing import Any

from ignite.engine import Engine, Events


def main() -> None:
    trainer = Engine(lambda engine, batch: None)
    fired: dict[str, list[Any]] = {"every_3": [], "once_7": [], "odd_epochs": [], "combined": []}

    @trainer.on(Events.ITERATION_COMPLETED(every=3))
    def every_third(engine: Engine) -> None:
        fired["every_3"].append(engine.state.iteration)

    @trainer.on(Events.ITERATION_COMPLETED(once=7))
    def seventh(engine: Engine) -> None:
        fired["once_7"].append(engine.state.iteration)

    def odd(engine: Engine, epoch: int) -> bool:
        return epoch % 2 == 1

    @trainer.on(Events.EPOCH_COMPLETED(event_filter=odd))
    def odd_epochs(engine: Engine) -> None:
        fired["odd_epochs"].append(engine.state.epoch)

    @trainer.on(Events.STARTED | Events.EPOCH_COMPLETED(every=2) | Events.COMPLETED)
    def milestones(engine: Engine) -> None:
        # last_event_name tells which of the joined events fired.
        fired["combined"].append(f"{engine.last_event_name.name}@{engine.state.epoch}")

    trainer.run(range(5), max_epochs=4)
    for name, values in fired.items():
        print(f"{name}: {values}")


if __name__ == "__main__":
    main()
