"""How the process layout is read from the variables of each launcher (torchrun, srun, mpirun), without launching."""

from __future__ import annotations

import re

import pytest

from ignite.distributed.comp_models._env import (
    ddp_vars_from_env,
    ddp_vars_from_ompi_env,
    ddp_vars_from_slurm_env,
    expand_hostlist,
)

_SLURM = {
    "SLURM_JOB_ID": "123456",
    "SLURM_PROCID": "3",
    "SLURM_LOCALID": "1",
    "SLURM_NTASKS": "8",
    "SLURM_JOB_NODELIST": "gpu[01-02,07],login",
    "SLURM_JOB_NUM_NODES": "4",
}


@pytest.mark.parametrize(
    ("nodelist", "hosts"),
    [
        ("node1", ["node1"]),
        ("a,b", ["a", "b"]),
        ("gpu[01-03]", ["gpu01", "gpu02", "gpu03"]),
        ("gpu[8-10,12],cpu[1,3]", ["gpu8", "gpu9", "gpu10", "gpu12", "cpu1", "cpu3"]),
        ("r[1-2]n[0-1]", ["r1n0", "r1n1", "r2n0", "r2n1"]),
        ("x[1-2]-ib", ["x1-ib", "x2-ib"]),
    ],
)
def test_expand_hostlist(nodelist: str, hosts: list[str]) -> None:
    assert expand_hostlist(nodelist) == hosts


def test_expand_hostlist_rejects_bad_range() -> None:
    with pytest.raises(ValueError, match=r"Argument nodelist has an invalid range '5-2'"):
        expand_hostlist("n[5-2]")


def test_slurm_alone_gives_layout_master_host_and_port() -> None:
    assert ddp_vars_from_slurm_env(_SLURM) == {
        "RANK": "3",
        "LOCAL_RANK": "1",
        "WORLD_SIZE": "8",
        "MASTER_ADDR": "gpu01",
        "MASTER_PORT": str(15000 + 3456),
    }


def test_slurm_keeps_given_master_addr_and_port() -> None:
    env = {**_SLURM, "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "2222"}
    assert ddp_vars_from_slurm_env(env)["MASTER_ADDR"] == "10.0.0.1"
    assert ddp_vars_from_slurm_env(env)["MASTER_PORT"] == "2222"


@pytest.mark.parametrize("missing", ["SLURM_PROCID", "SLURM_JOB_NODELIST", "SLURM_JOB_NUM_NODES"])
def test_slurm_missing_variable(missing: str) -> None:
    env = {k: v for k, v in _SLURM.items() if k != missing}
    with pytest.raises(RuntimeError, match=rf"SLURM distributed configuration is missing .*'{missing}'"):
        ddp_vars_from_slurm_env(env)


def test_slurm_non_integer_variable() -> None:
    with pytest.raises(ValueError, match=r"Environment variable SLURM_NTASKS should be an integer, got 'many'"):
        ddp_vars_from_slurm_env({**_SLURM, "SLURM_NTASKS": "many"})


def test_slurm_multi_node_torchrun_vars_must_agree() -> None:
    agreeing = {**_SLURM, "RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "8"}
    assert ddp_vars_from_slurm_env(agreeing)["RANK"] == "3"
    disagreeing = {**agreeing, "WORLD_SIZE": "16"}
    with pytest.raises(RuntimeError, match=r"WORLD_SIZE=16 set for torch.distributed disagrees with SLURM's value 8"):
        ddp_vars_from_slurm_env(disagreeing)


def test_slurm_single_node_torchrun_vars_win_with_one_task() -> None:
    env = {
        **_SLURM,
        "SLURM_JOB_NUM_NODES": "1",
        "SLURM_NTASKS": "1",
        "SLURM_PROCID": "0",
        "SLURM_LOCALID": "0",
        "RANK": "2",
        "LOCAL_RANK": "2",
        "WORLD_SIZE": "4",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "29500",
    }
    assert ddp_vars_from_slurm_env(env) == {
        "RANK": "2",
        "LOCAL_RANK": "2",
        "WORLD_SIZE": "4",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "29500",
    }


def test_slurm_single_node_torchrun_with_several_tasks_is_refused() -> None:
    env = {**_SLURM, "SLURM_JOB_NUM_NODES": "1", "RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "2"}
    with pytest.raises(RuntimeError, match=r"needs a single SLURM task .* got SLURM_NTASKS=8"):
        ddp_vars_from_slurm_env(env)


def test_slurm_partial_torchrun_vars_are_ignored_with_a_warning() -> None:
    env = {**_SLURM, "RANK": "5", "MASTER_ADDR": "elsewhere"}
    with pytest.warns(
        UserWarning, match=re.escape("Ignoring the torch.distributed environment variables {'RANK': '5'}")
    ):
        result = ddp_vars_from_slurm_env(env)
    assert result["RANK"] == "3"
    assert result["MASTER_ADDR"] == "gpu01"


def test_slurm_job_id_must_end_with_digits() -> None:
    with pytest.raises(ValueError, match=r"SLURM_JOB_ID should end with digits, got 'job_x'"):
        ddp_vars_from_slurm_env({**_SLURM, "SLURM_JOB_ID": "job_x"})


def test_ompi_variables() -> None:
    env = {"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_LOCAL_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2"}
    assert ddp_vars_from_ompi_env(env) == {
        "RANK": "1",
        "LOCAL_RANK": "0",
        "WORLD_SIZE": "2",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "15000",
    }
    assert ddp_vars_from_env(env) == ddp_vars_from_ompi_env(env)
    with pytest.raises(RuntimeError, match=r"Open MPI .* missing .*'OMPI_COMM_WORLD_SIZE'"):
        ddp_vars_from_ompi_env({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_LOCAL_RANK": "0"})


def test_env_precedence() -> None:
    torchrun = {"RANK": "1", "LOCAL_RANK": "1", "WORLD_SIZE": "2", "MASTER_PORT": "29400"}
    # torchrun's variables win over mpirun's.
    assert ddp_vars_from_env({**torchrun, "OMPI_COMM_WORLD_RANK": "0"})["RANK"] == "1"
    assert ddp_vars_from_env(torchrun)["MASTER_PORT"] == "29400"
    # SLURM wins over everything when present.
    assert ddp_vars_from_env({**_SLURM, "OMPI_COMM_WORLD_RANK": "0"})["RANK"] == "3"
    # No launcher: one process by default, or the caller's rank and world size.
    assert ddp_vars_from_env({}) == {
        "RANK": "0",
        "LOCAL_RANK": "0",
        "WORLD_SIZE": "1",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "15000",
    }
    # Several processes set up by the caller: which share a host is not known from the environment.
    assert ddp_vars_from_env({}, rank=1, world_size=2) == {
        "RANK": "1",
        "WORLD_SIZE": "2",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "15000",
    }


def test_env_partial_torchrun_vars_are_an_error() -> None:
    with pytest.raises(RuntimeError, match=r"should define all of \['RANK', 'LOCAL_RANK', 'WORLD_SIZE'\].*missing"):
        ddp_vars_from_env({"RANK": "0"})
