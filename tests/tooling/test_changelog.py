"""tools/py/changelog.py (and bump's use of it) on a synthetic workspace in a temporary git repository."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

RunTool = Callable[..., subprocess.CompletedProcess[str]]

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env={**os.environ, **_GIT_ENV}, check=True, capture_output=True)


def _commit(root: Path, subject: str, touch: str | None = None) -> None:
    if touch is not None:
        path = root / touch
        path.write_text(path.read_text() + f"# {subject}\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", subject)


def _section(output: str) -> list[str]:
    return [line for line in output.splitlines() if line]


def test_changelog_lists_member_commits_since_the_version_was_set(run_tool: RunTool, synthetic_workspace: Path) -> None:
    root = synthetic_workspace
    _git(root, "init", "-q", "-b", "main")
    _commit(root, "Lay out the workspace")
    _commit(root, "Teach alpha a trick", "packages/base/src/ignite/alpha/__init__.py")
    _commit(root, "Work on beta only", "packages/top/src/ignite/beta/__init__.py")

    result = run_tool("changelog.py", "base", "--root", root)
    assert result.returncode == 0, result.stderr
    expected = ["## 0.1.0 (unreleased)", "- First version.", "- Teach alpha a trick", "- Lay out the workspace"]
    assert _section(result.stdout) == expected

    bumped = run_tool("bump.py", "base", "0.2.0", "--root", root, "--no-lock")
    assert bumped.returncode == 0, bumped.stderr
    changelog = (root / "packages" / "base" / "CHANGELOG.md").read_text()
    assert "## 0.2.0 (unreleased)\n\n- No changes yet.\n" in changelog
    old = changelog[changelog.index("## 0.1.0 (") :]
    assert "(unreleased)" not in old
    # The hand-written bullet of the fixture's changelog survives, above the compiled ones.
    assert "- First version.\n- Teach alpha a trick\n- Lay out the workspace\n" in old

    _commit(root, "Bump ignite-base to 0.2.0")
    _commit(root, "Fix alpha", "packages/base/src/ignite/alpha/__init__.py")
    result = run_tool("changelog.py", "ignite-base", "--root", root, "--write")
    assert result.returncode == 0, result.stderr
    assert _section(result.stdout) == ["## 0.2.0 (unreleased)", "- Fix alpha", "- Bump ignite-base to 0.2.0"]
    written = (root / "packages" / "base" / "CHANGELOG.md").read_text()
    assert written.count("## 0.2.0") == 1
    assert written.index("## 0.2.0") < written.index("## 0.1.0")
    assert "- Fix alpha\n- Bump ignite-base to 0.2.0\n" in written


def test_changelog_outside_git_says_so(run_tool: RunTool, synthetic_workspace: Path) -> None:
    result = run_tool("changelog.py", "top", "--root", synthetic_workspace, cwd=synthetic_workspace)
    assert result.returncode == 0, result.stderr
    expected = ["## 0.1.0 (unreleased)", "- First version.", "- (not a git checkout: no history to compile)"]
    assert _section(result.stdout) == expected


def test_changelog_refuses_the_meta_package(run_tool: RunTool, synthetic_workspace: Path) -> None:
    result = run_tool("changelog.py", "all", "--root", synthetic_workspace)
    assert result.returncode == 2
    assert "meta-package" in result.stderr
