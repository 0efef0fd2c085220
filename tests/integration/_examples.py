"""Find the repository's ``examples/`` folder and run its scripts in a subprocess of the test's interpreter.

The isolation check copies this test folder out of the checkout (under ``.isolation/run/``) and runs it with the
built wheels installed; the examples are then found by walking up to the checkout, or through
``IGNITE_EXAMPLES_DIR``. Running them with ``sys.executable`` makes them use whatever ignite is installed there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["EXAMPLES", "run_example"]


def _find_examples() -> Path:
    override = os.environ.get("IGNITE_EXAMPLES_DIR")
    if override:
        return Path(override).resolve()
    for folder in Path(__file__).resolve().parents:
        if (folder / "examples" / "demo.py").is_file():
            return folder / "examples"
    raise RuntimeError(f"no examples/demo.py above {__file__}; set IGNITE_EXAMPLES_DIR")


EXAMPLES = _find_examples()


def run_example(
    script: str,
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 300.0,
    module_prefix: tuple[str, ...] = (),
    python_args: tuple[str, ...] = (),
) -> str:
    """Run ``examples/<script>`` with ``args`` in ``cwd``; return its stdout, fail the test with its output if it fails.

    ``module_prefix`` runs a launcher instead (``("-m", "torch.distributed.run", ...)``), ``python_args`` go to the
    interpreter before the script (``-c`` code is not used, so tracebacks name the example's lines).
    """
    # ClearML's Task.init records its process in CLEARML_*/TRAINS_* variables of os.environ; an example started by a
    # process that ran a ClearML test before would take itself for a subprocess of that task and get a stub task.
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("CLEARML_", "TRAINS_"))}
    # Threads beyond the two cores only slow every process down.
    full_env.update({"OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
    full_env.update(env or {})
    command = [sys.executable, *python_args, *module_prefix, str(EXAMPLES / script), *args]
    # A session of its own: on a timeout the whole group goes, launchers' worker processes included.
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise AssertionError(f"{' '.join(command)} ran over {timeout}s\n{stdout[-4000:]}\n{stderr[-12000:]}") from None
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {proc.returncode}\n--- stdout ---\n{stdout[-4000:]}\n"
            f"--- stderr ---\n{stderr[-12000:]}"
        )
    return stdout
