"""Release one distribution: bump it, build its wheel and sdist, prove they install, print its changelog.

`release.py MEMBER VERSION [--dry-run]`:

1. `bump.py MEMBER VERSION` (the member's version, its dependents' ranges, its changelog sections, uv.lock);
2. `uv build --package NAME --wheel --sdist` into `.build/release/<name>-<version>/`, plus the wheels of the other
   workspace distributions (the released one must install next to its siblings as they are);
3. a fresh venv with the released wheel alone (its ignite-* dependencies from the built wheels, nothing from an
   index under an ignite-* name): the installed versions must be exactly its closure, and each module it owns must
   import from that venv; then a second venv with the meta-package `ignite-all`, which must pick the new version;
4. the sdist must build a wheel again (what a user installing from source gets);
5. prints the changelog section of the new version's predecessor (finalised by the bump).

With `--dry-run` all of this runs in a temporary git worktree of HEAD (`.build/release-dry-run/`), removed at the end:
the checkout is left untouched. Without it the bump stays in the working tree, to be reviewed and committed.

VERSION may be `major`, `minor` or `patch`: the member's current version with that part raised.

Usage: release.py [--root DIR] [--dry-run] MEMBER VERSION
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from isolation import read_wheels, wheel_closure
from workspace import Distribution, WorkspaceError, load_workspace

UV = os.environ.get("UV", "uv")


class ReleaseError(Exception):
    pass


def _run(cmd: list[str], cwd: Path, capture: bool = False) -> str:
    print("+", " ".join(cmd), flush=True)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    proc = subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=capture, check=False)
    if proc.returncode != 0:
        detail = f":\n{proc.stderr.strip()}" if capture else ""
        raise ReleaseError(f"{' '.join(cmd[:3])} ... exited {proc.returncode}{detail}")
    return proc.stdout if capture else ""


def _venv(path: Path, cwd: Path) -> Path:
    _run([UV, "venv", "--clear", "--quiet", "--python", sys.executable, str(path)], cwd)
    return path / "bin" / "python"


def _installed_ignite(python: Path, cwd: Path) -> dict[str, str]:
    rows = json.loads(_run([UV, "pip", "list", "--python", str(python), "--format", "json"], cwd, capture=True))
    return {r["name"].lower(): r["version"] for r in rows if r["name"].lower().startswith("ignite")}


def _check_install(root: Path, dist: Distribution, version: str, out: Path) -> None:
    wheels = read_wheels(out / "wheels")
    if wheels[dist.name].version != version:
        raise ReleaseError(f"built {dist.name} {wheels[dist.name].version}, expected {version}")
    ws = load_workspace(root)

    closure = wheel_closure(wheels, dist.name)
    alone = _venv(out / "venv-alone", root)
    _run([UV, "pip", "install", "--quiet", "--python", str(alone), *[str(wheels[n].path) for n in closure]], root)
    installed = _installed_ignite(alone, root)
    expected = {name: wheels[name].version for name in closure}
    if installed != expected:
        raise ReleaseError(f"{dist.name} alone installed {installed}, expected exactly {expected}")
    with tempfile.TemporaryDirectory() as elsewhere:  # imports must come from the venv, not the checkout
        for module in dist.owned:
            _run([str(alone), "-c", f"import {module}"], Path(elsewhere))
    print(f"release: {dist.name} {version} installs alone: {', '.join(f'{k} {v}' for k, v in installed.items())}")

    meta_name = next(name for name, d in ws.distributions.items() if not d.owned)
    meta = _venv(out / "venv-meta", root)
    everything = [str(wheels[n].path) for n in wheel_closure(wheels, meta_name)]
    _run([UV, "pip", "install", "--quiet", "--python", str(meta), *everything], root)
    with_meta = _installed_ignite(meta, root)
    if with_meta.get(dist.name) != version:
        raise ReleaseError(f"{meta_name} installed {dist.name} {with_meta.get(dist.name)}, expected {version}")
    print(f"release: {dist.name} {version} installs with {meta_name}: {len(with_meta)} ignite distributions")


def next_version(current: str, part: str) -> str:
    """``current`` with its ``part`` (major, minor or patch) raised and the parts after it reset."""
    major, minor, patch = (int(p) for p in current.split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def release(root: Path, member: str, version: str) -> Path:
    """Run the release steps in the repository at ``root``; returns the folder holding the artefacts."""
    ws = load_workspace(root)
    dist = ws.get(member)
    if version in ("major", "minor", "patch"):
        version = next_version(dist.version, version)
    tools = root / "tools" / "py"
    _run([sys.executable, str(tools / "bump.py"), dist.member, version, "--root", str(root)], root)
    out = root / ".build" / "release" / f"{dist.name}-{version}"
    shutil.rmtree(out, ignore_errors=True)
    _run([UV, "build", "--package", dist.name, "--wheel", "--sdist", "--quiet", "-o", str(out)], root)
    _run([UV, "build", "--all-packages", "--wheel", "--quiet", "-o", str(out / "wheels")], root)
    sdists = sorted(out.glob("*.tar.gz"))
    if len(sdists) != 1 or f"-{version}.tar.gz" not in sdists[0].name:
        raise ReleaseError(f"expected one sdist of version {version} in {out}, found {[p.name for p in sdists]}")
    _check_install(root, dist, version, out)
    _run([UV, "build", "--wheel", "--quiet", "-o", str(out / "from-sdist"), str(sdists[0])], root)
    print(f"release: the sdist {sdists[0].name} builds a wheel")
    changelog = (dist.folder / "CHANGELOG.md").read_text(encoding="utf-8")
    print(f"\nrelease: {dist.folder.relative_to(root)}/CHANGELOG.md now reads:\n{changelog}")
    return out


def dry_run(root: Path, member: str, version: str) -> None:
    worktree = root / ".build" / "release-dry-run"
    if worktree.exists():
        _run(["git", "worktree", "remove", "--force", str(worktree)], root)
    _run(["git", "worktree", "add", "--detach", "--quiet", str(worktree), "HEAD"], root)
    try:
        out = release(worktree, member, version)
        print(f"release: dry run of {member} {version} passed (artefacts were in {out.relative_to(worktree)})")
    finally:
        _run(["git", "worktree", "remove", "--force", str(worktree)], root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bump, build and check the release of one distribution.")
    parser.add_argument("member", help="member folder (metrics) or distribution name (ignite-metrics)")
    parser.add_argument("version", help="the new version, MAJOR.MINOR.PATCH, or major / minor / patch")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--dry-run", action="store_true", help="work in a throwaway git worktree of HEAD")
    args = parser.parse_args(argv)
    try:
        if args.dry_run:
            dry_run(args.root, args.member, args.version)
        else:
            release(args.root, args.member, args.version)
    except (WorkspaceError, ReleaseError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
