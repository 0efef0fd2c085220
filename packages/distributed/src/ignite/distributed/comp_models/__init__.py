"""Computation models behind :mod:`ignite.distributed`, and which of them this environment can run."""

from __future__ import annotations

import importlib.util

import torch.distributed

from ignite.distributed.comp_models.base import ComputationModel
from ignite.distributed.comp_models.serial import _SerialModel

__all__ = [
    "ComputationModel",
    "_SerialModel",
    "has_hvd_support",
    "has_native_dist_support",
    "has_xla_support",
    "registered_computation_models",
]

# find_spec only locates the packages: importing horovod or torch_xla is slow and has side effects.
has_native_dist_support: bool = torch.distributed.is_available()
has_hvd_support: bool = importlib.util.find_spec("horovod") is not None
has_xla_support: bool = importlib.util.find_spec("torch_xla") is not None

# The serial model comes first; idist.sync() tries the others to detect an initialized context.
registered_computation_models: list[type[ComputationModel]] = [_SerialModel]
