"""Spawning a native process group on this node, and bringing the first failure of any rank back to the parent.

Each worker records the exception that ends it (pickled, with its traceback and the time) in a folder shared with
the parent before exiting. The parent waits on all workers; as soon as one exits with an error, torch's process
context terminates the others -- ranks blocked in a collective with the dead rank never hang -- and the parent
raises the *earliest* recorded error: ranks that fail later only fail because a peer died, and would hide the cause.
"""

from __future__ import annotations

import os
import pickle
import shutil
import socket
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from torch.multiprocessing.spawn import (
    ProcessContext,
    ProcessExitedException,
    ProcessRaisedException,
    start_processes,
)

__all__ = ["RankFailure", "check_not_in_multi_task_slurm_step", "check_spawn_args", "spawn_native"]

_SPAWN_KEYS = ("join", "daemon", "start_method")


class RankFailure(RuntimeError):
    """Where an error re-raised by the parent came from: set as the ``__cause__`` of that error.

    ``rank`` is the global rank of the process that failed first and ``remote_traceback`` its formatted traceback.
    """

    def __init__(self, rank: int, pid: int, remote_traceback: str) -> None:
        super().__init__(f"rank {rank} (pid {pid}) failed first; its traceback:\n\n{remote_traceback}")
        self.rank = rank
        self.pid = pid
        self.remote_traceback = remote_traceback


def _check_positive(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"Argument {name} should be an int >= {minimum}, got {value!r}")
    return value


def check_spawn_args(
    nproc_per_node: Any,
    nnodes: Any,
    node_rank: Any,
    master_addr: Any,
    master_port: Any,
    init_method: Any,
) -> tuple[int, int, int]:
    """Validate the layout of a spawned group; return ``(nproc_per_node, nnodes, node_rank)`` with defaults."""
    nproc_per_node = _check_positive("nproc_per_node", nproc_per_node, 1)
    nnodes = _check_positive("nnodes", 1 if nnodes is None else nnodes, 1)
    if node_rank is None:
        if nnodes > 1:
            raise ValueError(f"Argument node_rank should be given when nnodes > 1, got nnodes={nnodes}")
        node_rank = 0
    if isinstance(node_rank, bool) or not isinstance(node_rank, int) or not 0 <= node_rank < nnodes:
        raise ValueError(
            f"Argument node_rank should be an int in [0, {nnodes - 1}] (nnodes={nnodes}), got {node_rank!r}"
        )
    if master_addr is not None and not isinstance(master_addr, str):
        raise TypeError(f"Argument master_addr should be a str, got {type(master_addr).__name__}")
    if master_port is not None:
        _check_positive("master_port", master_port, 1)
    if init_method is not None and not isinstance(init_method, str):
        raise TypeError(f"Argument init_method should be a str, got {type(init_method).__name__}")
    if nnodes > 1 and init_method is None and (master_addr is None or master_port is None):
        raise ValueError(
            f"Arguments master_addr and master_port (or init_method) should be given when nnodes > 1, got "
            f"master_addr={master_addr!r}, master_port={master_port!r}"
        )
    return nproc_per_node, nnodes, node_rank


