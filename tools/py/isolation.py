"""Prove that each distribution works alone, installed from its built wheel.

For every distribution (the members and the `ignite-all` meta-package):

1. `uv build --all-packages --wheel` into `.isolation/dist/`;
2. a fresh venv in `.isolation/venvs/<member>/`, into which go the exact wheel files of the distribution's ignite-*
   closure (read from the wheels' own Requires-Dist) -- named by path, so no ignite-* name is ever looked up on an
   index -- plus pytest, pytest-xdist and the member's `test` dependency group; third-party versions are held to
   uv.lock through a constraints file exported from it, and the ranges between siblings are enforced by the
   resolver (uv does not enforce them inside the workspace);
3. the installed ignite-* distributions must be exactly that closure, at the built versions;
4. the distribution's modules are imported from a folder outside the checkout and must resolve into the venv;
5. its test folder (`tests/<member>`, `tests/integration` for ignite-all), with `tests/conftest.py` and the shared
   helpers of `tests/_support`, is copied beside the root pyproject (for the pytest settings) into
   `.isolation/run/<member>/` and run there without the slow and tier markers (with --with-slow: without the tier
   markers only; the tiers need their own environments). A folder with no tests (pytest exit 5) passes.

Usage: isolation.py [--root DIR] [--with-slow] [--workers N] [MEMBER ...]
"""

from __future__ import annotations

import argparse
import email.parser
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from junit import Counts, read_counts
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from workspace import Distribution, Workspace, WorkspaceError, load_workspace

UV = os.environ.get("UV", "uv")
PYTEST_NO_TESTS = 5
SHARED_TEST_HELPERS = "tests/_support"


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    path: Path
    requires: tuple[Requirement, ...]


@dataclass
class Outcome:
    dist: str
    ok: bool = True
    notes: str = ""
    counts: Counts = field(default_factory=Counts)

    def fail(self, why: str) -> None:
        self.ok = False
        self.notes = why


def _clean_env() -> dict[str, str]:
    # The venv's interpreter must see nothing of the workspace: no uv-run venv, no PYTHONPATH.
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(
    cmd: list[str], cwd: Path | None = None, capture: bool = False, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(cmd), flush=True)
    full_env = {**_clean_env(), **(env or {})}
    return subprocess.run(cmd, cwd=cwd, env=full_env, text=True, capture_output=capture, check=False)


def read_wheels(folder: Path) -> dict[str, Wheel]:
    wheels: dict[str, Wheel] = {}
    for path in sorted(folder.glob("*.whl")):
        with zipfile.ZipFile(path) as archive:
            meta_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            meta = email.parser.Parser().parsestr(archive.read(meta_name).decode())
        reqs = tuple(Requirement(r) for r in meta.get_all("Requires-Dist", []))
        name = canonicalize_name(meta["Name"])
        wheels[name] = Wheel(name, meta["Version"], path, reqs)
    return wheels


def wheel_closure(wheels: dict[str, Wheel], name: str) -> list[str]:
    seen: list[str] = []
    stack = [name]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        if current not in wheels:
            raise WorkspaceError(f"no wheel was built for {current}, which is needed by the closure of {name}")
        seen.append(current)
        stack += [
            canonicalize_name(r.name)
            for r in wheels[current].requires
            if canonicalize_name(r.name).startswith("ignite-") and (r.marker is None or r.marker.evaluate())
        ]
    return sorted(seen)


def _test_group_args(dist: Distribution) -> list[str]:
    with dist.pyproject.open("rb") as fh:
        groups = tomllib.load(fh).get("dependency-groups", {})
    return ["--group", f"{dist.pyproject}:test"] if "test" in groups else []


@dataclass(frozen=True)
class IsolationSettings:
    """`[tool.ignite.isolation]` of a member: extras of its wheel to install, and environment for its tests."""

    extras: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


def _isolation_settings(dist: Distribution) -> IsolationSettings:
    with dist.pyproject.open("rb") as fh:
        table = tomllib.load(fh).get("tool", {}).get("ignite", {}).get("isolation", {})
    return IsolationSettings(tuple(table.get("extras", ())), {str(k): str(v) for k, v in table.get("env", {}).items()})


def _wheel_requirement(wheel: Wheel, extras: tuple[str, ...]) -> str:
    if not extras:
        return str(wheel.path)
    return f"{wheel.name}[{','.join(extras)}] @ {wheel.path.resolve().as_uri()}"


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _installed_ignite(venv: Path) -> dict[str, str]:
    proc = _run([UV, "pip", "list", "--python", str(_python(venv)), "--format", "json"], capture=True)
    if proc.returncode != 0:
        raise WorkspaceError(f"uv pip list failed: {proc.stderr}")
    rows = json.loads(proc.stdout)
    return {canonicalize_name(r["name"]): r["version"] for r in rows if r["name"].lower().startswith("ignite-")}


_IMPORT_CHECK = """
import importlib, json, sys
found = {}
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    found[name] = getattr(module, "__file__", None) or list(module.__path__)[0]
found["ignite (namespace portions)"] = list(importlib.import_module("ignite").__path__)
print(json.dumps(found))
"""


