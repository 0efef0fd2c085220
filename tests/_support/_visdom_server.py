"""A real Visdom server for the tests: started on 127.0.0.1 in a subprocess, stopped (or killed mid-run) on demand.

``python -m visdom.server`` first downloads the web client's scripts from a CDN; the launcher below calls
``visdom.server.run_server.main()`` directly, which skips that download, so the server never touches the network.
The HTTP API the logger and the tests use needs none of those scripts.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["VisdomServer", "free_port", "start_visdom_server"]

# The visdom package imports torch when it can, only to convert tensors on the client side; the server has no use for
# it, and hiding it makes the server start in a fraction of the time.
_LAUNCHER = (
    "import sys\n"
    "sys.modules['torch'] = None\n"
    "from visdom.server.run_server import main\n"
    "sys.argv[0] = 'visdom.server'\n"
    "main()\n"
)
_START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (at the time of the call)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _post(port: int, endpoint: str, message: dict[str, Any]) -> str:
    # The JSON-over-POST protocol of the visdom client, spoken with urllib so that reading needs no client object.
    request = urllib.request.Request(f"http://127.0.0.1:{port}/{endpoint}", data=json.dumps(message).encode())
    with urllib.request.urlopen(request, timeout=10.0) as response:
        text: str = response.read().decode()
        return text


def _answers(port: int) -> bool:
    try:
        _post(port, "env_state", {"eid": "main"})
    except (OSError, urllib.error.URLError):
        return False
    return True


@dataclass
class VisdomServer:
    """A running server; ``env_path`` is where it saves its environments (``<env>.json``)."""

    port: int
    env_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def window_data(self, win: str, env: str) -> dict[str, Any]:
        """What the server holds for window ``win`` of ``env`` (for a plot: ``["content"]["data"][i]["x"/"y"]``)."""
        data: dict[str, Any] = json.loads(_post(self.port, "win_data", {"win": win, "eid": env}))
        return data

    def saved_env(self, env: str) -> dict[str, Any]:
        """The environment ``env`` as the server last saved it to disk."""
        saved: dict[str, Any] = json.loads((self.env_path / f"{env}.json").read_text())
        return saved

    def stop(self) -> None:
        """Kill the server and wait until it is gone; afterwards its port refuses connections."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def start_visdom_server(env_path: Path, port: int | None = None) -> VisdomServer:
    """Start ``visdom.server`` on ``127.0.0.1:port`` (a free port by default) and wait until it answers."""
    env_path.mkdir(parents=True, exist_ok=True)
    port = free_port() if port is None else port
    command = [sys.executable, "-c", _LAUNCHER, "-port", str(port), "-env_path", f"{env_path}/"]
    command += ["-logging_level", "WARNING", "-bind_local"]
    with open(env_path / f"server-{port}.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=env_path)
    server = VisdomServer(port=port, env_path=env_path, process=process)
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            output = (env_path / f"server-{port}.log").read_text(errors="replace")
            raise RuntimeError(f"visdom.server did not start on port {port}:\n{output}")
        time.sleep(0.05)
    return server
