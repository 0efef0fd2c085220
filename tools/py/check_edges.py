"""Enforce the dependency edges declared in the pyproject files.

Three layers, all derived from the workspace (see workspace.py), none kept by hand:

1. Layout: every file under a member's `src/ignite/` is shipped by its wheel, no two distributions own the same
   module, the namespace folders (`ignite/`, `ignite/contrib/`) hold no `__init__.py`, sibling dependencies name
   workspace members, form no cycle, and their ranges admit the sibling's current version.
2. Static imports: one import-linter `forbidden` contract per distribution, generated at run time (nothing to keep
   up to date): a distribution may import only what its transitive sibling dependencies own. On failure, grimp's
   graph is read again to print each offending import with file, line and edge.
3. Runtime: each distribution's modules are imported in a fresh interpreter, which must not load any module owned
   by a distribution outside the closure (so `import ignite.engine` never pulls in ignite.metrics/ignite.handlers,
   and lazy shims stay lazy).

Usage: check_edges.py [--root DIR] [--allow IMPORTER->IMPORTED ...] [--print-contracts] [--skip-runtime]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workspace import NAMESPACE, Workspace, WorkspaceError, load_workspace

# Imports that cross an undeclared edge on purpose, each done lazily inside a function: the re-export shim of
# `ignite.handlers` that resolves names living in `ignite.contrib.handlers` (ignite-contrib-loggers), and
# `Metric.attach` reaching for the Engine's events (ignite-metrics stays installable without ignite-engine).
# Each entry is (importer, imported, why) in import-linter's syntax: `*` is one module level, `**` any number of
# levels. Keep the patterns as narrow as the importing module allows. The runtime layer still forbids loading them
# at import time.
ALLOWED_UNDECLARED_IMPORTS: list[tuple[str, str, str]] = [
    (
        "ignite.handlers._contrib_paths",
        "ignite.contrib.handlers",
        "Ignite 0.5 paths such as ignite.handlers.TensorboardLogger and ignite.handlers.tensorboard_logger, resolved "
        "lazily (module __getattr__ and re-exporting modules)",
    ),
    (
        "ignite.metrics._usage",
        "ignite.engine",
        "Metric.attach needs the Engine's events; imported only when attaching, ImportError naming ignite-engine",
    ),
]

PROBE = Path(__file__).with_name("_import_probe.py")


@dataclass(frozen=True)
class Violation:
    location: str
    message: str
    source_line: str = ""

    def render(self) -> str:
        text = f"  {self.location}: {self.message}"
        return text + (f"\n      {self.source_line}" if self.source_line else "")


def _pattern(expr: str) -> re.Pattern[str]:
    parts: list[str] = []
    for segment in expr.split("."):
        if segment == "**":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        elif segment == "*":
            parts.append(r"[^.]+")
        else:
            parts.append(re.escape(segment))
    return re.compile(r"\.".join(parts) + r"\Z")


def _relative(ws: Workspace, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ws.root))
    except ValueError:
        return str(path)


def _module_file(ws: Workspace, module: str) -> Path | None:
    rel = Path(*module.split("."))
    for src in ws.src_dirs:
        for candidate in (src / rel / "__init__.py", src / rel.with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


def _check_ownership(ws: Workspace) -> list[Violation]:
    found: list[Violation] = []
    for dist in ws.distributions.values():
        where = _relative(ws, dist.pyproject)
        for owned in dist.owned:
            on_disk = _module_file(ws, owned) is not None or any(
                (src / Path(*owned.split("."))).is_dir() for src in dist.src_dirs
            )
            if not on_disk:
                found.append(Violation(where, f"{dist.name} declares {owned}, which does not exist"))
            for other in ws.distributions.values():
                overlaps = any(
                    owned == o or owned.startswith(o + ".") or o.startswith(owned + ".") for o in other.owned
                )
                if other.name != dist.name and overlaps:
                    found.append(Violation(where, f"{owned} is owned by both {dist.name} and {other.name}"))
    return found


def _check_shipped(ws: Workspace) -> list[Violation]:
    """Every Python file under a member's src/ignite/ must be inside what that member's wheel ships."""
    found: list[Violation] = []
    for dist in ws.distributions.values():
        for src in dist.src_dirs:
            for py in sorted((src / NAMESPACE).rglob("*.py")):
                module = ".".join(py.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
                owner = ws.owner_of(module)
                if owner is not None and owner.name == dist.name:
                    continue
                if owner is not None:
                    why = f"it lies in {owner.name}'s subpackage"
                elif py.name == "__init__.py":
                    why = f"{module} is a namespace package, which must not have an __init__.py (PEP 420)"
                else:
                    why = "no only-include entry of its pyproject covers it"
                found.append(Violation(_relative(ws, py), f"{module} is not shipped by {dist.name}'s wheel: {why}"))
    return found


def _check_requirements(ws: Workspace) -> list[Violation]:
    found: list[Violation] = []
    for dist in ws.distributions.values():
        where = _relative(ws, dist.pyproject)
        for req in dist.other_requirements:
            if req.name.lower().startswith(NAMESPACE + "-"):
                found.append(Violation(where, f"{dist.name} depends on {req}, which is not a workspace member"))
        for req in dist.sibling_requirements:
            sibling = ws.get(req.name)
            if not req.specifier.contains(sibling.version, prereleases=True):
                message = f"{dist.name} requires {req}, which excludes the workspace's {sibling.name} {sibling.version}"
                found.append(Violation(where, message))
        if any(dist.name in ws.closure(sibling) for sibling in dist.sibling_names):
            found.append(Violation(where, f"{dist.name} is part of a dependency cycle"))
    meta = next((d for d in ws.distributions.values() if d.folder == ws.root), None)
    if meta is not None:
        missing = sorted(n for n, d in ws.distributions.items() if d.owned and n not in meta.sibling_names)
        if missing:
            found.append(Violation("pyproject.toml", f"{meta.name} does not depend on {', '.join(missing)}"))
    return found


def check_layout(ws: Workspace) -> list[Violation]:
    return _check_ownership(ws) + _check_shipped(ws) + _check_requirements(ws)


def forbidden_modules(ws: Workspace, name: str) -> list[str]:
    allowed = set(ws.closure(name))
    return sorted(m for d in ws.distributions.values() if d.name not in allowed for m in d.owned)


def _concerns(importer_pattern: str, owned: tuple[str, ...]) -> bool:
    prefix = importer_pattern.split(".*")[0]
    return any(prefix == m or prefix.startswith(m + ".") or m.startswith(prefix + ".") for m in owned)


def contracts_ini(ws: Workspace, allowed: list[tuple[str, str, str]]) -> str:
    lines = ["[importlinter]", f"root_package = {NAMESPACE}", ""]
    for dist in ws.distributions.values():
        forbidden = forbidden_modules(ws, dist.name)
        if not dist.owned or not forbidden:
            continue
        deps = ", ".join(n for n in ws.closure(dist.name) if n != dist.name) or "nothing in the workspace"
        ignores = [f"{imp} -> {dep}" for imp, dep, _ in allowed if _concerns(imp, dist.owned)]
        lines += [
            f"[importlinter:contract:{dist.name}]",
            f"name = {dist.name} imports only what it depends on ({deps})",
            "type = forbidden",
            "source_modules =",
            *(f"    {m}" for m in dist.owned),
            "forbidden_modules =",
            *(f"    {m}" for m in forbidden),
            "allow_indirect_imports = True",
            "unmatched_ignore_imports_alerting = warn",
        ]
        if ignores:
            lines += ["ignore_imports =", *(f"    {i}" for i in ignores)]
        lines.append("")
    return "\n".join(lines)


def _is_allowed(importer: str, imported: str, allowed: list[tuple[str, str, str]]) -> bool:
    return any(_pattern(a).match(importer) and _pattern(b).match(imported) for a, b, _ in allowed)


def static_details(ws: Workspace, allowed: list[tuple[str, str, str]]) -> list[Violation]:
    import grimp

    graph = grimp.build_graph(NAMESPACE, cache_dir=None)
    found: list[Violation] = []
    for importer in sorted(graph.modules):
        source = ws.owner_of(importer)
        if source is None:
            continue
        closure = set(ws.closure(source.name))
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            target = ws.owner_of(imported)
            if target is None or target.name in closure or _is_allowed(importer, imported, allowed):
                continue
            path = _module_file(ws, importer)
            where = _relative(ws, path) if path else importer
            declared = ", ".join(source.sibling_names) or "nothing in the workspace"
            details = graph.get_import_details(importer=importer, imported=imported)
            lines = [(str(d["line_number"]), d["line_contents"]) for d in details] or [("?", "")]
            for line_number, contents in lines:
                found.append(
                    Violation(
                        f"{where}:{line_number}",
                        f"{importer} imports {imported}: edge {source.name} -> {target.name} is not declared "
                        f"({source.name} depends on {declared})",
                        contents,
                    )
                )
    return found


def check_static(ws: Workspace, allowed: list[tuple[str, str, str]]) -> list[Violation]:
    from importlinter.cli import lint_imports

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "contracts.ini"
        config.write_text(contracts_ini(ws, allowed))
        status = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    found = static_details(ws, allowed)
    if status != 0 and not found:
        found.append(Violation("import-linter", "contracts failed; see its report above"))
    return found


def check_runtime(ws: Workspace) -> list[Violation]:
    found: list[Violation] = []
    for dist in ws.distributions.values():
        if not dist.owned:
            continue
        forbidden = forbidden_modules(ws, dist.name)
        payload = json.dumps({"paths": [str(p) for p in ws.src_dirs], "forbidden": forbidden, "modules": dist.owned})
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        proc = subprocess.run(
            [sys.executable, str(PROBE), payload], capture_output=True, text=True, env=env, cwd=ws.root, check=False
        )
        if proc.returncode != 0:
            found.append(Violation(dist.name, f"importing {', '.join(dist.owned)} failed:\n{proc.stderr.strip()}"))
            continue
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        for module in report["loaded"]:
            owner = ws.owner_of(module)
            stack = " <- ".join(reversed(report["where"].get(module, []))) or "unknown caller"
            found.append(
                Violation(
                    dist.name,
                    f"importing {', '.join(dist.owned)} loads {module} "
                    f"({owner.name if owner else '?'} is not a dependency of {dist.name}); requested at {stack}",
                )
            )
    return found


def _isolate_sys_path(ws: Workspace) -> None:
    # The workspace venv has editable installs of the real checkout; drop every other portion of the namespace so
    # the graph holds exactly the tree under --root.
    keep = [str(p) for p in ws.src_dirs]
    sys.path[:] = keep + [p for p in sys.path if p not in keep and not Path(p or ".", NAMESPACE).is_dir()]


def _parse_allow(values: list[str]) -> list[tuple[str, str, str]]:
    pairs: list[tuple[str, str, str]] = []
    for value in values:
        importer, sep, imported = value.partition("->")
        if not sep or not importer.strip() or not imported.strip():
            raise SystemExit(f"check_edges: --allow expects IMPORTER->IMPORTED, got {value!r}")
        pairs.append((importer.strip(), imported.strip(), "given on the command line"))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the dependency edges between the workspace distributions.")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--allow", action="append", default=[], metavar="IMPORTER->IMPORTED")
    parser.add_argument("--print-contracts", action="store_true", help="print the generated contracts and exit")
    parser.add_argument("--skip-runtime", action="store_true", help="skip the fresh-interpreter import check")
    args = parser.parse_args(argv)
    try:
        ws = load_workspace(args.root)
    except WorkspaceError as exc:
        print(f"check_edges: {exc}", file=sys.stderr)
        return 2
    allowed = ALLOWED_UNDECLARED_IMPORTS + _parse_allow(args.allow)
    if args.print_contracts:
        print(contracts_ini(ws, allowed))
        return 0
    _isolate_sys_path(ws)
    print("edges:", "; ".join(f"{d.name} -> {', '.join(d.sibling_names) or '-'}" for d in ws.distributions.values()))

    sections = [("layout", check_layout(ws)), ("static imports", check_static(ws, allowed))]
    if not args.skip_runtime:
        sections.append(("runtime imports", check_runtime(ws)))
    failed = False
    for title, violations in sections:
        print(f"check_edges: {title}: {'FAILED' if violations else 'ok'}")
        for violation in violations:
            print(violation.render())
        failed = failed or bool(violations)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