def _check_imports(ws: Workspace, venv: Path, modules: list[str], cwd: Path) -> str | None:
    proc = _run([str(_python(venv)), "-c", _IMPORT_CHECK, *modules], cwd=cwd, capture=True)
    if proc.returncode != 0:
        return f"import failed:\n{proc.stderr.strip()}"
    found: dict[str, str | list[str]] = json.loads(proc.stdout)
    venv_root = venv.resolve()
    for name, where in found.items():
        for path in [where] if isinstance(where, str) else where:
            if not Path(path).resolve().is_relative_to(venv_root):
                return f"{name} was imported from {path}, outside the isolated venv {venv}"
        print(f"  {name}: {where}")
    return None


def check_one(
    ws: Workspace, dist: Distribution, wheels: dict[str, Wheel], out: Path, args: argparse.Namespace
) -> Outcome:
    outcome = Outcome(dist.name)
    closure = wheel_closure(wheels, dist.name)
    venv = out / "venvs" / dist.member
    print(f"\n== {dist.name}: closure {', '.join(closure)}", flush=True)
    if _run([UV, "venv", "--clear", "--quiet", "--python", sys.executable, str(venv)]).returncode != 0:
        outcome.fail("uv venv failed")
        return outcome
    install = [UV, "pip", "install", "--quiet", "--python", str(_python(venv)), "-c", str(out / "constraints.txt")]
    settings = _isolation_settings(dist)
    install += [_wheel_requirement(wheels[name], settings.extras if name == dist.name else ()) for name in closure]
    install += ["pytest", "pytest-xdist", *_test_group_args(dist)]
    if _run(install).returncode != 0:
        outcome.fail("install failed (see the resolver's message above)")
        return outcome

    installed = _installed_ignite(venv)
    expected = {name: wheels[name].version for name in closure}
    if installed != expected:
        outcome.fail(f"venv holds ignite-* {installed}, expected exactly the closure {expected}")
        return outcome

    run_dir = out / "run" / dist.member
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    modules = (
        sorted(m for name in closure for m in ws.distributions[name].owned) if not dist.owned else list(dist.owned)
    )
    problem = _check_imports(ws, venv, modules, run_dir)
    if problem:
        outcome.fail(problem)
        return outcome

    tests = dist.test_dir(ws.root)
    rel = tests.relative_to(ws.root)
    if not tests.is_dir():
        outcome.notes = f"no test folder {rel}"
        return outcome
    shutil.copytree(tests, run_dir / rel, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ws.root / "pyproject.toml", run_dir / "pyproject.toml")
    if (ws.root / "tests" / "conftest.py").is_file():
        shutil.copy2(ws.root / "tests" / "conftest.py", run_dir / "tests" / "conftest.py")
    if (
        ws.root / SHARED_TEST_HELPERS
    ).is_dir():  # helpers several test folders import (put on sys.path by the conftest)
        shutil.copytree(
            ws.root / SHARED_TEST_HELPERS, run_dir / SHARED_TEST_HELPERS, ignore=shutil.ignore_patterns("__pycache__")
        )
    junit = out / "junit" / f"{dist.member}.xml"
    junit.unlink(missing_ok=True)
    cmd = [str(_python(venv)), "-m", "pytest", str(rel), "-p", "no:cacheprovider", f"--junitxml={junit}"]
    tiers = "(slurm or horovod or xla or mpirun)"
    cmd += ["-m", f"not {tiers}"] if args.with_slow else ["-m", f"not slow and not {tiers}"]
    cmd += ["-n", str(args.workers)] if args.workers > 1 else []
    status = _run(cmd, cwd=run_dir, env=settings.env).returncode
    outcome.counts = read_counts(junit)
    if status == PYTEST_NO_TESTS:
        outcome.notes = f"no tests in {rel}"
    elif status != 0:
        outcome.fail(f"pytest exited {status} in {rel}")
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install each distribution alone from its wheel and test it.")
    parser.add_argument("members", nargs="*", help="member folders or distribution names (default: all)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--with-slow", action="store_true", help="also run the tests marked slow")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers per test folder (1: serial)")
    args = parser.parse_args(argv)
    try:
        ws = load_workspace(args.root)
        chosen = [ws.get(m) for m in args.members] or list(ws.distributions.values())
    except WorkspaceError as exc:
        print(f"isolation: {exc}", file=sys.stderr)
        return 2

    out = ws.root / ".isolation"
    for stale in ("dist", "junit"):
        shutil.rmtree(out / stale, ignore_errors=True)
    if _run([UV, "build", "--all-packages", "--wheel", "--quiet", "-o", str(out / "dist")], cwd=ws.root).returncode:
        print("isolation: uv build failed", file=sys.stderr)
        return 1
    export = [UV, "export", "--frozen", "--all-packages", "--all-groups", "--all-extras", "--no-emit-workspace"]
    export += ["--no-hashes"]
    export += ["--no-header", "--quiet", "-o", str(out / "constraints.txt")]
    if _run(export, cwd=ws.root).returncode:
        print("isolation: uv export of the lock failed", file=sys.stderr)
        return 1

    wheels = read_wheels(out / "dist")
    outcomes: list[Outcome] = []
    for dist in chosen:
        try:
            outcomes.append(check_one(ws, dist, wheels, out, args))
        except WorkspaceError as exc:
            outcomes.append(Outcome(dist.name, ok=False, notes=str(exc)))

    print("\nisolation summary:")
    for o in outcomes:
        tests = o.counts.line() if o.counts.total else "no tests run"
        print(f"  {'ok  ' if o.ok else 'FAIL'} {o.dist:<24} {tests}{'; ' + o.notes if o.notes else ''}")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
