"""`ignite.utils` (distribution `ignite-distributed`): helpers for tensors, logging, seeding and deprecation."""

from __future__ import annotations

from ignite.utils._checkpoint import hash_checkpoint
from ignite.utils._deprecation import deprecated
from ignite.utils._logging import setup_logger
from ignite.utils._seed import manual_seed
from ignite.utils._tensors import apply_to_tensor, apply_to_type, convert_tensor, to_onehot

__all__ = [
    "apply_to_tensor",
    "apply_to_type",
    "convert_tensor",
    "deprecated",
    "hash_checkpoint",
    "manual_seed",
    "setup_logger",
    "to_onehot",
]
