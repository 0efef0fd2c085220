"""Fixtures for the tooling tests: run a script of tools/py, and lay out a small synthetic workspace."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools" / "py"

RunTool = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_tool() -> RunTool:
    def run(script: str, *args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, str(TOOLS / script), *(str(a) for a in args)]
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)

    return run


def member_pyproject(name: str, owned: list[str], deps: list[str], version: str = "0.1.0") -> str:
    """A member pyproject in the shape the workspace uses (hatchling, static version, only-include of src/)."""
    includes = ", ".join(f'"src/{path}"' for path in owned)
    dependencies = ", ".join(f'"{dep}"' for dep in deps)
    return textwrap.dedent(
        f"""\
        [project]
        name = "{name}"
        version = "{version}"
        dependencies = [{dependencies}]

        [tool.hatch.build.targets.wheel]
        only-include = [{includes}]
        sources = ["src"]
        """
    )


@pytest.fixture
def synthetic_workspace(tmp_path: Path) -> Path:
    """Two members: `base` owns ignite.alpha (no sibling deps), `top` owns ignite.beta and depends on `base`.

    Nothing imports torch, so the checker runs in about a second.
    """
    root = tmp_path / "ws"
    (root / "packages").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [project]
            name = "ignite-all"
            version = "0.1.0"
            dependencies = ["ignite-base>=0.1.0,<0.2", "ignite-top>=0.1.0,<0.2"]

            [tool.hatch.build.targets.wheel]
            bypass-selection = true

            [tool.uv.workspace]
            members = ["packages/*"]
            """
        )
    )
    layout = {
        "base": ("ignite-base", "ignite/alpha", [], "VALUE = 1\n"),
        "top": ("ignite-top", "ignite/beta", ["ignite-base>=0.1.0,<0.2"], "from ignite.alpha import VALUE\n"),
    }
    for folder, (name, owned, deps, init) in layout.items():
        member = root / "packages" / folder
        package = member / "src" / owned
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(init)
        (member / "pyproject.toml").write_text(member_pyproject(name, [owned], deps))
        (member / "CHANGELOG.md").write_text(f"# Changelog of {name}\n\n## 0.1.0 (unreleased)\n\n- First version.\n")
    return root
