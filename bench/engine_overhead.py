"""Per-iteration overhead of ``Engine.run`` over a bare Python loop calling the same process function.

Prints JSON. Scenarios (each the best of ``--repeats`` runs over ``--iterations`` batches):

- ``no_handlers``: ``Engine(step).run(data)`` with nothing attached;
- ``10_handlers``: ten no-op handlers on ``ITERATION_COMPLETED``;
- ``10_filtered_handlers``: ten no-op handlers on ``ITERATION_COMPLETED(every=100)``;
- ``custom_event``: the process function fires a registered custom event with one no-op handler; its bare loop
  calls that handler directly, so the overhead is the engine plus ``fire_event``.

Anchors measured with PyTorch-Ignite 0.5 on the same kind of 2-core machine: about 5 us/iter with no handlers and
19.5 us/iter with 10 filtered handlers. To measure the anchor in the same run, give ``--anchor-python`` the
interpreter of a separate venv holding ``pytorch-ignite`` (it cannot share a venv with this namespace package):
this script only uses the public Ignite API, so it runs there unchanged, and the report gains the anchor's figures
and the ratios of our overheads to its overheads.

Usage: ``uv run python bench/engine_overhead.py [--iterations N] [--repeats R] [--anchor-python PATH]``
(``uv venv .build/anchor-ignite && uv pip install --python .build/anchor-ignite/bin/python pytorch-ignite==0.5.5
torch`` makes such an interpreter).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import time
from collections.abc import Callable
from typing import Any

import torch

from ignite.engine import Engine, EventEnum, Events


class BenchEvents(EventEnum):
    CUSTOM = "custom"


def _noop(engine: Any = None) -> None:
    return None


def _step(engine: Any, batch: Any) -> Any:
    return batch


def _best(fn: Callable[[], None], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def _bare(step: Callable[[Any, Any], Any], data: list[int]) -> Callable[[], None]:
    def loop() -> None:
        for batch in data:
            step(None, batch)

    return loop


def _engine_run(engine: Engine, data: list[int]) -> Callable[[], None]:
    def run() -> None:
        engine.state.max_epochs = None  # start a new run each repeat
        engine.run(data, max_epochs=1)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--anchor-python", help="python of a venv with pytorch-ignite, measured in the same run")
    options = parser.parse_args()
    n, repeats = options.iterations, options.repeats
    data = list(range(n))

    plain = Engine(_step)

    many = Engine(_step)
    for _ in range(10):
        many.add_event_handler(Events.ITERATION_COMPLETED, _noop)

    filtered = Engine(_step)
    for _ in range(10):
        filtered.add_event_handler(Events.ITERATION_COMPLETED(every=100), _noop)

    def fire_step(engine: Engine, batch: Any) -> Any:
        engine.fire_event(BenchEvents.CUSTOM)
        return batch

    def direct_step(engine: Any, batch: Any) -> Any:
        _noop(engine)
        return batch

    custom = Engine(fire_step)
    custom.register_events(*BenchEvents)
    custom.add_event_handler(BenchEvents.CUSTOM, _noop)

    scenarios: dict[str, tuple[Callable[[], None], Callable[[], None]]] = {
        "no_handlers": (_engine_run(plain, data), _bare(_step, data)),
        "10_handlers": (_engine_run(many, data), _bare(_step, data)),
        "10_filtered_handlers": (_engine_run(filtered, data), _bare(_step, data)),
        "custom_event": (_engine_run(custom, data), _bare(direct_step, data)),
    }
    results: dict[str, dict[str, float]] = {}
    for name, (engine_fn, bare_fn) in scenarios.items():
        bare = _best(bare_fn, repeats) / n * 1e6
        engine_time = _best(engine_fn, repeats) / n * 1e6
        results[name] = {
            "engine_us_per_iter": round(engine_time, 4),
            "bare_loop_us_per_iter": round(bare, 4),
            "overhead_us_per_iter": round(engine_time - bare, 4),
            "ratio_to_bare": round(engine_time / bare, 2),
        }
    report = {
        "benchmark": "engine_overhead",
        "iterations": n,
        "repeats": repeats,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "scenarios": results,
        "targets_overhead_us_per_iter": {"no_handlers": 0.5, "10_filtered_handlers": 1.5},
        "pytorch_ignite_0_5_anchor_us_per_iter": {"no_handlers": 5.0, "10_filtered_handlers": 19.5},
    }
    if options.anchor_python:
        report["anchor"] = _measure_anchor(options.anchor_python, n, repeats, results)
    print(json.dumps(report, indent=2))


def _measure_anchor(python: str, n: int, repeats: int, ours: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Run this same script under ``python`` (a venv with pytorch-ignite) and compare overheads scenario by scenario."""
    command = [python, __file__, "--iterations", str(n), "--repeats", str(repeats)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    theirs = json.loads(completed.stdout)["scenarios"]
    version = subprocess.run(
        [python, "-c", "import ignite; print(ignite.__version__)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return {
        "pytorch_ignite_version": version,
        "scenarios": theirs,
        "overhead_ratio_ours_to_anchor": {
            name: round(ours[name]["overhead_us_per_iter"] / theirs[name]["overhead_us_per_iter"], 4) for name in ours
        },
    }


if __name__ == "__main__":
    main()
