"""Content-addressed renaming of checkpoint files (the ``name-<sha256 prefix>.pt`` convention of torch.hub)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

__all__ = ["hash_checkpoint"]

_CHUNK_SIZE = 1 << 20


def hash_checkpoint(checkpoint_path: str | Path, output_dir: str | Path) -> tuple[Path, str]:
    """Move ``checkpoint_path`` into ``output_dir`` as ``<stem>-<first 8 hex digits of its sha256>.pt``.

    Returns the new path and the full sha256 hex digest. ``output_dir`` is created when missing.
    """
    if not isinstance(checkpoint_path, (str, Path)):
        raise TypeError(f"Argument checkpoint_path should be a str or Path, got {type(checkpoint_path).__name__}")
    if not isinstance(output_dir, (str, Path)):
        raise TypeError(f"Argument output_dir should be a str or Path, got {type(output_dir).__name__}")
    source = Path(checkpoint_path)
    if not source.is_file():
        raise FileNotFoundError(f"Argument checkpoint_path should name an existing file, got {str(source)!r}")
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        while chunk := handle.read(_CHUNK_SIZE):
            digest.update(chunk)
    sha = digest.hexdigest()
    target_dir = Path(output_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{source.stem}-{sha[:8]}.pt"
    shutil.move(str(source), str(target))
    return target, sha
