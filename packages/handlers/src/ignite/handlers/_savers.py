"""Where checkpoints go: the :class:`BaseSaveHandler` interface and :class:`DiskSaver`, a crash-safe disk writer."""

from __future__ import annotations

import contextlib
import os
import tempfile
from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, cast

import torch

import ignite.distributed as idist

__all__ = ["BaseSaveHandler", "DiskSaver", "durable_torch_save"]

# Checkpoints are readable by everyone, writable by the owner: mkstemp would otherwise leave them at 0o600.
_CHECKPOINT_MODE = 0o644
# Temporary files start with a dot and never end with ".pt", so they are never taken for a checkpoint.
_TMP_SUFFIX = ".tmp"


class BaseSaveHandler(metaclass=ABCMeta):
    """Interface of the objects that store what :class:`~ignite.handlers.Checkpoint` hands them.

    ``__call__(checkpoint, filename, metadata)`` stores one checkpoint; ``remove(filename)`` deletes a stored one.
    ``metadata`` is a dict with ``basename``, ``score_name`` and ``priority``.
    """

    @abstractmethod
    def __call__(self, checkpoint: Mapping[str, Any], filename: str, metadata: Mapping[str, Any] | None = None) -> None:
        """Store ``checkpoint`` under ``filename``."""

    @abstractmethod
    def remove(self, filename: str) -> None:
        """Delete the checkpoint stored under ``filename``."""


_XLA_BACKEND = "xla-tpu"


def _to_cpu(obj: Any) -> Any:
    """``obj`` with every tensor in it (through dicts, lists and tuples) moved to the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.cpu()
    if isinstance(obj, dict):  # OrderedDict state dicts keep their type
        return type(obj)((key, _to_cpu(value)) for key, value in obj.items())
    if type(obj) in (list, tuple):
        return type(obj)(_to_cpu(value) for value in obj)
    return obj


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; directories cannot be opened this way on Windows.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _EarlyWriteback:
    """Write-only file wrapper that has the kernel start writing each few MB to disk while serialization goes on.

    Without it, all the data is still in the page cache when ``fsync`` is called, and the save waits for the whole
    write-out; with it, ``fsync`` waits only for the last chunk. ``posix_fadvise(POSIX_FADV_DONTNEED)`` on a written
    range starts the write-back of its dirty pages without waiting for it (Linux); elsewhere this is a plain wrapper.
    """

    _CHUNK = 4 << 20

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._fd = handle.fileno()
        self._start = 0  # beginning of the range not yet handed to the kernel
        self._position = 0
        self._advise = getattr(os, "posix_fadvise", None)

    def write(self, data: Any) -> int:
        written = self._handle.write(data)
        self._position += written
        if self._advise is not None and self._position - self._start >= self._CHUNK:
            self._handle.flush()
            self._advise(self._fd, self._start, self._position - self._start, os.POSIX_FADV_DONTNEED)
            self._start = self._position
        return written

    def flush(self) -> None:
        self._handle.flush()

    def fileno(self) -> int:
        return self._fd

    def tell(self) -> int:
        return self._handle.tell()


def durable_torch_save(obj: Any, path: str | Path, **kwargs: Any) -> None:
    """``torch.save(obj, path)`` such that a crash at any moment leaves either the old file or the complete new one.

    The data goes to a temporary file in the same directory, which is flushed and fsync'd, renamed over ``path`` with
    ``os.replace`` (atomic on POSIX and Windows), and the directory is fsync'd so the rename survives a power loss.
    """
    target = Path(path)
    directory = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_TMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            # torch.save only needs write/flush (and fileno/tell in its legacy format) from a file object.
            torch.save(obj, cast(BinaryIO, _EarlyWriteback(handle)), **kwargs)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _CHECKPOINT_MODE)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(directory)


class DiskSaver(BaseSaveHandler):
    """Saves checkpoints with ``torch.save`` into ``dirname``.

    Args:
        dirname: directory of the checkpoints.
        atomic: write through a temporary file that is fsync'd and renamed (see :func:`durable_torch_save`), so that
            an interrupted save never leaves a truncated checkpoint. ``False`` writes the file in place.
        create_dir: create ``dirname`` (and its parents) when missing.
        require_empty: refuse a directory that already holds ``.pt`` files, so old runs are not mixed up with new ones.
        save_on_rank: the process (rank) that writes; the others do nothing.
        kwargs: passed to ``torch.save``.

    >>> import tempfile, torch
    >>> saver = DiskSaver(tempfile.mkdtemp())
    >>> saver({"w": torch.ones(2)}, "model_1.pt")
    >>> sorted(p.name for p in saver.dirname.iterdir())
    ['model_1.pt']
    """

    def __init__(
        self,
        dirname: str | Path,
        atomic: bool = True,
        create_dir: bool = True,
        require_empty: bool = True,
        save_on_rank: int = 0,
        **kwargs: Any,
    ) -> None:
        if not isinstance(dirname, (str, Path)):
            raise TypeError(f"Argument dirname should be a str or pathlib.Path, got {type(dirname).__name__}")
        if isinstance(save_on_rank, bool) or not isinstance(save_on_rank, int) or save_on_rank < 0:
            raise ValueError(f"Argument save_on_rank should be a non-negative int, got {save_on_rank!r}")
        self.dirname = Path(dirname).expanduser()
        self._atomic = atomic
        self.save_on_rank = save_on_rank
        self.kwargs = kwargs
        if idist.get_rank() == save_on_rank:
            self._check_and_setup(self.dirname, create_dir, require_empty)

    @staticmethod
    def _check_and_setup(dirname: Path, create_dir: bool, require_empty: bool) -> None:
        if create_dir:
            dirname.mkdir(parents=True, exist_ok=True)
        if not dirname.is_dir():
            raise ValueError(f"Argument dirname should be an existing directory, got '{dirname}' (not found)")
        if require_empty:
            found = sorted(p.name for p in dirname.iterdir() if p.name.endswith(".pt"))
            if found:
                raise ValueError(
                    f"Argument dirname should name a directory without '.pt' files when require_empty=True, but "
                    f"'{dirname}' holds {found}; pass require_empty=False to use it anyway"
                )

    def __call__(self, checkpoint: Mapping[str, Any], filename: str, metadata: Mapping[str, Any] | None = None) -> None:
        if idist.backend() == _XLA_BACKEND:
            # XLA tensors are saved as CPU tensors (a file loadable without torch_xla, as xm.save does). Every rank
            # fetches them: moving an XLA tensor to the CPU runs its pending graph, which all ranks must run alike.
            checkpoint = _to_cpu(checkpoint)
        if idist.get_rank() != self.save_on_rank:
            return
        path = self.dirname / filename
        if self._atomic:
            durable_torch_save(checkpoint, path, **self.kwargs)
        else:
            torch.save(checkpoint, path, **self.kwargs)

    def remove(self, filename: str) -> None:
        if idist.get_rank() != self.save_on_rank:
            return
        # Already gone is fine: a resumed run may list a file that a crash prevented from being written.
        (self.dirname / filename).unlink(missing_ok=True)
