"""``idist.Parallel``: one context manager that runs a training function serially, under a launcher, or by spawning."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from ignite.distributed import utils as idist_utils
from ignite.distributed._spawn import check_spawn_args

__all__ = ["Parallel"]


class Parallel:
    """Run ``func(local_rank, *args, **kwargs)`` on every process of a distributed configuration.

    - ``backend=None``: one process, the serial model.
    - ``backend`` and ``nproc_per_node`` given: ``Parallel`` spawns the processes itself (``nnodes``, ``node_rank``,
      ``master_addr``, ``master_port`` describe a multi-node group, one ``Parallel`` per node).
    - ``backend`` without ``nproc_per_node``: the script was started by a launcher (torchrun,
      ``python -m torch.distributed.launch``, srun, mpirun, horovodrun); ``Parallel`` joins the group it describes
      on entering and finalizes it on exit.

    ``spawn_kwargs`` go to :func:`ignite.distributed.spawn` (``start_method``, ``timeout``, ...) when spawning; in a
    launched script they go to :func:`ignite.distributed.initialize` (``timeout``, ...). When a process raises, every
    other process is stopped and the error of the first failing rank is raised by ``run``.

    >>> import ignite.distributed as idist
    >>> def training(local_rank, config):
    ...     return idist.get_world_size() * config["lr"]
    >>> with idist.Parallel(backend=None) as parallel:
    ...     parallel.run(training, {"lr": 0.5})
    0.5
    """

    def __init__(
        self,
        backend: str | None = None,
        nproc_per_node: int | None = None,
        nnodes: int | None = None,
        node_rank: int | None = None,
        master_addr: str | None = None,
        master_port: int | None = None,
        init_method: str | None = None,
        **spawn_kwargs: Any,
    ) -> None:
        if backend is not None:
            # Unknown or uninstalled backends fail here, with the same errors as idist.initialize().
            idist_utils._model_class_for(backend)
        else:
            given = {
                "nproc_per_node": nproc_per_node,
                "nnodes": nnodes,
                "node_rank": node_rank,
                "master_addr": master_addr,
                "master_port": master_port,
                "init_method": init_method,
            }
            for name, value in given.items():
                if value is not None:
                    raise ValueError(f"Argument {name} should be None when backend is None, got {value!r}")
        self.backend = backend
        self.init_method = init_method
        self._spawn_params: dict[str, Any] | None = None
        if backend is not None and nproc_per_node is not None:
            nproc, n_nodes, rank_of_node = check_spawn_args(
                nproc_per_node, nnodes, node_rank, master_addr, master_port, init_method
            )
            self._spawn_params = {
                "nproc_per_node": nproc,
                "nnodes": n_nodes,
                "node_rank": rank_of_node,
                "master_addr": master_addr,
                "master_port": master_port,
                "init_method": init_method,
                **spawn_kwargs,
            }
        elif backend is not None:
            for name, value in {"nnodes": nnodes, "node_rank": node_rank}.items():
                if value is not None:
                    raise ValueError(
                        f"Argument {name} should only be given with nproc_per_node (spawning); under a launcher the "
                        f"layout comes from its environment, got {name}={value!r}"
                    )
            self._init_kwargs = dict(spawn_kwargs)
        elif spawn_kwargs:
            raise ValueError(f"Arguments {sorted(spawn_kwargs)} need a backend, got backend=None")

    def run(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``func(local_rank, *args, **kwargs)`` on every process; return its result when not spawning."""
        if not callable(func):
            raise TypeError(f"Argument func should be callable, got {type(func).__name__}")
        if self._spawn_params is not None:
            assert self.backend is not None
            idist_utils.spawn(self.backend, func, args=args, kwargs_dict=kwargs, **self._spawn_params)
            return None
        return func(idist_utils.get_local_rank(), *args, **kwargs)

    def __enter__(self) -> Parallel:
        if self.backend is not None and self._spawn_params is None:
            init_kwargs = dict(self._init_kwargs)
            if self.init_method is not None:
                init_kwargs["init_method"] = self.init_method
            idist_utils.initialize(self.backend, **init_kwargs)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.backend is not None and self._spawn_params is None:
            idist_utils.finalize()
