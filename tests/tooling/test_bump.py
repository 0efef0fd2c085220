"""tools/py/bump.py on a temporary copy of the workspace's pyproject files and changelogs."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
RunTool = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def workspace_copy(tmp_path: Path) -> Path:
    """The real root and member pyproject files and changelogs, without sources (bump never reads them)."""
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    for member in sorted((REPO / "packages").iterdir()):
        if (member / "pyproject.toml").is_file():
            (root / "packages" / member.name).mkdir(parents=True)
            for name in ("pyproject.toml", "CHANGELOG.md"):
                if (member / name).is_file():
                    shutil.copy2(member / name, root / "packages" / member.name / name)
    return root


def _project(path: Path) -> dict[str, object]:
    with path.open("rb") as fh:
        project = tomllib.load(fh)["project"]
    assert isinstance(project, dict)
    return project


def _requirements_on(path: Path, name: str) -> list[str]:
    deps = _project(path).get("dependencies", [])
    assert isinstance(deps, list)
    return [str(d) for d in deps if Requirement(str(d)).name == name]


def _version(root: Path, member: str) -> tuple[int, int, int]:
    major, minor, patch = str(_project(root / "packages" / member / "pyproject.toml")["version"]).split(".")
    return int(major), int(minor), int(patch)


def _next_minor(root: Path, member: str) -> tuple[str, str]:
    """The next 0.x minor release of a member and the range dependents must get, e.g. ("0.2.0", "<0.3")."""
    major, minor, _ = _version(root, member)
    assert major == 0, "these tests assume 0.x members; adapt them when a member reaches 1.0"
    return f"0.{minor + 1}.0", f"<0.{minor + 2}"


def test_bump_sets_version_and_rewrites_every_dependent_range(run_tool: RunTool, workspace_copy: Path) -> None:
    before = {p: p.read_text() for p in workspace_copy.rglob("pyproject.toml")}
    metrics_range = _requirements_on(workspace_copy / "pyproject.toml", "ignite-metrics")
    new, upper = _next_minor(workspace_copy, "engine")
    result = run_tool("bump.py", "engine", new, "--root", workspace_copy, "--no-lock")
    assert result.returncode == 0, result.stderr

    assert _project(workspace_copy / "packages" / "engine" / "pyproject.toml")["version"] == new
    dependents = [path for path, text in before.items() if '"ignite-engine>=' in text]
    # handlers, contrib-loggers and the ignite-all meta-package declare a range on ignite-engine.
    assert workspace_copy / "pyproject.toml" in dependents
    assert workspace_copy / "packages" / "handlers" / "pyproject.toml" in dependents
    for path in dependents:
        assert _requirements_on(path, "ignite-engine") == [f"ignite-engine>={new},{upper}"], path
    # Nothing else changed: other ranges and the untouched members are byte for byte the same.
    assert _requirements_on(workspace_copy / "pyproject.toml", "ignite-metrics") == metrics_range
    for path, text in before.items():
        if path not in dependents and path.parent.name != "engine":
            assert path.read_text() == text, path


def test_bump_from_one_onwards_caps_at_next_major(run_tool: RunTool, workspace_copy: Path) -> None:
    assert run_tool("bump.py", "ignite-distributed", "1.0.0", "--root", workspace_copy, "--no-lock").returncode == 0
    engine = workspace_copy / "packages" / "engine" / "pyproject.toml"
    assert _requirements_on(engine, "ignite-distributed") == ["ignite-distributed>=1.0.0,<2"]
    assert run_tool("bump.py", "distributed", "1.4.2", "--root", workspace_copy, "--no-lock").returncode == 0
    assert _requirements_on(engine, "ignite-distributed") == ["ignite-distributed>=1.4.2,<2"]


def test_bump_keeps_extras_and_markers(run_tool: RunTool, workspace_copy: Path) -> None:
    handlers = workspace_copy / "packages" / "handlers" / "pyproject.toml"
    text = handlers.read_text()
    original = next(line for line in text.splitlines() if '"ignite-engine>=' in line).strip().rstrip(",")
    handlers.write_text(text.replace(original, "\"ignite-engine[extra]>=0.0.1; python_version >= '3.10'\""))
    new, upper = _next_minor(workspace_copy, "engine")
    assert run_tool("bump.py", "engine", new, "--root", workspace_copy, "--no-lock").returncode == 0
    deps = _project(handlers)["dependencies"]
    assert isinstance(deps, list)
    assert f"ignite-engine[extra]>={new},{upper}; python_version >= '3.10'" in deps


def test_bump_writes_changelog_sections(run_tool: RunTool, workspace_copy: Path) -> None:
    old = ".".join(str(part) for part in _version(workspace_copy, "metrics"))
    new, _ = _next_minor(workspace_copy, "metrics")
    assert run_tool("bump.py", "metrics", new, "--root", workspace_copy, "--no-lock").returncode == 0
    text = (workspace_copy / "packages" / "metrics" / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog of ignite-metrics\n")
    # The new version opens above the old one, which is now dated (final) instead of unreleased.
    assert text.index(f"## {new} (unreleased)") < text.index(f"## {old} (")
    assert f"## {old} (unreleased)" not in text


@pytest.mark.parametrize("version", ["0.2", "v0.2.0", "0.2.0rc1", "0.02.0", "", "1.0.0.0"])
def test_bump_refuses_invalid_versions(run_tool: RunTool, workspace_copy: Path, version: str) -> None:
    before = (workspace_copy / "packages" / "engine" / "pyproject.toml").read_text()
    result = run_tool("bump.py", "engine", version, "--root", workspace_copy, "--no-lock")
    assert result.returncode == 2
    assert f"new version must be a release version MAJOR.MINOR.PATCH such as 0.2.0, got {version!r}" in result.stderr
    assert (workspace_copy / "packages" / "engine" / "pyproject.toml").read_text() == before


@pytest.mark.parametrize("same", [True, False])
def test_bump_refuses_non_increasing_versions(run_tool: RunTool, workspace_copy: Path, same: bool) -> None:
    current = ".".join(str(part) for part in _version(workspace_copy, "engine"))
    version = current if same else "0.0.0"
    result = run_tool("bump.py", "engine", version, "--root", workspace_copy, "--no-lock")
    assert result.returncode == 2
    assert f"must be greater than the current {current}, got {version}" in result.stderr


def test_bump_refuses_unknown_member(run_tool: RunTool, workspace_copy: Path) -> None:
    result = run_tool("bump.py", "engin", "0.2.0", "--root", workspace_copy, "--no-lock")
    assert result.returncode == 2
    assert "unknown member 'engin'" in result.stderr
    assert "engine (ignite-engine)" in result.stderr
