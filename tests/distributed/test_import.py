"""Importing ignite-distributed must stay cheap and never touch optional dependencies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import json, sys
import torch
before = set(sys.modules)
# Anything below that tries `import numpy` now fails loudly.
sys.modules["numpy"] = None
import ignite.distributed as idist
import ignite.utils, ignite.base, ignite.exceptions, ignite.base.mixins
import ignite.distributed.utils, ignite.distributed.comp_models
# The None entry set above is a block, not an import.
new = sorted(m for m in set(sys.modules) - before if sys.modules[m] is not None)
print(json.dumps({"new": new, "hvd": idist.has_hvd_support, "xla": idist.has_xla_support, "rank": idist.get_rank()}))
"""


def _run(extra_path: Path | None) -> dict[str, object]:
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(extra_path), env.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_import_does_not_load_optional_dependencies() -> None:
    result = _run(None)
    new = result["new"]
    assert isinstance(new, list)
    assert not [m for m in new if m.split(".")[0] in {"horovod", "torch_xla", "numpy"}]
    assert result["rank"] == 0


def test_import_detects_but_never_imports_installed_horovod_and_xla(tmp_path: Path) -> None:
    # Fake packages that explode when imported: support is detected from their presence alone.
    for name in ("horovod", "torch_xla"):
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text(f"raise RuntimeError('{name} must not be imported')\n")
    result = _run(tmp_path)
    assert result["hvd"] is True
    assert result["xla"] is True
