"""Computation models behind :mod:`ignite.distributed`, and which of them this environment can run."""

from __future__ import annotations

from ignite.distributed.comp_models._support import has_hvd_support, has_native_dist_support, has_xla_support
from ignite.distributed.comp_models.base import ComputationModel
from ignite.distributed.comp_models.horovod import _HorovodDistModel
from ignite.distributed.comp_models.native import _NativeDistModel
from ignite.distributed.comp_models.serial import _SerialModel
from ignite.distributed.comp_models.xla import _XlaDistModel

__all__ = [
    "ComputationModel",
    "_HorovodDistModel",
    "_NativeDistModel",
    "_SerialModel",
    "_XlaDistModel",
    "has_hvd_support",
    "has_native_dist_support",
    "has_xla_support",
    "registered_computation_models",
]

# The serial model comes first; idist.sync() tries the others, in this order, to detect an initialized context.
registered_computation_models: list[type[ComputationModel]] = [
    _SerialModel,
    _NativeDistModel,
    _XlaDistModel,
    _HorovodDistModel,
]
