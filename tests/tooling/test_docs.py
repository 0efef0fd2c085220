"""The documentation site: every exported name has an API entry, the pages' code runs, the strict build passes.

The API check compares the pages tools/py/docs_api.py generates with the runtime `__all__` of every public module,
found here by walking packages/*/src independently of the generator (which reads the workspace's pyproject files).
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "py"))

import docs_api  # noqa: E402
from docs_markup import markdown_docstring, split_joined_arguments  # noqa: E402

DOCS = REPO / "docs"
RUN_PAGES = sorted([DOCS / "getting-started.md", *(DOCS / "concepts").glob("*.md")])
NOT_RUN = "<!-- not run -->"


def _runtime_modules() -> dict[str, list[str]]:
    """Every public module of packages/*/src and its runtime `__all__`."""
    found: dict[str, list[str]] = {}
    for src in sorted(REPO.glob("packages/*/src")):
        for file in sorted(src.rglob("*.py")):
            parts = list(file.relative_to(src).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if any(part.startswith("_") for part in parts):
                continue
            name = ".".join(parts)
            found[name] = list(importlib.import_module(name).__all__)
    return found


def test_every_exported_name_has_an_api_entry() -> None:
    modules = docs_api.public_modules(REPO)
    pages = docs_api.render_pages(modules, REPO)
    runtime = _runtime_modules()

    assert sorted(m.name for m in modules) == sorted(runtime), "generated modules differ from packages/*/src"
    index = pages["api/index.md"]
    for module in modules:
        assert list(module.exported) == runtime[module.name], f"{module.name}: __all__ read differently"
        page = pages[module.page]
        assert page.startswith(f"# {module.name} "), module.page
        identifiers = module.identifiers()
        for name in runtime[module.name]:
            identifier = identifiers[name]
            # An entry is a ::: block, a heading with the identifier as anchor, or a link to where it is documented.
            entries = (f"::: {identifier}\n", f"{{#{identifier}}}", f"[`{name}`][{identifier}]", f"][{identifier}]")
            assert any(entry in page for entry in entries), f"{module.name}.{name} has no entry on {module.page}"
            assert f"[`{name}`][{identifier}]" in index, f"{module.name}.{name} is missing from the API index"
        assert f"[`{module.name}`]({module.page.removeprefix('api/')})" in index


def test_generated_pages_enter_each_kind_of_name(synthetic_workspace: Path) -> None:
    package = synthetic_workspace / "packages" / "base" / "src" / "ignite" / "alpha"
    (package / "__init__.py").write_text('"""Alpha."""\n\n__all__ = ["VALUE", "sub"]\n\nVALUE = 1\n')
    (package / "sub.py").write_text(
        '"""Sub."""\n\n__all__ = ["A", "B", "f"]\n\nA, B = 1, 2\n\n\ndef f() -> None: ...\n'
    )
    (package / "_private.py").write_text("__all__ = ['hidden']\nhidden = 0\n")
    beta = synthetic_workspace / "packages" / "top" / "src" / "ignite" / "beta" / "__init__.py"
    beta.write_text('"""Beta."""\n\n__all__: list[str] = []\n')

    modules = {m.name: m for m in docs_api.public_modules(synthetic_workspace)}
    assert sorted(modules) == ["ignite.alpha", "ignite.alpha.sub", "ignite.beta"]
    assert modules["ignite.alpha"].distribution == "ignite-base"
    pages = docs_api.render_pages(list(modules.values()), synthetic_workspace)

    alpha = pages["api/ignite-base/ignite.alpha.md"]
    assert "::: ignite.alpha.VALUE\n" in alpha
    assert "::: ignite.alpha.sub\n" not in alpha  # a submodule is linked, not rendered twice
    assert "[`ignite.alpha.sub`][ignite.alpha.sub]" in alpha
    sub = pages["api/ignite-base/ignite.alpha.sub.md"]
    assert sub.startswith("# ignite.alpha.sub {#ignite.alpha.sub}")
    assert "## `A` {#ignite.alpha.sub.A}" in sub and "A, B = (1, 2)" in sub  # griffe cannot read tuple unpacking
    assert "::: ignite.alpha.sub.f\n" in sub
    assert not any("_private" in page or "hidden" in text for page, text in pages.items())


def test_a_public_module_without_all_is_an_error(synthetic_workspace: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "py" / "docs_api.py"), "--root", str(synthetic_workspace)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "packages/base/src/ignite/alpha/__init__.py: a public module must define __all__" in result.stderr


def test_write_pages_removes_stale_pages(tmp_path: Path) -> None:
    stale = tmp_path / "api" / "old-dist" / "ignite.gone.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    pages = {"api/index.md": "# API reference\n", "api/d/ignite.x.md": "# ignite.x\n"}

    assert docs_api.write_pages(tmp_path, pages) == 3
    assert not stale.exists() and not stale.parent.exists()
    assert (tmp_path / "api" / "d" / "ignite.x.md").read_text() == "# ignite.x\n"
    assert docs_api.write_pages(tmp_path, pages) == 0  # unchanged pages are not rewritten (mkdocs serve)


def test_docstring_markup_fences_doctests_and_splits_joined_arguments() -> None:
    text = textwrap.dedent(
        """\
        Uses :meth:`~ignite.metrics.Metric.reset` and :class:`ignite.engine.Engine`.

        Args:
            output_transform, device: as in
                the base class.
            alpha: weight.

        >>> x = 1
        >>> x + 1
        2

        ```python
        >>> inside_a_fence
        ```"""
    )
    lines = markdown_docstring(split_joined_arguments(text)).splitlines()
    assert lines[0] == "Uses `reset` and `ignite.engine.Engine`."
    assert lines[2:8] == [
        "Args:",
        "    output_transform: as in",
        "        the base class.",
        "    device: as in",
        "        the base class.",
        "    alpha: weight.",
    ]
    assert lines[9:14] == ["```pycon", ">>> x = 1", ">>> x + 1", "2", "```"]
    assert lines[15:] == ["```python", ">>> inside_a_fence", "```"]


def _python_blocks(page: Path) -> list[str]:
    """The page's ```python blocks, except those right after a `<!-- not run -->` line."""
    text = page.read_text(encoding="utf-8")
    blocks: list[str] = []
    for match in re.finditer(r"^```python\n(.*?)^```$", text, re.M | re.S):
        before = text[: match.start()].rstrip().splitlines()
        if not before or before[-1].strip() != NOT_RUN:
            blocks.append(match.group(1))
    return blocks


@pytest.mark.parametrize("page", RUN_PAGES, ids=[p.relative_to(DOCS).as_posix() for p in RUN_PAGES])
def test_page_code_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The python blocks of a page run in order in one namespace, as a reader pasting them would."""
    blocks = _python_blocks(page)
    assert blocks, f"{page} has no python block to run"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"{page.name}:block{number}", "exec"), namespace)


@pytest.mark.slow
def test_strict_build(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (site / "api" / "index.html").is_file()
    accuracy = (site / "api" / "ignite-metrics" / "ignite.metrics.accuracy" / "index.html").read_text()
    assert 'id="ignite.metrics.accuracy.Accuracy"' in accuracy
    assert "language-pycon" in accuracy or "highlight" in accuracy  # doctests fenced, not nested quotes
