"""A training process killed with SIGKILL at random moments always leaves a loadable checkpoint, and resuming from the
newest one ends with exactly the weights of an uninterrupted run."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

SERVER = Path(__file__).parent / "scripts" / "sigkill_child.py"
KILLS = 24
TIMEOUT_S = 120.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(signal, "SIGKILL"), reason="needs fork and SIGKILL"),
]


class Server:
    """Talks to the fork server of scripts/sigkill_child.py (see its docstring for the protocol)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            # Warnings are errors, as in the test run (torch warns at import when numpy is absent: not ours).
            env={**os.environ, "PYTHONWARNINGS": "error,ignore:Failed to initialize NumPy:UserWarning"},
        )
        try:
            assert self.read() == ["SERVING"]
        except BaseException:
            self.process.kill()
            self.process.communicate(timeout=TIMEOUT_S)
            raise

    def read(self) -> list[str]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            pytest.fail(f"the fork server stopped (return code {self.process.wait(TIMEOUT_S)})")
        return line.split()

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def start(self, directory: Path, final_path: Path) -> tuple[int, int]:
        """Fork a trainer; returns its pid and the iteration it resumed from."""
        self.send(f"run {directory} {final_path}")
        words = self.read()
        assert words[0] == "READY", words
        return int(words[1]), int(words[2])

    def reap(self) -> int:
        self.send("reap")
        words = self.read()
        assert words[0] == "EXIT", words
        return int(words[1])

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the server may already be gone after a failure
            self.send("stop")
        try:
            self.process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def server() -> Iterator[Server]:
    server = Server()
    yield server
    server.close()


def run_to_completion(server: Server, directory: Path, final_path: Path) -> None:
    server.start(directory, final_path)
    deadline = time.monotonic() + TIMEOUT_S
    while not final_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.reap() == 0


def newest_checkpoint_loads(directory: Path) -> int:
    """Load the newest checkpoint with weights_only=True and return its iteration (0 when there is none yet)."""
    names = [p.name for p in directory.iterdir() if p.name.startswith("checkpoint_") and p.name.endswith(".pt")]
    if not names:
        return 0
    newest = max(names, key=lambda name: int(name[len("checkpoint_") : -len(".pt")]))
    state = torch.load(directory / newest, weights_only=True)
    assert set(state) == {"trainer", "model", "optimizer", "checkpointer"}
    assert state["trainer"]["iteration"] == int(newest[len("checkpoint_") : -len(".pt")])
    # The files the checkpointer believes it keeps are all there (old ones are removed only after a new one is
    # durable); a kill between a save and the removal may leave one extra older file, which is harmless.
    kept = [filename for _, filename in state["checkpointer"]["saved"]]
    assert newest in kept
    assert all((directory / filename).is_file() for filename in kept), (kept, names)
    return int(state["trainer"]["iteration"])


def assert_same_weights(expected_path: Path, actual_path: Path) -> None:
    expected = torch.load(expected_path, weights_only=True)
    actual = torch.load(actual_path, weights_only=True)
    assert expected.keys() == actual.keys()
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key


def test_sigkill_at_random_moments_then_resume_matches_uninterrupted_run(server: Server, tmp_path: Path) -> None:
    reference_dir, reference_final = tmp_path / "reference", tmp_path / "reference_final.pt"
    reference_dir.mkdir()
    run_to_completion(server, reference_dir, reference_final)

    directory, final_path = tmp_path / "killed", tmp_path / "killed_final.pt"
    directory.mkdir()
    rng = random.Random(2024)
    kills, last_iteration, completed = 0, 0, 0
    # Go on until enough kills happened and the last one left a partial run to resume.
    while kills < KILLS or last_iteration == 0:
        pid, resumed_at = server.start(directory, final_path)
        assert resumed_at == last_iteration
        time.sleep(rng.uniform(0.0, 0.3))
        # The server reaps the trainer only after "reap": the pid cannot belong to another process yet.
        os.kill(pid, signal.SIGKILL)
        returncode = server.reap()
        assert returncode in (0, -signal.SIGKILL)
        last_iteration = newest_checkpoint_loads(directory)
        assert last_iteration >= resumed_at
        if returncode == -signal.SIGKILL:
            kills += 1
        if final_path.exists():
            # A run resumed after kills finished before the next kill: check it, then start over.
            assert_same_weights(reference_final, final_path)
            completed += 1
            final_path.unlink()
            for path in directory.iterdir():
                path.unlink()
            last_iteration = 0
    run_to_completion(server, directory, final_path)
    assert_same_weights(reference_final, final_path)
