"""Read the uv workspace: which distributions exist, what each owns under `ignite/`, and what each depends on.

Everything the tools know about the package layout comes from the pyproject files, never from a second list kept
by hand:

- a distribution owns the modules named by its `[tool.hatch.build.targets.wheel] only-include` (paths relative to
  the member folder; the `sources` prefix, `src` here, is stripped to get the import path);
- its allowed edges are its `[project] dependencies` on other workspace distributions, taken transitively.

The root project (`ignite-all`) is a distribution too: it owns nothing and depends on every member.
"""

from __future__ import annotations

import glob
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

NAMESPACE = "ignite"
ROOT_MEMBER = "all"
ROOT_TEST_DIR = "tests/integration"


class WorkspaceError(Exception):
    """The pyproject files describe a workspace the tools cannot work with."""


@dataclass(frozen=True)
class Distribution:
    name: str
    member: str
    folder: Path
    version: str
    owned: tuple[str, ...]
    src_dirs: tuple[Path, ...]
    sibling_requirements: tuple[Requirement, ...] = field(default=())
    other_requirements: tuple[Requirement, ...] = field(default=())

    @property
    def pyproject(self) -> Path:
        return self.folder / "pyproject.toml"

    @property
    def sibling_names(self) -> tuple[str, ...]:
        return tuple(canonicalize_name(req.name) for req in self.sibling_requirements)

    def test_dir(self, root: Path) -> Path:
        if self.member == ROOT_MEMBER:
            return root / ROOT_TEST_DIR
        return root / "tests" / self.member.replace("-", "_")


@dataclass(frozen=True)
class Workspace:
    root: Path
    distributions: dict[str, Distribution]

    def get(self, key: str) -> Distribution:
        """Look a distribution up by its name (`ignite-engine`) or its member folder (`engine`, `all`)."""
        wanted = canonicalize_name(key)
        for dist in self.distributions.values():
            if wanted in (dist.name, canonicalize_name(dist.member)):
                return dist
        known = ", ".join(f"{d.member} ({d.name})" for d in self.distributions.values())
        raise WorkspaceError(f"unknown member {key!r}: expected one of {known}")

    def closure(self, name: str) -> list[str]:
        """`name` and every workspace distribution it depends on, directly or not, in a stable order."""
        seen: list[str] = []
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.append(current)
            stack.extend(self.distributions[current].sibling_names)
        return sorted(seen)

    def owner_of(self, module: str) -> Distribution | None:
        """The distribution whose owned subpackage contains `module` (longest match), if any."""
        best: Distribution | None = None
        best_len = -1
        for dist in self.distributions.values():
            for owned in dist.owned:
                if (module == owned or module.startswith(owned + ".")) and len(owned) > best_len:
                    best, best_len = dist, len(owned)
        return best

    @property
    def src_dirs(self) -> list[Path]:
        return sorted({src for dist in self.distributions.values() for src in dist.src_dirs})


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise WorkspaceError(f"cannot read {path}: {exc}") from exc


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    current: Any = data
    for key in keys:
        current = current.get(key, {}) if isinstance(current, dict) else {}
    return current if isinstance(current, dict) else {}


def _owned_modules(folder: Path, data: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Path, ...]]:
    wheel = _table(data, "tool", "hatch", "build", "targets", "wheel")
    if wheel.get("bypass-selection"):
        return (), ()
    includes = wheel.get("only-include")
    if not isinstance(includes, list) or not includes:
        raise WorkspaceError(
            f"{folder / 'pyproject.toml'}: [tool.hatch.build.targets.wheel] only-include must list what the "
            f"distribution owns (or set bypass-selection = true for a meta-package), got {includes!r}"
        )
    sources = wheel.get("sources", [])
    prefixes = [str(s).strip("/") for s in sources] if isinstance(sources, list) else []
    owned: list[str] = []
    src_dirs: set[Path] = set()
    for entry in includes:
        rel = str(entry).strip("/")
        for prefix in prefixes:
            if rel.startswith(prefix + "/"):
                src_dirs.add(folder / prefix)
                rel = rel[len(prefix) + 1 :]
                break
        if rel.endswith(".py"):
            rel = rel[: -len(".py")]
        module = rel.replace("/", ".")
        if module != NAMESPACE and not module.startswith(NAMESPACE + "."):
            raise WorkspaceError(
                f"{folder / 'pyproject.toml'}: only-include entry {entry!r} is not under the {NAMESPACE!r} namespace"
            )
        owned.append(module)
    return tuple(sorted(owned)), tuple(sorted(src_dirs))


def _parse_requirements(path: Path, raw: object) -> list[Requirement]:
    if not isinstance(raw, list):
        raise WorkspaceError(f"{path}: [project] dependencies must be a list of strings, got {raw!r}")
    reqs: list[Requirement] = []
    for item in raw:
        try:
            reqs.append(Requirement(str(item)))
        except InvalidRequirement as exc:
            raise WorkspaceError(f"{path}: invalid dependency {item!r}: {exc}") from exc
    return reqs


def member_folders(root: Path) -> list[Path]:
    data = _load_toml(root / "pyproject.toml")
    patterns = _table(data, "tool", "uv", "workspace").get("members", [])
    if not isinstance(patterns, list) or not patterns:
        raise WorkspaceError(f"{root / 'pyproject.toml'}: [tool.uv.workspace] members is missing or empty")
    folders: set[Path] = set()
    for pattern in patterns:
        for hit in glob.glob(str(root / str(pattern))):
            if (Path(hit) / "pyproject.toml").is_file():
                folders.add(Path(hit))
    return sorted(folders)


def load_workspace(root: Path) -> Workspace:
    root = root.resolve()
    entries: list[tuple[Path, str, dict[str, Any]]] = [(root, ROOT_MEMBER, _load_toml(root / "pyproject.toml"))]
    entries += [(folder, folder.name, _load_toml(folder / "pyproject.toml")) for folder in member_folders(root)]

    raw: dict[str, tuple[Path, str, dict[str, Any], list[Requirement]]] = {}
    for folder, member, data in entries:
        project = _table(data, "project")
        name = project.get("name")
        version = project.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            raise WorkspaceError(f"{folder / 'pyproject.toml'}: [project] needs a static name and version")
        reqs = _parse_requirements(folder / "pyproject.toml", project.get("dependencies", []))
        raw[canonicalize_name(name)] = (folder, member, data, reqs)

    dists: dict[str, Distribution] = {}
    for name, (folder, member, data, reqs) in raw.items():
        owned, src_dirs = _owned_modules(folder, data)
        siblings = tuple(r for r in reqs if canonicalize_name(r.name) in raw)
        others = tuple(r for r in reqs if canonicalize_name(r.name) not in raw)
        version = str(_table(data, "project")["version"])
        dists[name] = Distribution(name, member, folder, version, owned, src_dirs, siblings, others)
    return Workspace(root, dict(sorted(dists.items())))
