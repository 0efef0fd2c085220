"""Which distributed stacks this environment has, detected without importing the optional ones."""

from __future__ import annotations

import importlib.util

import torch.distributed

__all__ = ["has_hvd_support", "has_native_dist_support", "has_xla_support"]

# find_spec only locates the packages: importing horovod or torch_xla is slow and has side effects.
has_native_dist_support: bool = torch.distributed.is_available()
has_hvd_support: bool = importlib.util.find_spec("horovod") is not None
has_xla_support: bool = importlib.util.find_spec("torch_xla") is not None
