"""The API reference of the documentation site, generated from each public module's `__all__`.

Three roles in one file, so that the list of documented names has a single source:

- a script (`python tools/py/docs_api.py [--root DIR]`): writes `docs/api/<distribution>/<module>.md`, one
  `::: module.Name` block per name of the module's `__all__`, and `docs/api/index.md`, which links every name;
- a MkDocs hook (`hooks:` in mkdocs.yml): regenerates those pages before each build (files are rewritten only when
  their text changes, so `mkdocs serve` does not loop) and appends the "API reference" section to the nav;

docs_markup.py, next to it, is the griffe extension that adapts the docstrings' markup to Markdown.

A public module is a file of an owned subpackage (see workspace.py) whose dotted path has no component starting with
an underscore. `__all__` is read statically (a literal list or tuple, possibly extended with `+=`), like griffe reads
the sources, so nothing is imported and the logger backends need not be installed. The pages are generated, never
edited: `docs/api/` is ignored by git (docs/.gitignore), so they cannot go stale.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from workspace import NAMESPACE, WorkspaceError, load_workspace

ROOT = Path(__file__).resolve().parents[2]
API_DIR = "api"


class DocsError(Exception):
    """A public module the reference cannot be generated for."""


@dataclass(frozen=True)
class ApiModule:
    """A public module and its `__all__`. `links` is set for a module whose `__all__` is computed at import time
    (the 0.5 paths of ignite.handlers filled from ignite.contrib.handlers): griffe cannot see such names, so each is
    entered as a link `(name, identifier)` to the documented object it is bound to.
    """

    name: str
    distribution: str
    source: Path
    exported: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()
    # Exported names bound by tuple unpacking (`NCCL, GLOO, MPI = ...`), which griffe does not read: each gets a
    # heading of its own with the statement that binds it.
    unpacked: tuple[tuple[str, str], ...] = ()

    def identifiers(self) -> dict[str, str]:
        """Each exported name and the identifier of the entry that documents it."""
        if self.links:
            return dict(self.links)
        return {name: f"{self.name}.{name}" for name in self.exported}

    @property
    def page(self) -> str:
        """Path of the module's page, relative to the docs folder."""
        return f"{API_DIR}/{self.distribution}/{self.name}.md"


class DynamicAll(DocsError):
    """`__all__` is not a literal: the module must be imported to know it."""


def static_all(path: Path) -> tuple[str, ...]:
    """The names of the module-level `__all__` of a source file, read without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and _binds_all(node):
            names = _literal_names(path, node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == "__all__":
            if names is None:
                raise DocsError(f"{path}: `__all__ +=` before any `__all__ =`")
            names = names + _literal_names(path, node.value)
    if names is None:
        raise DocsError(f"{path}: a public module must define __all__ (a literal list of names), found none")
    return tuple(names)


def _binds_all(node: ast.Assign | ast.AnnAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets)


def unpacked_bindings(path: Path) -> dict[str, str]:
    """Names bound at module level by tuple unpacking, with the source of the statement binding each."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Tuple | ast.List):
                for element in target.elts:
                    if isinstance(element, ast.Name):
                        found[element.id] = ast.unparse(node)
    return found


def _literal_names(path: Path, value: ast.expr | None) -> list[str]:
    try:
        names = ast.literal_eval(value) if value is not None else None
    except ValueError:
        names = None
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        shown = ast.unparse(value) if value is not None else "nothing"
        raise DynamicAll(f"{path}: __all__ is not a literal list of strings: {shown}")
    return list(names)


def _is_public(module: str) -> bool:
    return not any(part.startswith("_") for part in module.split("."))


def public_modules(root: Path = ROOT) -> list[ApiModule]:
    """Every public module of every distribution of the workspace at `root`, sorted by distribution then name."""
    workspace = load_workspace(root)
    modules: list[ApiModule] = []
    dynamic: list[ApiModule] = []
    for dist in workspace.distributions.values():
        found: dict[str, Path] = {}
        for src in dist.src_dirs:
            for owned in dist.owned:
                base = src / Path(*owned.split("."))
                files = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
                for file in files:
                    if not file.is_file():
                        continue
                    parts = list(file.relative_to(src).with_suffix("").parts)
                    if parts[-1] == "__init__":
                        parts.pop()
                    name = ".".join(parts)
                    if name != NAMESPACE and _is_public(name):
                        found[name] = file
        for name, file in sorted(found.items()):
            try:
                exported = static_all(file)
                unpacked = unpacked_bindings(file)
                bound = tuple((n, unpacked[n]) for n in exported if n in unpacked)
                modules.append(ApiModule(name, dist.name, file, exported, unpacked=bound))
            except DynamicAll:
                dynamic.append(ApiModule(name, dist.name, file, ()))
    return [*modules, *(_linked(module, modules) for module in dynamic)]


