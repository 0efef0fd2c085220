"""Checkpoint with save_on_rank on 2 real gloo processes: one rank writes, every rank can load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).parent / "scripts" / "dist_checkpoint.py"


def test_only_save_on_rank_writes_and_every_rank_loads(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_PORT")}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    reports = [json.loads((tmp_path / f"rank-{rank}.json").read_text()) for rank in (0, 1)]
    for report in reports:
        assert report["files"] == ["checkpoint_6.pt", "checkpoint_9.pt"]
        # The file holds rank 1's state: rank 0 wrote nothing.
        assert report["writer"] == 1
        assert report["last"].endswith("checkpoint_9.pt")
        # Both shards of the ZeroRedundancyOptimizer were consolidated into the file: a momentum buffer for the
        # weight (2 values) and for the bias (1 value); with constant gradients (4 per weight entry and bias after
        # summing over the batch of ones) the buffer after n steps is g * (1 - 0.9**n) / (1 - 0.9).
        n = report["iterations"]
        expected = 4 * (1 - 0.9**n) / (1 - 0.9)
        assert len(report["momentum"]) == 2
        weight, bias = report["momentum"]
        assert weight == [pytest.approx([expected, expected])] and bias == pytest.approx([expected])
