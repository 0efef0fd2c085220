"""idist.Parallel's argument checks and its serial path (the spawning paths run in test_multiprocess.py)."""

from __future__ import annotations

import pytest

import ignite.distributed as idist


def _training(local_rank: int, base: int, scale: int = 1) -> tuple[int, int, int]:
    return local_rank, idist.get_world_size(), base * scale


def test_serial_run_calls_the_function_with_local_rank() -> None:
    with idist.Parallel() as parallel:
        assert parallel.run(_training, 2, scale=5) == (0, 1, 10)
    assert idist.model_name() == "serial"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("nproc_per_node", 2),
        ("nnodes", 1),
        ("node_rank", 0),
        ("master_addr", "127.0.0.1"),
        ("master_port", 2222),
        ("init_method", "env://"),
    ],
)
def test_backend_none_refuses_layout_arguments(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"Argument {name} should be None when backend is None, got {value!r}"):
        idist.Parallel(backend=None, **{name: value})  # type: ignore[arg-type]


def test_backend_none_refuses_spawn_kwargs() -> None:
    with pytest.raises(ValueError, match=r"Arguments \['start_method'\] need a backend, got backend=None"):
        idist.Parallel(start_method="fork")


def test_unknown_and_missing_backends() -> None:
    with pytest.raises(ValueError, match=r"Argument backend should be one of .* got 'gloo2'"):
        idist.Parallel(backend="gloo2")
    with pytest.raises(ImportError, match=r'pip install "ignite-distributed\[horovod\]"'):
        idist.Parallel(backend="horovod", nproc_per_node=2)
    with pytest.raises(ImportError, match=r'pip install "ignite-distributed\[xla\]"'):
        idist.Parallel(backend="xla-tpu")


def test_spawn_layout_checks() -> None:
    with pytest.raises(ValueError, match=r"Argument nproc_per_node should be an int >= 1, got -1"):
        idist.Parallel(backend="gloo", nproc_per_node=-1)
    with pytest.raises(ValueError, match=r"Argument nnodes should be an int >= 1, got 0"):
        idist.Parallel(backend="gloo", nproc_per_node=1, nnodes=0)
    with pytest.raises(ValueError, match=r"Arguments master_addr and master_port \(or init_method\) should be given"):
        idist.Parallel(backend="gloo", nproc_per_node=1, nnodes=2, node_rank=1)
    with pytest.raises(TypeError, match=r"Argument master_addr should be a str, got int"):
        idist.Parallel(backend="gloo", nproc_per_node=1, master_addr=1)  # type: ignore[arg-type]
    parallel = idist.Parallel(backend="gloo", nproc_per_node=2, nnodes=2, node_rank=1, master_addr="h", master_port=9)
    assert parallel._spawn_params is not None
    assert parallel._spawn_params["node_rank"] == 1


def test_launched_mode_refuses_spawn_only_arguments() -> None:
    with pytest.raises(ValueError, match=r"Argument nnodes should only be given with nproc_per_node .* got nnodes=2"):
        idist.Parallel(backend="gloo", nnodes=2)


def test_run_checks_func() -> None:
    with pytest.raises(TypeError, match=r"Argument func should be callable, got str"):
        idist.Parallel().run("train")  # type: ignore[arg-type]
