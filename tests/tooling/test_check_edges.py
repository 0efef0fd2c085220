"""The edge checker (tools/py/check_edges.py) against synthetic workspaces with known good and bad imports."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RunTool = Callable[..., subprocess.CompletedProcess[str]]


def _alpha(root: Path) -> Path:
    return root / "packages" / "base" / "src" / "ignite" / "alpha" / "__init__.py"


def test_clean_workspace_passes(run_tool: RunTool, synthetic_workspace: Path) -> None:
    result = run_tool("check_edges.py", "--root", synthetic_workspace)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check_edges: static imports: ok" in result.stdout
    assert "check_edges: runtime imports: ok" in result.stdout


def test_module_level_import_across_undeclared_edge_fails(run_tool: RunTool, synthetic_workspace: Path) -> None:
    _alpha(synthetic_workspace).write_text("VALUE = 1\n\nfrom ignite.beta import VALUE as OTHER  # noqa\n")
    result = run_tool("check_edges.py", "--root", synthetic_workspace)
    assert result.returncode == 1
    assert "check_edges: static imports: FAILED" in result.stdout
    # File, line, importer, imported and the undeclared edge are all named.
    assert "packages/base/src/ignite/alpha/__init__.py:3: ignite.alpha imports ignite.beta" in result.stdout
    assert "edge ignite-base -> ignite-top is not declared" in result.stdout
    assert "from ignite.beta import VALUE as OTHER" in result.stdout
    # Importing ignite.alpha loads ignite.beta at run time as well.
    assert "check_edges: runtime imports: FAILED" in result.stdout
    assert "loads ignite.beta" in result.stdout


def test_lazy_import_is_caught_statically(run_tool: RunTool, synthetic_workspace: Path) -> None:
    _alpha(synthetic_workspace).write_text(
        "VALUE = 1\n\n\ndef later() -> object:\n    import ignite.beta\n\n    return ignite.beta\n"
    )
    result = run_tool("check_edges.py", "--root", synthetic_workspace)
    assert result.returncode == 1
    assert "__init__.py:5: ignite.alpha imports ignite.beta" in result.stdout
    assert "check_edges: runtime imports: ok" in result.stdout


def test_allow_list_admits_an_explicit_lazy_import(run_tool: RunTool, synthetic_workspace: Path) -> None:
    _alpha(synthetic_workspace).write_text(
        "VALUE = 1\n\n\ndef later() -> object:\n    import ignite.beta\n\n    return ignite.beta\n"
    )
    result = run_tool("check_edges.py", "--root", synthetic_workspace, "--allow", "ignite.alpha->ignite.beta")
    assert result.returncode == 0, result.stdout + result.stderr


def test_allowed_import_still_fails_when_done_at_import_time(run_tool: RunTool, synthetic_workspace: Path) -> None:
    _alpha(synthetic_workspace).write_text("VALUE = 1\n\nimport ignite.beta  # noqa\n")
    result = run_tool("check_edges.py", "--root", synthetic_workspace, "--allow", "ignite.alpha->ignite.beta")
    assert result.returncode == 1
    assert "check_edges: static imports: ok" in result.stdout
    assert "check_edges: runtime imports: FAILED" in result.stdout
    assert "importing ignite.alpha loads ignite.beta (ignite-top is not a dependency of ignite-base)" in result.stdout


def test_dynamic_import_is_caught_at_run_time(run_tool: RunTool, synthetic_workspace: Path) -> None:
    _alpha(synthetic_workspace).write_text("import importlib\n\nVALUE = 1\nimportlib.import_module('ignite.beta')\n")
    result = run_tool("check_edges.py", "--root", synthetic_workspace)
    assert result.returncode == 1
    assert "check_edges: static imports: ok" in result.stdout
    assert "loads ignite.beta" in result.stdout
    assert "alpha/__init__.py:4" in result.stdout


def test_namespace_init_file_is_rejected(run_tool: RunTool, synthetic_workspace: Path) -> None:
    (synthetic_workspace / "packages" / "top" / "src" / "ignite" / "__init__.py").write_text("")
    result = run_tool("check_edges.py", "--root", synthetic_workspace, "--skip-runtime")
    assert result.returncode == 1
    assert "check_edges: layout: FAILED" in result.stdout
    assert "packages/top/src/ignite/__init__.py" in result.stdout
    assert "ignite is a namespace package, which must not have an __init__.py (PEP 420)" in result.stdout


def test_unshipped_module_and_excluding_range_are_rejected(run_tool: RunTool, synthetic_workspace: Path) -> None:
    stray = synthetic_workspace / "packages" / "base" / "src" / "ignite" / "gamma.py"
    stray.write_text("X = 1\n")
    top = synthetic_workspace / "packages" / "top" / "pyproject.toml"
    top.write_text(top.read_text().replace("ignite-base>=0.1.0,<0.2", "ignite-base>=0.2.0,<0.3"))
    result = run_tool("check_edges.py", "--root", synthetic_workspace, "--skip-runtime")
    assert result.returncode == 1
    assert "ignite.gamma is not shipped by ignite-base's wheel: no only-include entry" in result.stdout
    assert "excludes the workspace's ignite-base 0.1.0" in result.stdout


def test_contracts_of_the_real_workspace_keep_engine_off_metrics_and_handlers(run_tool: RunTool) -> None:
    result = run_tool("check_edges.py", "--root", REPO, "--print-contracts")
    assert result.returncode == 0, result.stderr
    sections: dict[str, list[str]] = {}
    current = ""
    for line in result.stdout.splitlines():
        if line.startswith("[importlinter:contract:"):
            current = line.removeprefix("[importlinter:contract:").rstrip("]")
        elif line.startswith("    ") and current:
            sections.setdefault(current, []).append(line.strip())
    engine = sections["ignite-engine"]
    forbidden = engine[engine.index("ignite.engine") + 1 :]
    assert {"ignite.metrics", "ignite.handlers", "ignite.contrib.handlers"} <= set(forbidden)
    assert "ignite.distributed" not in forbidden
    metrics = sections["ignite-metrics"]
    assert "ignite.engine" in metrics[metrics.index("ignite.metrics") + 1 :]
