"""Run by check_edges.py in a fresh interpreter: import some modules and report which forbidden modules got loaded.

Argument: one JSON object {"paths": [...], "forbidden": [...], "modules": [...]}. Prints one JSON line
{"loaded": [...], "where": {module: [frames]}} where frames are the `file:line` entries (outermost first) that were
executing when each forbidden module was first requested.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType


class _Spy(importlib.abc.MetaPathFinder):
    """Never finds anything; only notes who asked for a forbidden module."""

    def __init__(self, forbidden: list[str]) -> None:
        self.forbidden = forbidden
        self.where: dict[str, list[str]] = {}

    def is_forbidden(self, name: str) -> bool:
        return any(name == f or name.startswith(f + ".") for f in self.forbidden)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if self.is_forbidden(fullname) and fullname not in self.where:
            frames = traceback.extract_stack()[:-1]
            self.where[fullname] = [
                f"{frame.filename}:{frame.lineno}"
                for frame in frames
                if "importlib" not in frame.filename and frame.filename != __file__
            ]
        return None


def main() -> int:
    request = json.loads(sys.argv[1])
    paths = [str(p) for p in request["paths"]]
    sys.path[:] = paths + [p for p in sys.path if p not in paths and not Path(p or ".", "ignite").is_dir()]
    spy = _Spy(list(request["forbidden"]))
    sys.meta_path.insert(0, spy)
    for module in request["modules"]:
        importlib.import_module(module)
    loaded = sorted(name for name in sys.modules if spy.is_forbidden(name))
    print(json.dumps({"loaded": loaded, "where": {name: spy.where.get(name, []) for name in loaded}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