def _linked(module: ApiModule, documented: list[ApiModule]) -> ApiModule:
    """Import `module` and enter each name of its runtime `__all__` as a link to a documented module binding the
    same object (the deepest such module: `ignite.contrib.handlers.tensorboard_logger` rather than its package)."""
    try:
        imported = importlib.import_module(module.name)
    except ImportError as exc:
        raise DocsError(f"{module.source}: __all__ is computed at import time and the import failed: {exc}") from exc
    links: list[tuple[str, str]] = []
    for name in imported.__all__:
        target = getattr(imported, name)
        holders = [
            other.name
            for other in documented
            if name in other.exported and getattr(importlib.import_module(other.name), name, None) is target
        ]
        if not holders:
            raise DocsError(
                f"{module.source}: {name!r} of its runtime __all__ is exported by no module with a literal __all__, "
                "so it would be documented nowhere"
            )
        links.append((name, f"{max(holders, key=lambda h: (h.count('.'), h))}.{name}"))
    return ApiModule(module.name, module.distribution, module.source, tuple(n for n, _ in links), tuple(links))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def render_module_page(module: ApiModule, root: Path = ROOT, submodules: frozenset[str] = frozenset()) -> str:
    """The page of one module. Names in `submodules` (modules with pages of their own) are entered as links, since
    a `:::` block would render the whole submodule a second time."""
    lines = [
        # The title carries the module's identifier, so `[text][ignite.metrics]` links here.
        f"# {module.name} {{#{module.name}}}",
        "",
        f"Distribution `{module.distribution}` · source `{_relative(module.source, root)}` · generated from the "
        "module's `__all__`, do not edit.",
        "",
        # The module's own docstring, without its members: those follow one by one, in `__all__` order.
        f"::: {module.name}",
        "    options:",
        "      members: false",
        "      show_root_heading: false",
        "      show_root_toc_entry: false",
        "",
    ]
    if not module.exported:
        lines += ["This module exports no names.", ""]
    elif module.links:
        lines += ["Its names are bound at import time to objects documented elsewhere:", ""]
        lines += [f"- [`{name}`][{identifier}]" for name, identifier in module.links]
        lines.append("")
    else:
        unpacked = dict(module.unpacked)
        for name in module.exported:
            if f"{module.name}.{name}" in submodules:
                lines += [
                    f"- `{name}`: module, documented on its own page: [`{module.name}.{name}`][{module.name}.{name}]",
                    "",
                ]
            elif name in unpacked:
                lines += [
                    f"## `{name}` {{#{module.name}.{name}}}",
                    "",
                    f"Module attribute, bound by `{unpacked[name]}`.",
                    "",
                ]
            else:
                lines += [f"::: {module.name}.{name}", ""]
    return "\n".join(lines)


def render_index(modules: list[ApiModule]) -> str:
    lines = [
        "# API reference",
        "",
        "Every name of every public module's `__all__`, grouped by distribution. The pages are generated from the "
        "docstrings by `tools/docs`; a name re-exported by a package (`ignite.metrics.Accuracy`) is documented on "
        "the package's page and on the page of the module that defines it.",
        "",
    ]
    current = ""
    for module in modules:
        if module.distribution != current:
            current = module.distribution
            lines += [f"## {current}", ""]
        page = module.page.removeprefix(f"{API_DIR}/")
        links = ", ".join(f"[`{name}`][{ident}]" for name, ident in module.identifiers().items()) or "(no names)"
        lines += [f"- [`{module.name}`]({page}): {links}"]
    lines.append("")
    return "\n".join(lines)


def render_pages(modules: list[ApiModule], root: Path = ROOT) -> dict[str, str]:
    """Text of every generated page, by path relative to the docs folder."""
    names = frozenset(module.name for module in modules)
    pages = {module.page: render_module_page(module, root, names) for module in modules}
    pages[f"{API_DIR}/index.md"] = render_index(modules)
    return pages


def write_pages(docs_dir: Path, pages: dict[str, str]) -> int:
    """Bring `docs_dir/api` to exactly `pages`; return how many files were written or removed."""
    changed = 0
    api_dir = docs_dir / API_DIR
    wanted = {docs_dir / rel for rel in pages}
    if api_dir.is_dir():
        for stale in sorted(api_dir.rglob("*.md")):
            if stale not in wanted:
                stale.unlink()
                changed += 1
        for folder in sorted(api_dir.iterdir()):
            if folder.is_dir() and not any(folder.iterdir()):
                shutil.rmtree(folder)
    for rel, text in pages.items():
        target = docs_dir / rel
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        changed += 1
    return changed


def api_nav(modules: list[ApiModule]) -> list[Any]:
    """The nav section: the index, then one group per distribution listing its module pages."""
    groups: dict[str, list[Any]] = {}
    for module in modules:
        groups.setdefault(module.distribution, []).append({module.name: module.page})
    return [f"{API_DIR}/index.md", *({dist: pages} for dist, pages in groups.items())]


# --- MkDocs hook -----------------------------------------------------------------------------------------------


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    root = Path(config.config_file_path).resolve().parent
    modules = public_modules(root)
    write_pages(Path(config.docs_dir), render_pages(modules, root))
    nav = config.nav if config.nav is not None else []
    config.nav = [*nav, {"API reference": api_nav(modules)}]
    return config


# --- command line ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    try:
        modules = public_modules(root)
        pages = render_pages(modules, root)
    except (DocsError, WorkspaceError) as exc:
        print(f"docs_api: {exc}", file=sys.stderr)
        return 1
    changed = write_pages(root / "docs", pages)
    names = sum(len(m.exported) for m in modules)
    print(f"docs_api: {len(modules)} modules, {names} names; {changed} page(s) written or removed under docs/api")
    return 0


if __name__ == "__main__":
    sys.exit(main())
