"""Bump one member's version and the ranges its dependents declare on it.

`bump.py <member> <new-version>`:

1. checks that the new version is a plain release `MAJOR.MINOR.PATCH` greater than the current one;
2. finalises the member's changelog section of the current version (dated today) and opens one for the new version;
3. sets `[project] version` in the member's pyproject;
4. in every workspace pyproject (members and the root meta-package) rewrites each requirement on the member --
   in `[project] dependencies`, optional dependencies and dependency groups -- to `>=NEW,<NEXT`, where NEXT is the
   next minor for 0.x (`0.3.1` -> `<0.4`) and the next major from 1.0 on (`1.2.0` -> `<2`); extras and markers stay;
5. runs `uv lock` (unless --no-lock).

The files are edited as text, line by line, so formatting and comments survive.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from changelog import update_changelog
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from workspace import Distribution, Workspace, WorkspaceError, load_workspace

_RELEASE = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


class BumpError(Exception):
    pass


def parse_release(text: str, what: str) -> tuple[int, int, int]:
    match = _RELEASE.fullmatch(text.strip())
    if match is None:
        raise BumpError(f"{what} must be a release version MAJOR.MINOR.PATCH such as 0.2.0, got {text!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def next_range(version: str) -> str:
    major, minor, _ = parse_release(version, "version")
    upper = f"0.{minor + 1}" if major == 0 else f"{major + 1}"
    return f">={version},<{upper}"


def _requirement_strings(data: dict[str, Any]) -> list[str]:
    project = data.get("project", {})
    found = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        found += list(extra)
    for group in data.get("dependency-groups", {}).values():
        found += [item for item in group if isinstance(item, str)]
    return [str(item) for item in found]


_REQUIREMENT_PARTS = re.compile(r"(?P<head>\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?)\s*[^;]*?(?P<tail>\s*;.*)?")


def _rewrite(req_text: str, new_specifier: str) -> str:
    """Swap the version specifier of a requirement string, keeping its name, extras and marker as written."""
    match = _REQUIREMENT_PARTS.fullmatch(req_text)
    if match is None:
        raise BumpError(f"cannot rewrite the requirement {req_text!r}")
    return f"{match.group('head').rstrip()}{new_specifier}{match.group('tail') or ''}"


def planned_dependents(ws: Workspace, target: Distribution, new_version: str) -> tuple[dict[Path, str], list[str]]:
    """New texts of the pyproject files that declare a range on `target`, and 'file: old -> new' lines."""
    texts: dict[Path, str] = {}
    changes: list[str] = []
    specifier = next_range(new_version)
    for dist in ws.distributions.values():
        if dist.name == target.name:
            continue
        text = dist.pyproject.read_text()
        original = text
        for req_text in _requirement_strings(tomllib.loads(text)):
            if canonicalize_name(Requirement(req_text).name) != target.name:
                continue
            new_text = _rewrite(req_text, specifier)
            literals = [f"{q}{req_text}{q}" for q in ('"', "'") if f"{q}{req_text}{q}" in text]
            if not literals:
                raise BumpError(f"{dist.pyproject}: cannot find the literal of {req_text!r} to rewrite it")
            for literal in literals:
                text = text.replace(literal, literal[0] + new_text + literal[0])
            changes.append(f"{dist.pyproject.relative_to(ws.root)}: {req_text} -> {new_text}")
        if text != original:
            texts[dist.pyproject] = text
    return texts, changes


def with_version(dist: Distribution, new_version: str) -> str:
    """The member's pyproject text with the `version` line of [project] set to `new_version`."""
    lines = dist.pyproject.read_text().splitlines(keepends=True)
    in_project = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            in_project = stripped == "[project]"
        elif in_project and re.match(r"version\s*=", stripped):
            lines[i] = re.sub(r"(['\"])[^'\"]*\1", f'"{new_version}"', line, count=1)
            return "".join(lines)
    raise BumpError(f"{dist.pyproject}: no static `version = ...` line in [project]")


def bump(ws: Workspace, member: str, new_version: str, date: str) -> list[str]:
    dist = ws.get(member)
    new = parse_release(new_version, "new version")
    current = parse_release(dist.version, f"current version of {dist.name} in {dist.pyproject}")
    if new <= current:
        raise BumpError(
            f"new version of {dist.name} must be greater than the current {dist.version}, got {new_version}"
        )
    # Work everything out before writing anything, so a refusal leaves the tree as it was.
    texts, changes = planned_dependents(ws, dist, new_version)
    texts[dist.pyproject] = with_version(dist, new_version)
    changes.insert(0, f"{dist.pyproject.relative_to(ws.root)}: version {dist.version} -> {new_version}")

    has_changelog = dist.folder != ws.root
    if has_changelog:
        update_changelog(ws.root, dist, write=True, date=date)
    for path, text in texts.items():
        path.write_text(text)
    if has_changelog:
        update_changelog(ws.root, load_workspace(ws.root).get(member), write=True, date=None)
        changes.append(f"{(dist.folder / 'CHANGELOG.md').relative_to(ws.root)}: sections {dist.version}, {new_version}")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bump a member's version and its dependents' ranges on it.")
    parser.add_argument("member", help="member folder (engine), distribution name (ignite-engine) or 'all'")
    parser.add_argument("version", help="new version, MAJOR.MINOR.PATCH")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--no-lock", action="store_true", help="do not run `uv lock` afterwards")
    args = parser.parse_args(argv)
    try:
        ws = load_workspace(args.root)
        changes = bump(ws, args.member, args.version, datetime.date.today().isoformat())
    except (WorkspaceError, BumpError) as exc:
        print(f"bump: {exc}", file=sys.stderr)
        return 2
    print("\n".join(changes))
    if args.no_lock:
        return 0
    return subprocess.run([os.environ.get("UV", "uv"), "lock"], cwd=ws.root, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
