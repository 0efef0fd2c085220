"""setup_logger, manual_seed, deprecated and hash_checkpoint."""

from __future__ import annotations

import hashlib
import io
import logging
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from ignite.utils import deprecated, hash_checkpoint, manual_seed, setup_logger


@pytest.fixture
def logger_name(request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"tests.distributed.{request.node.name}"
    yield name
    logger = logging.getLogger(name)
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def test_setup_logger_rank_zero_writes_to_stream_and_file(logger_name: str, tmp_path: Path) -> None:
    stream = io.StringIO()
    path = tmp_path / "log.txt"
    logger = setup_logger(
        logger_name, level=logging.DEBUG, stream=stream, format="%(levelname)s|%(message)s", filepath=str(path)
    )
    assert logger.name == logger_name
    assert logger.level == logging.DEBUG
    assert logger.propagate is False
    logger.debug("dé")
    for handler in logger.handlers:
        handler.flush()
    assert stream.getvalue() == "DEBUG|dé\n"
    assert path.read_text(encoding="utf-8") == "DEBUG|dé\n"


def test_setup_logger_non_zero_rank_is_silent(logger_name: str) -> None:
    stream = io.StringIO()
    logger = setup_logger(logger_name, stream=stream, distributed_rank=1)
    logger.warning("should not appear")
    assert stream.getvalue() == ""
    assert [type(h) for h in logger.handlers] == [logging.NullHandler]
    assert logger.propagate is False


def test_setup_logger_non_zero_rank_silences_an_existing_logger(logger_name: str) -> None:
    stream = io.StringIO()
    setup_logger(logger_name, stream=stream, distributed_rank=0)
    logger = setup_logger(logger_name, stream=stream, distributed_rank=2)
    logger.warning("hidden")
    assert stream.getvalue() == ""


def test_setup_logger_keeps_existing_configuration_unless_reset(logger_name: str) -> None:
    first, second = io.StringIO(), io.StringIO()
    logger = setup_logger(logger_name, stream=first, format="%(message)s")
    again = setup_logger(logger_name, level=logging.ERROR, stream=second)
    assert again is logger
    again.info("kept")
    assert first.getvalue() == "kept\n" and second.getvalue() == ""

    reset = setup_logger(logger_name, level=logging.ERROR, stream=second, format="%(message)s", reset=True)
    assert reset is logger and len(reset.handlers) == 1
    reset.info("dropped")
    reset.error("shown")
    assert first.getvalue() == "kept\n" and second.getvalue() == "shown\n"


def test_setup_logger_uses_current_rank_and_default_name() -> None:
    stream = io.StringIO()
    logger = setup_logger(stream=stream, format="%(name)s:%(message)s", reset=True)
    try:
        assert logger.name == "ignite"
        logger.info("on rank 0")
        assert stream.getvalue() == "ignite:on rank 0\n"
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)


def test_setup_logger_configures_a_parent_created_implicitly_by_a_child(logger_name: str) -> None:
    logging.getLogger(f"{logger_name}.child")
    stream = io.StringIO()
    logger = setup_logger(logger_name, stream=stream, format="%(message)s")
    logger.info("configured")
    assert stream.getvalue() == "configured\n"


def test_setup_logger_root_is_returned_untouched() -> None:
    root = logging.getLogger()
    handlers = list(root.handlers)
    assert setup_logger(None, distributed_rank=0) is root
    assert root.handlers == handlers


@pytest.mark.parametrize("rank", [-1, 1.0, True, "0"])
def test_setup_logger_rejects_bad_rank(logger_name: str, rank: object) -> None:
    with pytest.raises(ValueError, match=r"Argument distributed_rank should be a non-negative int or None"):
        setup_logger(logger_name, distributed_rank=rank)  # type: ignore[arg-type]


def test_setup_logger_rejects_bad_name() -> None:
    with pytest.raises(TypeError, match=r"Argument name should be a str or None, got int"):
        setup_logger(3)  # type: ignore[arg-type]


def _draw() -> tuple[float, torch.Tensor]:
    return random.random(), torch.rand(3)


def test_manual_seed_makes_random_and_torch_reproducible() -> None:
    manual_seed(123)
    first = _draw()
    manual_seed(123)
    second = _draw()
    manual_seed(124)
    third = _draw()
    assert first[0] == second[0] and torch.equal(first[1], second[1])
    assert first[0] != third[0] and not torch.equal(first[1], third[1])


def test_manual_seed_seeds_numpy_when_installed() -> None:
    numpy = pytest.importorskip("numpy")
    manual_seed(7)
    first = numpy.random.rand(3)
    manual_seed(7)
    assert (numpy.random.rand(3) == first).all()


@pytest.mark.parametrize(
    ("seed", "error"), [(1.0, TypeError), (True, TypeError), ("1", TypeError), (-1, ValueError), (2**32, ValueError)]
)
def test_manual_seed_rejects_bad_seed(seed: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"Argument seed should be"):
        manual_seed(seed)  # type: ignore[arg-type]


def test_deprecated_warns_and_documents() -> None:
    @deprecated("0.4.2", "0.6.0", reasons=("use new_function",))
    def old_function(x: int) -> int:
        """Add one."""
        return x + 1

    with pytest.warns(DeprecationWarning, match=r"old_function is deprecated since version 0.4.2 and will be removed"):
        assert old_function(1) == 2
    assert old_function.__name__ == "old_function"
    assert old_function.__doc__ is not None
    assert "Add one." in old_function.__doc__
    assert ".. deprecated:: 0.4.2" in old_function.__doc__ and "use new_function" in old_function.__doc__


def test_deprecated_can_raise() -> None:
    @deprecated("0.5", raise_exception=True)
    def gone() -> None:
        raise AssertionError("must not run")

    with pytest.raises(DeprecationWarning, match=r"^gone is deprecated since version 0.5\.$"):
        gone()
    with pytest.raises(TypeError, match=r"Argument reasons should be a tuple of str"):
        deprecated("0.5", reasons="one reason")  # type: ignore[arg-type]


def test_hash_checkpoint(tmp_path: Path) -> None:
    source = tmp_path / "model.pt"
    torch.save({"w": torch.arange(10)}, source)
    content = source.read_bytes()
    target, sha = hash_checkpoint(str(source), tmp_path / "out")
    assert sha == hashlib.sha256(content).hexdigest()
    assert target == tmp_path / "out" / f"model-{sha[:8]}.pt"
    assert re.fullmatch(r"model-[0-9a-f]{8}\.pt", target.name)
    assert target.read_bytes() == content
    assert not source.exists()
    assert torch.equal(torch.load(target, weights_only=True)["w"], torch.arange(10))


def test_hash_checkpoint_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"Argument checkpoint_path should name an existing file"):
        hash_checkpoint(tmp_path / "missing.pt", tmp_path)
    with pytest.raises(TypeError, match=r"Argument output_dir should be a str or Path, got int"):
        hash_checkpoint(tmp_path / "missing.pt", 3)  # type: ignore[arg-type]
