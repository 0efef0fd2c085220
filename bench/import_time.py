"""Import cost of ``ignite.engine`` on top of ``import torch``, each measured in a fresh interpreter.

Prints JSON with the best of ``--repeats`` wall times (ms) of ``python -c "import torch"`` and of
``python -c "import torch; import ignite.engine"``, and their difference. Target: at most 50 ms added
(PyTorch-Ignite 0.5 adds about 1 s, mostly from importing optional dependencies eagerly).

``--anchor-python PATH`` (the interpreter of a separate venv holding ``pytorch-ignite``, see engine_overhead.py)
runs the same measurement there in the same run and adds the ratio of the two added costs.

Usage: ``uv run python bench/import_time.py [--repeats N] [--anchor-python PATH]``
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time

STATEMENTS = {
    "torch": "import torch",
    "torch_and_ignite_engine": "import torch; import ignite.engine",
}


def wall_time_ms(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return (time.perf_counter() - start) * 1000.0


def importtime_ms(module: str) -> float:
    """Cumulative import time of ``module`` after torch, as reported by ``python -X importtime`` (less noisy)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import torch; import {module}"],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in result.stderr.splitlines():
        fields = [field.strip() for field in line.split("|")]
        if len(fields) == 3 and fields[2] == module:
            return int(fields[1]) / 1000.0
    raise RuntimeError(f"{module} not found in the -X importtime output")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--anchor-python", help="python of a venv with pytorch-ignite, measured in the same run")
    options = parser.parse_args()
    # Warm the file system cache so that the first measured statement is not penalised.
    subprocess.run([sys.executable, "-c", STATEMENTS["torch_and_ignite_engine"]], check=True)
    # Interleaved so that both statements see the same machine load.
    times = {name: float("inf") for name in STATEMENTS}
    for _ in range(options.repeats):
        for name, statement in STATEMENTS.items():
            times[name] = min(times[name], wall_time_ms(statement))
    added = times["torch_and_ignite_engine"] - times["torch"]
    cumulative = min(importtime_ms("ignite.engine") for _ in range(options.repeats))
    report = {
        "benchmark": "import_time",
        "repeats": options.repeats,
        "python": platform.python_version(),
        "best_ms": {name: round(value, 1) for name, value in times.items()},
        "ignite_engine_added_ms": round(added, 1),
        "ignite_engine_importtime_cumulative_ms": round(cumulative, 1),
        "target_added_ms": 50.0,
    }
    if options.anchor_python:
        # This script only imports public names, so it measures pytorch-ignite unchanged under its interpreter.
        command = [options.anchor_python, __file__, "--repeats", str(options.repeats)]
        anchor = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        report["anchor"] = {
            "best_ms": anchor["best_ms"],
            "ignite_engine_added_ms": anchor["ignite_engine_added_ms"],
            "ignite_engine_importtime_cumulative_ms": anchor["ignite_engine_importtime_cumulative_ms"],
            "added_ratio_ours_to_anchor": round(added / anchor["ignite_engine_added_ms"], 4),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
