"""The shared metric tester: one call checks a metric against an oracle on a list of batches.

Checks, in order: ``NotComputableError`` before any update; ``update -> compute -> compute -> update -> compute``
against the oracle of the batches seen so far; a ``state_dict`` saved mid-way (through ``torch.save`` /
``torch.load(weights_only=True)``) restored into a fresh metric; ``reset``; and, given the session's gloo pool, the
batches dealt round-robin to 2 gloo ranks, each computing mid-way, moving to a metric restored from the all-ranks
``state_dict`` and computing at the end, to the single-process values.

``factory`` must be picklable (a class or a ``functools.partial``) since the gloo ranks build their own metric.
``oracle(batches)`` returns the expected value for a list of batches.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest
import torch

from ignite.exceptions import NotComputableError

Batch = tuple[torch.Tensor, ...]


def cat_batches(batches: Sequence[Any]) -> tuple[np.ndarray, ...]:
    """Concatenate the parts of the batches along dimension 0, as float64/int64 numpy arrays."""
    parts = list(zip(*batches, strict=True))
    return tuple(torch.cat([torch.as_tensor(p) for p in part]).numpy() for part in parts)


def assert_value_close(actual: Any, expected: Any, rtol: float = 1e-5, atol: float = 1e-7) -> None:
    if isinstance(expected, Mapping):
        assert isinstance(actual, Mapping), f"expected a mapping, got {type(actual).__name__}"
        assert set(actual) == set(expected), f"keys differ: {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_value_close(actual[key], expected[key], rtol, atol)
        return
    if isinstance(actual, torch.Tensor):
        actual = actual.detach().cpu().numpy()
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().cpu().numpy()
    if isinstance(expected, (list, tuple)) and expected and isinstance(expected[0], (np.ndarray, torch.Tensor)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            assert_value_close(a, e, rtol, atol)
        return
    actual_arr = np.asarray(actual, dtype=np.float64)
    expected_arr = np.asarray(expected, dtype=np.float64)
    assert actual_arr.shape == expected_arr.shape, f"shape {actual_arr.shape} != expected {expected_arr.shape}"
    np.testing.assert_allclose(actual_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=True)


def _roundtrip(state: Any) -> Any:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def check_metric(
    factory: Callable[[], Any],
    oracle: Callable[[Sequence[Any]], Any],
    batches: Sequence[Any],
    gloo_pool: Any = None,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    assert len(batches) >= 4, "the tester needs at least 4 batches (2 per rank, split mid-way)"
    half = len(batches) // 2
    expected_all = oracle(batches)

    metric = factory()
    with pytest.raises(NotComputableError):
        metric.compute()
    for batch in batches[:half]:
        metric.update(batch)
    expected_half = oracle(batches[:half])
    assert_value_close(metric.compute(), expected_half, rtol, atol)
    assert_value_close(metric.compute(), expected_half, rtol, atol)  # computing twice changes nothing
    for batch in batches[half:]:
        metric.update(batch)
    assert_value_close(metric.compute(), expected_all, rtol, atol)

    restored = factory()
    restored.load_state_dict(_roundtrip(_updated(factory, batches[:half]).state_dict()))
    for batch in batches[half:]:
        restored.update(batch)
    assert_value_close(restored.compute(), expected_all, rtol, atol)

    metric.reset()
    with pytest.raises(NotComputableError):
        metric.compute()
    for batch in batches:
        metric.update(batch)
    assert_value_close(metric.compute(), expected_all, rtol, atol)

    if gloo_pool is not None:
        check_on_ranks(factory, oracle, batches, gloo_pool, rtol, atol)


def _updated(factory: Callable[[], Any], batches: Sequence[Any]) -> Any:
    metric = factory()
    for batch in batches:
        metric.update(batch)
    return metric


def check_on_ranks(
    factory: Callable[[], Any],
    oracle: Callable[[Sequence[Any]], Any],
    batches: Sequence[Any],
    gloo_pool: Any,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    world = gloo_pool.world_size
    shares = [list(batches[r::world]) for r in range(world)]
    splits = [math.ceil(len(share) / 2) for share in shares]
    results = gloo_pool.run(factory, shares, splits)
    first_seen = [b for share, split in zip(shares, splits, strict=True) for b in share[:split]]
    all_seen = [b for share in shares for b in share]
    for first, second in results:
        assert_value_close(first, oracle(first_seen), rtol, atol)
        assert_value_close(second, oracle(all_seen), rtol, atol)
