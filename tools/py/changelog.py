"""Per-package changelogs compiled from git history.

The scheme, kept deliberately small:

- The `version` in a member's pyproject is the version its code is working towards. The commit that last changed
  that line (a bump, or the commit that created the file) opens the version.
- The section of the current version lists the subjects of the non-merge commits touching `packages/<member>/` from
  that commit (included) to HEAD, newest first. A version set in the working tree but not committed yet has no
  commits.
- `changelog.py <member>` prints that section; `--write` also puts it into `packages/<member>/CHANGELOG.md`,
  replacing the section of the same version if there is one, else inserting it above the previous ones. Bullets
  written by hand into that section are kept (above the compiled ones), so notes can be added freely.
  `tools/bump` writes the section of the old version (dated, so it is final) before it changes the version.

Usage: changelog.py [--root DIR] [--write] [--date YYYY-MM-DD] MEMBER
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from workspace import Distribution, WorkspaceError, load_workspace

_SECTION = re.compile(r"^## (?P<version>\S+).*$", re.MULTILINE)


def _git(root: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


def _committed_version(root: Path, commit: str, pyproject: str) -> str | None:
    text = _git(root, "show", f"{commit}:{pyproject}")
    if text is None:
        return None
    try:
        version = tomllib.loads(text).get("project", {}).get("version")
    except tomllib.TOMLDecodeError:
        return None
    return version if isinstance(version, str) else None


def commit_subjects(root: Path, dist: Distribution) -> list[str] | None:
    """Subjects for the current version, newest first; None when `root` is not a git checkout."""
    folder = dist.folder.relative_to(root).as_posix()
    pyproject = dist.pyproject.relative_to(root).as_posix()
    opened = _git(root, "log", "-G", r"^version\s*=", "--format=%H", "--", pyproject)
    if opened is None:
        return None
    opening = next(iter(opened.split()), None)
    if opening is None or _committed_version(root, opening, pyproject) != dist.version:
        return []
    log = _git(root, "log", "--no-merges", "--format=%H %s", "--", folder) or ""
    subjects: list[str] = []
    for line in log.splitlines():
        sha, _, subject = line.partition(" ")
        subjects.append(subject)
        if sha == opening:
            break
    return subjects


_NO_GIT = "- (not a git checkout: no history to compile)"
_NO_CHANGES = "- No changes yet."


def _sections(text: str) -> dict[str, tuple[int, int]]:
    """`version -> (start, end)` of each `## version ...` section of a changelog text."""
    matches = list(_SECTION.finditer(text))
    return {
        m.group("version"): (m.start(), matches[i + 1].start() if i + 1 < len(matches) else len(text))
        for i, m in enumerate(matches)
    }


def render_section(path: Path, version: str, subjects: list[str] | None, date: str | None) -> str:
    """The section for `version`: hand-written bullets already in it first, then the commit subjects."""
    text = path.read_text() if path.is_file() else ""
    start, end = _sections(text).get(version, (0, 0))
    compiled = [_NO_GIT] if subjects is None else [f"- {s}" for s in subjects]
    kept = [
        line
        for line in text[start:end].splitlines()
        if line.startswith("- ") and line not in compiled and line not in (_NO_GIT, _NO_CHANGES)
    ]
    body = kept + compiled or [_NO_CHANGES]
    return "\n".join([f"## {version} ({date or 'unreleased'})", "", *body]) + "\n"


def write_section(path: Path, title: str, version: str, section: str) -> None:
    """Replace the `## <version>` section of the changelog at `path`, or insert it above the others."""
    text = path.read_text() if path.is_file() else f"# {title}\n"
    sections = _sections(text)
    if version in sections:
        start, end = sections[version]
        path.write_text(text[:start] + section + ("\n" if end < len(text) else "") + text[end:])
        return
    at = min((start for start, _ in sections.values()), default=len(text))
    rest = text[at:]
    path.write_text(text[:at].rstrip("\n") + "\n\n" + section + ("\n" + rest if rest else ""))


def update_changelog(root: Path, dist: Distribution, write: bool, date: str | None) -> str:
    path = dist.folder / "CHANGELOG.md"
    section = render_section(path, dist.version, commit_subjects(root, dist), date)
    if write:
        write_section(path, f"Changelog of {dist.name}", dist.version, section)
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print (and optionally write) a member's changelog section.")
    parser.add_argument("member", help="member folder (engine) or distribution name (ignite-engine)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--write", action="store_true", help="write the section into the member's CHANGELOG.md")
    parser.add_argument("--date", help="release date for the heading (default: 'unreleased')")
    args = parser.parse_args(argv)
    try:
        ws = load_workspace(args.root)
        dist = ws.get(args.member)
    except WorkspaceError as exc:
        print(f"changelog: {exc}", file=sys.stderr)
        return 2
    if dist.folder == ws.root:
        print(f"changelog: {dist.name} is the meta-package; it has no changelog of its own", file=sys.stderr)
        return 2
    print(update_changelog(ws.root, dist, args.write, args.date), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
