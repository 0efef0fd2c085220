from __future__ import annotations

import os
import pickle
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

import pytest

import ignite.distributed as idist

_HERE = Path(__file__).resolve().parent
# The shared tester lives next to this file; test modules import it by name.
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

_CASE_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class GlooPool:
    """Two gloo ranks kept alive for the whole session; :meth:`run` sends each rank its batches of one case."""

    world_size = 2

    def __init__(self) -> None:
        key = secrets.token_hex(16)
        env = {**os.environ, "METRICS_POOL_KEY": key}
        self._listener = Listener(("127.0.0.1", 0), authkey=key.encode())
        pool_port = self._listener.address[1]
        master_port = _free_port()
        self._procs = [
            subprocess.Popen(
                [sys.executable, str(_HERE / "_gloo_worker.py"), str(r), "2", str(master_port), str(pool_port)],
                env=env,
            )
            for r in range(self.world_size)
        ]
        conns: dict[int, Connection] = {}
        for _ in range(self.world_size):
            conn = self._accept(timeout=120.0)
            status, rank = pickle.loads(conn.recv_bytes())
            assert status == "ready"
            conns[rank] = conn
        self._conns = [conns[r] for r in range(self.world_size)]
        self.broken = False

    def _accept(self, timeout: float) -> Connection:
        # Listener.accept has no timeout of its own: a worker that dies before connecting must not hang the run.
        self._listener._listener._socket.settimeout(timeout)  # type: ignore[attr-defined]
        return self._listener.accept()

    def run(self, factory: Any, per_rank_batches: list[list[Any]], splits: list[int]) -> list[tuple[Any, Any]]:
        if self.broken:
            pytest.fail("the gloo pool broke in an earlier case")
        for conn, batches, split in zip(self._conns, per_rank_batches, splits, strict=True):
            conn.send_bytes(pickle.dumps((factory, batches, split)))
        results = []
        for rank, conn in enumerate(self._conns):
            if not conn.poll(_CASE_TIMEOUT_S):
                self.broken = True
                pytest.fail(f"rank {rank} of the gloo pool did not answer within {_CASE_TIMEOUT_S} s")
            status, payload = pickle.loads(conn.recv_bytes())
            if status != "ok":
                self.broken = True
                pytest.fail(f"rank {rank} failed:\n{payload}")
            results.append(payload)
        return results

    def close(self) -> None:
        for conn in self._conns:
            try:
                conn.send_bytes(pickle.dumps(None))
                conn.close()
            except OSError:
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._listener.close()


@pytest.fixture(scope="session")
def gloo_pool() -> Iterator[GlooPool]:
    if "gloo" not in idist.available_backends():
        pytest.skip("torch.distributed with gloo is not available")
    pool = GlooPool()
    try:
        yield pool
    finally:
        pool.close()
