"""`ignite.distributed` (distribution `ignite-distributed`), usually imported as ``import ignite.distributed as idist``.

One API for code that runs in one process or in many: queries (rank, world size, device, ...) and collectives
(all_reduce, all_gather, broadcast, barrier) that work on tensors, Python numbers and strings. Without a distributed
context everything runs in the "serial" computation model.
"""

from __future__ import annotations

from ignite.distributed import comp_models
from ignite.distributed.auto import DistributedProxySampler, auto_dataloader, auto_model, auto_optim
from ignite.distributed.launcher import Parallel
from ignite.distributed.utils import (
    all_gather,
    all_gather_tensors_with_shapes,
    all_reduce,
    available_backends,
    backend,
    barrier,
    broadcast,
    device,
    finalize,
    get_local_rank,
    get_nnodes,
    get_node_rank,
    get_nproc_per_node,
    get_rank,
    get_world_size,
    has_hvd_support,
    has_native_dist_support,
    has_xla_support,
    hostname,
    initialize,
    model_name,
    new_group,
    one_rank_only,
    registered_computation_models,
    set_local_rank,
    show_config,
    spawn,
    sync,
)

__all__ = [
    "DistributedProxySampler",
    "Parallel",
    "auto_dataloader",
    "auto_model",
    "auto_optim",
    "all_gather",
    "all_gather_tensors_with_shapes",
    "all_reduce",
    "available_backends",
    "backend",
    "barrier",
    "broadcast",
    "comp_models",
    "device",
    "finalize",
    "get_local_rank",
    "get_nnodes",
    "get_node_rank",
    "get_nproc_per_node",
    "get_rank",
    "get_world_size",
    "has_hvd_support",
    "has_native_dist_support",
    "has_xla_support",
    "hostname",
    "initialize",
    "model_name",
    "new_group",
    "one_rank_only",
    "registered_computation_models",
    "set_local_rank",
    "show_config",
    "spawn",
    "sync",
]
