"""Lock the public names of every package of ignite-distributed: an API change must show up in this diff."""

from __future__ import annotations

import importlib

import pytest

EXPECTED = {
    "ignite.distributed": [
        "DistributedProxySampler",
        "Parallel",
        "all_gather",
        "all_gather_tensors_with_shapes",
        "all_reduce",
        "auto_dataloader",
        "auto_model",
        "auto_optim",
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
    ],
    "ignite.distributed.auto": ["DistributedProxySampler", "auto_dataloader", "auto_model", "auto_optim"],
    "ignite.distributed.launcher": ["Parallel"],
    "ignite.distributed.comp_models": [
        "ComputationModel",
        "_HorovodDistModel",
        "_NativeDistModel",
        "_SerialModel",
        "_XlaDistModel",
        "has_hvd_support",
        "has_native_dist_support",
        "has_xla_support",
        "registered_computation_models",
    ],
    "ignite.utils": [
        "apply_to_tensor",
        "apply_to_type",
        "convert_tensor",
        "deprecated",
        "hash_checkpoint",
        "manual_seed",
        "setup_logger",
        "to_onehot",
    ],
    "ignite.exceptions": ["NotComputableError"],
    "ignite.base": ["Serializable"],
}


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_all_is_locked(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert sorted(module.__all__) == sorted(EXPECTED[module_name])
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.{name} is listed in __all__ but missing"


def test_distributed_utils_exports_match_package() -> None:
    import ignite.distributed as idist
    import ignite.distributed.utils as idist_utils

    others = {"comp_models", "DistributedProxySampler", "Parallel", "auto_dataloader", "auto_model", "auto_optim"}
    assert set(idist_utils.__all__) == set(idist.__all__) - others
    for name in idist_utils.__all__:
        assert getattr(idist, name) is getattr(idist_utils, name)


def test_ignite_is_a_namespace_package() -> None:
    import ignite

    assert getattr(ignite, "__file__", None) is None
    assert (
        importlib.import_module("ignite.base.mixins").Serializable
        is importlib.import_module("ignite.base").Serializable
    )
