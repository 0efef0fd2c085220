from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import torch

from ignite.handlers import DiskSaver


def test_atomic_save_round_trip_and_no_leftovers(tmp_path: Path) -> None:
    saver = DiskSaver(tmp_path, save_on_rank=0)
    saver({"w": torch.arange(3.0)}, "a.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt"]
    torch.testing.assert_close(torch.load(tmp_path / "a.pt", weights_only=True)["w"], torch.arange(3.0))
    assert stat.S_IMODE((tmp_path / "a.pt").stat().st_mode) == 0o644
    saver({"w": torch.zeros(1)}, "a.pt")
    torch.testing.assert_close(torch.load(tmp_path / "a.pt", weights_only=True)["w"], torch.zeros(1))
    saver.remove("a.pt")
    saver.remove("a.pt")  # already gone: no error
    assert list(tmp_path.iterdir()) == []


def test_durable_order_fsync_file_then_rename_then_fsync_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        calls.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    DiskSaver(tmp_path)({"w": torch.ones(1)}, "a.pt")
    expected = ["fsync file", "replace", "fsync dir"] if os.name == "posix" else ["fsync file", "replace"]
    assert calls == expected


def test_failed_write_keeps_previous_file_and_removes_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saver = DiskSaver(tmp_path)
    saver({"w": torch.ones(2)}, "a.pt")

    def broken_save(obj: Any, f: Any, **kwargs: Any) -> None:
        f.write(b"partial data")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        saver({"w": torch.zeros(2)}, "a.pt")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt"]
    torch.testing.assert_close(torch.load(tmp_path / "a.pt", weights_only=True)["w"], torch.ones(2))


def test_non_atomic_and_torch_save_kwargs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real_save = torch.save

    def recording_save(obj: Any, f: Any, **kwargs: Any) -> None:
        seen.append(kwargs)
        real_save(obj, f, **kwargs)

    monkeypatch.setattr(torch, "save", recording_save)
    DiskSaver(tmp_path, atomic=False, pickle_protocol=4)({"w": torch.ones(1)}, "b.pt")
    DiskSaver(tmp_path, require_empty=False, pickle_protocol=3)({"w": torch.ones(1)}, "c.pt")
    assert seen == [{"pickle_protocol": 4}, {"pickle_protocol": 3}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.pt", "c.pt"]


def test_other_rank_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "sub"
    saver = DiskSaver(target, save_on_rank=1)
    assert not target.exists()
    saver({"w": torch.ones(1)}, "a.pt")
    assert not target.exists()


def test_constructor_errors(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"Argument dirname should be a str or pathlib\.Path, got int"):
        DiskSaver(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument save_on_rank should be a non-negative int, got -1"):
        DiskSaver(tmp_path, save_on_rank=-1)
    (tmp_path / "x.pt").write_bytes(b"")
    (tmp_path / "notes.txt").write_bytes(b"")
    with pytest.raises(ValueError, match=r"require_empty=True.*\['x.pt'\]"):
        DiskSaver(tmp_path)
    DiskSaver(tmp_path, require_empty=False)
    with pytest.raises(ValueError, match="Argument dirname should be an existing directory"):
        DiskSaver(tmp_path / "nope", create_dir=False)
    DiskSaver(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


@pytest.mark.parametrize("kwargs", [{}, {"_use_new_zipfile_serialization": False}, {"pickle_protocol": 2}])
def test_large_atomic_save_round_trip(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    # Larger than the write-back chunk of the saver, in several tensors, with both torch file formats.
    state = {f"t{i}": torch.randn(1024, 1024 + i) for i in range(6)}
    DiskSaver(tmp_path, **kwargs)(state, "big.pt")
    loaded = torch.load(tmp_path / "big.pt", weights_only=True)
    assert loaded.keys() == state.keys()
    for key, value in state.items():
        assert torch.equal(loaded[key], value)