def check_not_in_multi_task_slurm_step(environ: Mapping[str, str], nproc_per_node: int) -> None:
    """Refuse to spawn when srun started several tasks on this node: each would build a process group of its own.

    One SLURM task per node that spawns ``nproc_per_node`` processes is fine (``srun --ntasks-per-node=1``), and so
    is ``Parallel(backend)`` without ``nproc_per_node``, which joins the group srun's tasks form.
    """
    if "SLURM_JOB_ID" not in environ or "SLURM_NTASKS" not in environ:
        return
    try:
        ntasks = int(environ["SLURM_NTASKS"])
        nnodes = int(environ.get("SLURM_JOB_NUM_NODES", "1"))
    except ValueError:
        # Malformed SLURM variables are reported where the launcher's layout is read; nothing to compare here.
        return
    if ntasks > nnodes:
        raise RuntimeError(
            f"Spawning nproc_per_node={nproc_per_node} processes inside a SLURM job step of SLURM_NTASKS={ntasks} "
            f"tasks on SLURM_JOB_NUM_NODES={nnodes} node(s) would start one separate process group per task; "
            f"use one task per node (srun --ntasks-per-node=1) to spawn, or drop nproc_per_node so that "
            f"Parallel joins the group of the tasks srun started"
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _record_failure(error_dir: str, rank: int, error: BaseException) -> None:
    try:
        payload: bytes | None = pickle.dumps(error)
        pickle.loads(pickle.dumps(error))
    except Exception:
        payload = None
    record = {
        "rank": rank,
        "pid": os.getpid(),
        "time": time.time(),
        "error": payload,
        "type": type(error).__qualname__,
        "message": str(error),
        "traceback": traceback.format_exc(),
    }
    target = Path(error_dir) / f"rank-{rank}.pkl"
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(pickle.dumps(record))
    os.replace(temporary, target)


def _worker(
    local_rank: int,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs_dict: Mapping[str, Any],
    backend: str,
    layout: tuple[int, int, int],
    master: tuple[str, int],
    init_method: str | None,
    init_kwargs: Mapping[str, Any],
    error_dir: str,
) -> None:
    nproc_per_node, nnodes, node_rank = layout
    rank = node_rank * nproc_per_node + local_rank
    os.environ.update(
        {
            "RANK": str(rank),
            "LOCAL_RANK": str(local_rank),
            "WORLD_SIZE": str(nnodes * nproc_per_node),
            "LOCAL_WORLD_SIZE": str(nproc_per_node),
            "GROUP_RANK": str(node_rank),
            "MASTER_ADDR": master[0],
            "MASTER_PORT": str(master[1]),
        }
    )
    from ignite.distributed import utils as idist_utils
    from ignite.distributed.comp_models.native import _NativeDistModel

    try:
        model = _NativeDistModel(backend, init_method=init_method, _spawned=True, **init_kwargs)
        idist_utils._set_model(model)
        fn(local_rank, *args, **kwargs_dict)
    except BaseException as error:
        _record_failure(error_dir, rank, error)
        raise
    idist_utils.finalize()


def _first_failure(error_dir: str) -> dict[str, Any] | None:
    records = [pickle.loads(path.read_bytes()) for path in Path(error_dir).glob("rank-*.pkl")]
    if not records:
        return None
    first: dict[str, Any] = min(records, key=lambda r: (r["time"], r["rank"]))
    return first


def _rebuild_error(record: Mapping[str, Any], world_size: int) -> BaseException:
    error: BaseException | None = pickle.loads(record["error"]) if record["error"] is not None else None
    if error is None:
        error = RuntimeError(f"rank {record['rank']} raised {record['type']}: {record['message']}")
    note = f"raised by rank {record['rank']} of {world_size} (pid {record['pid']}), re-raised by the parent process"
    add_note = getattr(error, "add_note", None)
    if add_note is not None:
        add_note(note)
    return error


def spawn_native(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs_dict: Mapping[str, Any] | None,
    nproc_per_node: int,
    nnodes: int | None,
    node_rank: int | None,
    master_addr: str | None,
    master_port: int | None,
    backend: str,
    init_method: str | None,
    **kwargs: Any,
) -> ProcessContext | None:
    """Start ``nproc_per_node`` processes running ``fn(local_rank, *args, **kwargs_dict)`` in a process group.

    ``kwargs`` holds ``join``, ``daemon`` and ``start_method`` (default ``"spawn"``) for
    ``torch.multiprocessing.start_processes``; the rest (``timeout``, ...) goes to ``init_process_group``.
    """
    if not callable(fn):
        raise TypeError(f"Argument fn should be callable, got {type(fn).__name__}")
    if not isinstance(args, tuple):
        raise TypeError(f"Argument args should be a tuple, got {type(args).__name__}")
    if kwargs_dict is not None and not isinstance(kwargs_dict, Mapping):
        raise TypeError(f"Argument kwargs_dict should be a mapping or None, got {type(kwargs_dict).__name__}")
    layout = check_spawn_args(nproc_per_node, nnodes, node_rank, master_addr, master_port, init_method)
    check_not_in_multi_task_slurm_step(os.environ, layout[0])
    spawn_kwargs = {key: kwargs.pop(key) for key in _SPAWN_KEYS if key in kwargs}
    spawn_kwargs.setdefault("start_method", "spawn")
    join = bool(spawn_kwargs.pop("join", True))
    master = (master_addr or "127.0.0.1", master_port or _free_port())
    error_dir = tempfile.mkdtemp(prefix="ignite-spawn-")
    worker_args = (fn, args, dict(kwargs_dict or {}), backend, layout, master, init_method, kwargs, error_dir)
    context: ProcessContext = start_processes(  # type: ignore[no-untyped-call]
        _worker, args=worker_args, nprocs=layout[0], join=False, **spawn_kwargs
    )
    if not join:
        return context
    try:
        while not context.join():
            pass
    except (ProcessRaisedException, ProcessExitedException):
        record = _first_failure(error_dir)
        if record is None:
            raise
        cause = RankFailure(record["rank"], record["pid"], record["traceback"])
        raise _rebuild_error(record, layout[0] * layout[1]) from cause
    finally:
        shutil.rmtree(error_dir, ignore_errors=True)
    return None
