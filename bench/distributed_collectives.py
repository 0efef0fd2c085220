"""Cost of ignite.distributed over raw torch.distributed on 2 gloo ranks; prints one JSON object.

- ``collectives``: latency (median over blocks, microseconds per call) of all_reduce / all_gather / broadcast of a
  0-d tensor and of a 1M-element float32 tensor, through ``idist`` and through raw ``torch.distributed`` (what a
  user would write: ``dist.all_gather`` into a list then ``torch.cat``), measured in interleaved blocks in the same
  processes. Target: ratio <= 1.05. ``ratio`` compares medians, ``ratio_min`` the fastest blocks (steadier on
  a shared machine).
  ``all_gather_tensors_with_shapes`` is compared with the same raw all_gather: ``all_gather`` itself first
  exchanges the sizes (so that they may differ between ranks), one small collective more.
- ``call_overhead_1_rank_scalar``: microseconds per call of a 0-d tensor collective on a one-process group, where
  no network wait hides (or adds noise to) the cost of the idist layer.
- ``startup``: seconds from calling ``Parallel(...).run`` to the end of the first all_reduce on rank 0, against
  ``torch.multiprocessing.start_processes`` + ``init_process_group`` + the same all_reduce. Target: ratio <= 1.1.

Usage: ``uv run python bench/distributed_collectives.py [--blocks N] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

SIZES = {"scalar": 0, "1M": 1_000_000}
ITERS = {"scalar": 200, "1M": 10}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _payload(size: str) -> torch.Tensor:
    return torch.tensor(1.0) if SIZES[size] == 0 else torch.ones(SIZES[size])


def _raw_ops(world_size: int) -> dict[str, Callable[[torch.Tensor], Any]]:
    def all_gather(t: torch.Tensor) -> torch.Tensor:
        piece = t.unsqueeze(0) if t.ndim == 0 else t
        out = [torch.empty_like(piece) for _ in range(world_size)]
        dist.all_gather(out, piece)
        return torch.cat(out)

    return {
        "all_reduce": lambda t: dist.all_reduce(t),
        "all_gather": all_gather,
        "broadcast": lambda t: dist.broadcast(t, src=0),
    }


def _idist_ops() -> dict[str, Callable[[torch.Tensor], Any]]:
    import ignite.distributed as idist

    def with_shapes(t: torch.Tensor) -> Any:
        piece = t.unsqueeze(0) if t.ndim == 0 else t
        return idist.all_gather_tensors_with_shapes(piece, [list(piece.shape)] * idist.get_world_size())

    return {
        "all_reduce": lambda t: idist.all_reduce(t),
        "all_gather": lambda t: idist.all_gather(t),
        "broadcast": lambda t: idist.broadcast(t, src=0),
        # The same gather when every rank knows the shapes: no size exchange before the data.
        "all_gather_tensors_with_shapes": with_shapes,
    }


def _time_block(op: Callable[[torch.Tensor], Any], tensor: torch.Tensor, iters: int) -> float:
    dist.barrier()
    start = time.perf_counter()
    for _ in range(iters):
        op(tensor)
    return (time.perf_counter() - start) / iters * 1e6


def _collectives_worker(local_rank: int, blocks: int, out_file: str) -> None:
    import ignite.distributed as idist

    raw, ours = _raw_ops(idist.get_world_size()), _idist_ops()
    raw["all_gather_tensors_with_shapes"] = raw["all_gather"]
    results: dict[str, dict[str, Any]] = {}
    for name in ours:
        results[name] = {}
        for size in SIZES:
            tensor, iters = _payload(size), ITERS[size]
            _time_block(raw[name], tensor, iters)
            _time_block(ours[name], tensor, iters)
            raw_times: list[float] = []
            idist_times: list[float] = []
            # Interleaved blocks, alternating which goes first, so drift on a busy machine hits both alike.
            for block in range(blocks):
                pair = [(raw_times, raw[name]), (idist_times, ours[name])]
                for times, op in pair if block % 2 == 0 else reversed(pair):
                    times.append(_time_block(op, tensor, iters))
            raw_us, idist_us = statistics.median(raw_times), statistics.median(idist_times)
            # The fastest block is the steadiest estimate of a fixed overhead on a shared machine; both are given.
            raw_min, idist_min = min(raw_times), min(idist_times)
            results[name][size] = {
                "raw_us": round(raw_us, 1),
                "idist_us": round(idist_us, 1),
                "ratio": round(idist_us / raw_us, 3),
                "raw_min_us": round(raw_min, 1),
                "idist_min_us": round(idist_min, 1),
                "ratio_min": round(idist_min / raw_min, 3),
            }
    if idist.get_rank() == 0:
        Path(out_file).write_text(json.dumps(results))


def _first_collective_idist(local_rank: int, out_file: str) -> None:
    import ignite.distributed as idist

    idist.all_reduce(torch.ones(1))
    if idist.get_rank() == 0:
        Path(out_file).write_text(str(time.time()))


def _first_collective_raw(local_rank: int, world_size: int, port: int, out_file: str) -> None:
    os.environ.update(
        {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(local_rank), "WORLD_SIZE": str(world_size)}
    )
    dist.init_process_group("gloo")
    dist.all_reduce(torch.ones(1))
    if local_rank == 0:
        Path(out_file).write_text(str(time.time()))
    dist.destroy_process_group()


def _call_overhead(iters: int = 5000) -> dict[str, Any]:
    """Per-call cost on a one-process gloo group: no peer to wait for, so what remains is the software around it."""
    import ignite.distributed as idist

    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())})
    idist.initialize("gloo")
    raw, ours = _raw_ops(1), _idist_ops()
    tensor = _payload("scalar")
    results: dict[str, Any] = {}
    for name in ("all_reduce", "all_gather", "broadcast"):
        raw_times: list[float] = []
        idist_times: list[float] = []
        for _ in range(5):
            for times, op in ((raw_times, raw[name]), (idist_times, ours[name])):
                start = time.perf_counter()
                for _ in range(iters):
                    op(tensor)
                times.append((time.perf_counter() - start) / iters * 1e6)
        raw_us, idist_us = min(raw_times), min(idist_times)
        results[name] = {
            "raw_us": round(raw_us, 2),
            "idist_us": round(idist_us, 2),
            "extra_us": round(idist_us - raw_us, 2),
        }
    idist.finalize()
    return results


def _startup(repeats: int, workdir: Path) -> dict[str, Any]:
    from torch.multiprocessing.spawn import start_processes

    import ignite.distributed as idist

    raw_s: list[float] = []
    idist_s: list[float] = []
    for repeat in range(repeats):
        out = workdir / f"start-{repeat}.txt"
        for variant in ("raw", "idist") if repeat % 2 == 0 else ("idist", "raw"):
            start = time.time()
            if variant == "raw":
                start_processes(_first_collective_raw, args=(2, _free_port(), str(out)), nprocs=2)  # type: ignore[no-untyped-call]
                raw_s.append(float(out.read_text()) - start)
            else:
                with idist.Parallel(backend="gloo", nproc_per_node=2) as parallel:
                    parallel.run(_first_collective_idist, str(out))
                idist_s.append(float(out.read_text()) - start)
    raw, ours = statistics.median(raw_s), statistics.median(idist_s)
    return {
        "raw_s": round(raw, 3),
        "idist_s": round(ours, 3),
        "ratio": round(ours / raw, 3),
        "ratio_min": round(min(idist_s) / min(raw_s), 3),
        "repeats": repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=7, help="timed blocks per op and size (median taken)")
    parser.add_argument("--repeats", type=int, default=5, help="process-group startups per variant (median taken)")
    args = parser.parse_args()

    import ignite.distributed as idist

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "collectives.json"
        with idist.Parallel(backend="gloo", nproc_per_node=2) as parallel:
            parallel.run(_collectives_worker, args.blocks, str(out))
        collectives = json.loads(out.read_text())
        startup = _startup(args.repeats, Path(tmp))
    overhead = _call_overhead()
    worst = max(entry["ratio"] for by_size in collectives.values() for entry in by_size.values())
    worst_min = max(entry["ratio_min"] for by_size in collectives.values() for entry in by_size.values())
    report = {
        "benchmark": "distributed_collectives",
        "world_size": 2,
        "backend": "gloo",
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "torch": torch.__version__},
        "platform": platform.platform(),
        "collectives": collectives,
        "startup": startup,
        "call_overhead_1_rank_scalar": overhead,
        "targets": {
            "collective_ratio_max": 1.05,
            "collective_ratio_worst": worst,
            "collective_ratio_min_worst": worst_min,
            "startup_ratio_max": 1.1,
            "startup_ratio": startup["ratio"],
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
