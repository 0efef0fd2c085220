"""Reading the process layout (rank, local rank, world size, master address) that a launcher left in the environment.

Launchers speak different dialects: torchrun exports ``RANK``/``LOCAL_RANK``/``WORLD_SIZE``, Open MPI's mpirun
``OMPI_COMM_WORLD_*`` and SLURM's srun ``SLURM_*``. Every function here takes the environment as a mapping and
returns the torch.distributed variables to use, so that the logic is tested without any launcher.
"""

from __future__ import annotations

import re
import subprocess
import warnings
from collections.abc import Mapping

__all__ = ["ddp_vars_from_env", "ddp_vars_from_ompi_env", "ddp_vars_from_slurm_env", "expand_hostlist"]

_PTH_VARS = ("RANK", "LOCAL_RANK", "WORLD_SIZE")
_OMPI_VARS = ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_SIZE")
_SLURM_VARS = (
    "SLURM_JOB_ID",
    "SLURM_PROCID",
    "SLURM_LOCALID",
    "SLURM_NTASKS",
    "SLURM_JOB_NODELIST",
    "SLURM_JOB_NUM_NODES",
)
DEFAULT_MASTER_ADDR = "127.0.0.1"
DEFAULT_MASTER_PORT = 15000


def _int_var(environ: Mapping[str, str], key: str) -> int:
    value = environ[key]
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"Environment variable {key} should be an integer, got {value!r}") from None


def expand_hostlist(nodelist: str) -> list[str]:
    """Expand a SLURM node list such as ``"gpu[01-03,7],cpu1"`` into host names, as ``scontrol show hostnames``.

    >>> expand_hostlist("node[1-3],login")
    ['node1', 'node2', 'node3', 'login']
    """
    hosts: list[str] = []
    # Commas separate hosts only outside brackets.
    for item in re.findall(r"[^,\[]+(?:\[[^\]]*\][^,\[]*)*", nodelist):
        parts = re.split(r"\[([^\]]*)\]", item)
        expanded = [""]
        for index, part in enumerate(parts):
            if index % 2 == 0:
                expanded = [prefix + part for prefix in expanded]
                continue
            choices: list[str] = []
            for piece in part.split(","):
                if "-" in piece:
                    low, high = piece.split("-", 1)
                    if not (low.isdigit() and high.isdigit()) or int(low) > int(high):
                        raise ValueError(f"Argument nodelist has an invalid range {piece!r}: {nodelist!r}")
                    choices.extend(str(n).zfill(len(low)) for n in range(int(low), int(high) + 1))
                else:
                    choices.append(piece)
            expanded = [prefix + choice for prefix in expanded for choice in choices]
        hosts.extend(expanded)
    return hosts


def _first_slurm_host(nodelist: str) -> str:
    try:
        output = subprocess.check_output(["scontrol", "show", "hostnames", nodelist], text=True)
        hosts, how = output.split(), "scontrol"
    except (FileNotFoundError, subprocess.CalledProcessError):
        hosts, how = expand_hostlist(nodelist), "ignite.distributed"
    if not hosts:
        raise RuntimeError(f"No host name found in SLURM_JOB_NODELIST={nodelist!r} (expanded by {how})")
    return hosts[0]


