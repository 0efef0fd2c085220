"""Seeding of every random number generator a training script may touch."""

from __future__ import annotations

import importlib
import importlib.util
import random

import torch

__all__ = ["manual_seed"]


def manual_seed(seed: int) -> None:
    """Seed Python's ``random``, torch (CPU and every CUDA device), numpy and torch_xla when they are installed.

    >>> import torch
    >>> manual_seed(12)
    >>> a = torch.rand(2)
    >>> manual_seed(12)
    >>> torch.equal(a, torch.rand(2))
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"Argument seed should be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        # numpy only accepts 32-bit unsigned seeds; one rule for all generators keeps runs reproducible everywhere.
        raise ValueError(f"Argument seed should be in [0, 2**32 - 1], got {seed}")
    random.seed(seed)
    torch.manual_seed(seed)
    # numpy and torch_xla are optional: import them only here and only when present.
    if importlib.util.find_spec("numpy") is not None:
        numpy = importlib.import_module("numpy")
        numpy.random.seed(seed)
    if importlib.util.find_spec("torch_xla") is not None:
        xla_model = importlib.import_module("torch_xla.core.xla_model")
        xla_model.set_rng_state(seed)
