"""The steps of `tools/test`, run in order; each runs even when an earlier one failed.

lint, typecheck, edges: the tools of the same names. doctest: the `>>>` examples in the library sources.
tests: pytest -n 2 over tests/ without the `slow` marker and the tier markers. slow: the `slow` tests alone, serially
(they start processes of their own). isolation: tools/isolation. release: a dry run of tools/release.
slurm: `tools/slurm up` (installs SLURM if missing and starts a single-node cluster, left running; `tools/slurm down`
stops it), then the `slurm` tests, serially.
loggers, mpirun, horovod, xla: the tier scripts tools/<name>_tier, each building its own environment (logger
backends; Debian's openmpi; a Horovod wheel built once and cached; torch 2.9 + torch_xla) and running its tests.
pytest's exit 5 (nothing collected) passes and is reported.

The last line of the output is the total over the pytest steps, `tests: N passed, N failed, N skipped`.

Usage: run_tests.py [--skip STEP ...] [--only STEP ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from junit import Counts, read_counts

ROOT = Path(__file__).resolve().parents[2]
JUNIT_DIR = ROOT / ".build" / "junit"
PYTEST_NO_TESTS = 5


@dataclass(frozen=True)
class Step:
    name: str
    command: list[str]
    junit: Path | None = None
    reports: str | None = None  # glob of junit reports a step leaves behind, shown but not totalled
    setup: list[str] | None = None  # run first; when it fails the step fails and its command is not run


def _pytest(name: str, *args: str) -> Step:
    junit = JUNIT_DIR / f"{name}.xml"
    return Step(name, [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", *args], junit)


# Tests that need an environment of their own; each runs only in the step of its tier.
TIER_MARKERS = "(slurm or horovod or xla or mpirun)"


def _tier(name: str, script: str) -> Step:
    # The tier scripts build their own venv and run pytest with its interpreter; extra arguments go to pytest.
    junit = JUNIT_DIR / f"{name}.xml"
    return Step(name, ["bash", script, "-p", "no:cacheprovider", f"--junitxml={junit}"], junit)


def steps() -> list[Step]:
    sources = sorted(glob.glob("packages/*/src", root_dir=ROOT))
    return [
        Step("lint", ["bash", "tools/lint"]),
        Step("typecheck", ["bash", "tools/typecheck"]),
        Step("edges", ["bash", "tools/check_edges"]),
        _pytest("doctest", "--doctest-modules", *sources),
        _pytest("tests", "tests", "-n", "2", "-m", f"not slow and not {TIER_MARKERS}"),
        _pytest("slow", "tests", "-m", f"slow and not {TIER_MARKERS}"),
        Step("isolation", ["bash", "tools/isolation"], reports=".isolation/junit/*.xml"),
        # The release flow, rehearsed in a throwaway worktree: bump, wheel + sdist, install alone and with ignite-all.
        Step("release", ["bash", "tools/release", "metrics", "patch", "--dry-run"]),
        dataclasses.replace(_pytest("slurm", "tests", "-m", "slurm"), setup=["bash", "tools/slurm", "up"]),
        _tier("loggers", "tools/loggers_tier"),
        _tier("mpirun", "tools/mpirun_tier"),
        _tier("horovod", "tools/horovod_tier"),
        _tier("xla", "tools/xla_tier"),
    ]


def main(argv: list[str] | None = None) -> int:
    names = [s.name for s in steps()]
    parser = argparse.ArgumentParser(description="Run every check of the repository.")
    parser.add_argument("--skip", action="append", default=[], choices=names, help="leave a step out")
    parser.add_argument("--only", action="append", default=[], choices=names, help="run only these steps")
    args = parser.parse_args(argv)
    chosen = [s for s in steps() if s.name not in args.skip and (not args.only or s.name in args.only)]
    JUNIT_DIR.mkdir(parents=True, exist_ok=True)

    rows: list[tuple[str, str, float, str]] = []
    total = Counts()
    for step in chosen:
        setup = "" if step.setup is None else f"{' '.join(step.setup)} && "
        print(f"\n==> {step.name}: {setup}{' '.join(step.command)}", flush=True)
        if step.junit is not None:
            step.junit.unlink(missing_ok=True)
        started = time.monotonic()
        setup_status = 0 if step.setup is None else subprocess.run(step.setup, cwd=ROOT, check=False).returncode
        if setup_status != 0:
            rows.append((step.name, f"FAIL (setup exit {setup_status})", time.monotonic() - started, ""))
            continue
        status = subprocess.run(step.command, cwd=ROOT, check=False).returncode
        elapsed = time.monotonic() - started
        detail = ""
        if step.junit is not None:
            counts = read_counts(step.junit)
            total += counts
            detail = "no tests collected" if status == PYTEST_NO_TESTS else counts.line()
        elif step.reports is not None:
            counts = sum((read_counts(ROOT / p) for p in glob.glob(step.reports, root_dir=ROOT)), Counts())
            detail = f"{counts.line()} (re-runs, not in the total)"
        ok = status == 0 or (step.junit is not None and status == PYTEST_NO_TESTS)
        rows.append((step.name, "ok" if ok else f"FAIL (exit {status})", elapsed, detail))

    print("\n" + "=" * 30 + " tools/test summary " + "=" * 30)
    for name, state, elapsed, detail in rows:
        print(f"{state:<16} {name:<10} {elapsed:7.1f}s  {detail}")
    failed = [name for name, state, _, _ in rows if state != "ok"]
    print(f"tools/test: {'FAILED: ' + ', '.join(failed) if failed else 'all steps passed'}")
    print(f"tests: {total.line()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