def ddp_vars_from_slurm_env(environ: Mapping[str, str]) -> dict[str, str]:
    """torch.distributed variables for a process started by srun, checked against any that torchrun exported.

    With ``srun`` alone, SLURM's ``SLURM_PROCID``/``SLURM_LOCALID``/``SLURM_NTASKS`` give the layout, the first
    host of the job is the master and the port derives from the job id. ``torchrun`` run by srun (one task per node)
    exports its own ``RANK``/``LOCAL_RANK``/``WORLD_SIZE``: on one node those win; on several nodes they must agree
    with SLURM's, or the two launchers would build different groups.
    """
    missing = [key for key in _SLURM_VARS if key not in environ]
    if missing:
        raise RuntimeError(f"SLURM distributed configuration is missing the environment variables {missing}")
    job_id = environ["SLURM_JOB_ID"]
    if not job_id[-4:].isdigit():
        raise ValueError(f"Environment variable SLURM_JOB_ID should end with digits, got {job_id!r}")
    slurm = {
        "RANK": _int_var(environ, "SLURM_PROCID"),
        "LOCAL_RANK": _int_var(environ, "SLURM_LOCALID"),
        "WORLD_SIZE": _int_var(environ, "SLURM_NTASKS"),
    }
    master_addr = environ.get("MASTER_ADDR")
    master_port = environ.get("MASTER_PORT")
    defined = {key: environ[key] for key in _PTH_VARS if key in environ}
    result = dict(slurm)
    if len(defined) == len(_PTH_VARS):
        pth = {key: _int_var(environ, key) for key in _PTH_VARS}
        if _int_var(environ, "SLURM_JOB_NUM_NODES") > 1:
            for key in _PTH_VARS:
                if pth[key] != slurm[key]:
                    raise RuntimeError(
                        f"Environment variable {key}={pth[key]} set for torch.distributed disagrees with SLURM's "
                        f"value {slurm[key]} on a multi-node job; launch one task per process with srun, or let "
                        f"torchrun set all of RANK, LOCAL_RANK and WORLD_SIZE consistently with SLURM"
                    )
        elif slurm["WORLD_SIZE"] > 1:
            raise RuntimeError(
                f"torchrun inside srun on one node needs a single SLURM task (e.g. srun --ntasks=1), got "
                f"SLURM_NTASKS={slurm['WORLD_SIZE']}: every task would start its own torchrun process group"
            )
        result = pth
    elif defined:
        absent = [key for key in _PTH_VARS if key not in defined]
        warnings.warn(
            f"Ignoring the torch.distributed environment variables {defined} because {absent} are not set; "
            f"using SLURM's layout instead",
            stacklevel=3,
        )
        master_addr = master_port = None
    return {
        "RANK": str(result["RANK"]),
        "LOCAL_RANK": str(result["LOCAL_RANK"]),
        "WORLD_SIZE": str(result["WORLD_SIZE"]),
        "MASTER_ADDR": master_addr or _first_slurm_host(environ["SLURM_JOB_NODELIST"]),
        "MASTER_PORT": master_port or str(DEFAULT_MASTER_PORT + int(job_id[-4:])),
    }


def ddp_vars_from_ompi_env(environ: Mapping[str, str]) -> dict[str, str]:
    """torch.distributed variables for a process started by Open MPI's mpirun (``OMPI_COMM_WORLD_*``)."""
    missing = [key for key in _OMPI_VARS if key not in environ]
    if missing:
        raise RuntimeError(f"Open MPI distributed configuration is missing the environment variables {missing}")
    return {
        "RANK": str(_int_var(environ, "OMPI_COMM_WORLD_RANK")),
        "LOCAL_RANK": str(_int_var(environ, "OMPI_COMM_WORLD_LOCAL_RANK")),
        "WORLD_SIZE": str(_int_var(environ, "OMPI_COMM_WORLD_SIZE")),
        "MASTER_ADDR": environ.get("MASTER_ADDR", DEFAULT_MASTER_ADDR),
        "MASTER_PORT": environ.get("MASTER_PORT", str(DEFAULT_MASTER_PORT)),
    }


def ddp_vars_from_env(
    environ: Mapping[str, str], rank: int | None = None, world_size: int | None = None
) -> dict[str, str]:
    """The torch.distributed variables for this process, whichever launcher (if any) started it.

    Order of precedence: SLURM (``SLURM_JOB_ID``), then torchrun's variables, then Open MPI's, then ``rank`` and
    ``world_size`` given by the caller (a single process by default). ``LOCAL_RANK`` is left out when several
    processes were set up without a launcher: it is not known here.
    """
    if "SLURM_JOB_ID" in environ:
        return ddp_vars_from_slurm_env(environ)
    defined = [key for key in _PTH_VARS if key in environ]
    if defined and len(defined) < len(_PTH_VARS):
        absent = [key for key in _PTH_VARS if key not in environ]
        raise RuntimeError(
            f"torch.distributed configuration should define all of {list(_PTH_VARS)} in the environment; "
            f"{defined} are set but {absent} are missing"
        )
    if not defined and "OMPI_COMM_WORLD_RANK" in environ:
        return ddp_vars_from_ompi_env(environ)
    result = {
        "RANK": environ.get("RANK", str(0 if rank is None else rank)),
        "WORLD_SIZE": environ.get("WORLD_SIZE", str(1 if world_size is None else world_size)),
        "MASTER_ADDR": environ.get("MASTER_ADDR", DEFAULT_MASTER_ADDR),
        "MASTER_PORT": environ.get("MASTER_PORT", str(DEFAULT_MASTER_PORT)),
    }
    if "LOCAL_RANK" in environ or result["WORLD_SIZE"] == "1":
        result["LOCAL_RANK"] = environ.get("LOCAL_RANK", "0")
    # Otherwise the caller set up several processes itself: which of them share a host is found out later
    # (idist.set_local_rank() or the host names), not guessed here.
    return result
