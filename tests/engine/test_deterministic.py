"""DeterministicEngine: a resumed run sees the same batches and random numbers as an uninterrupted one."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any, cast

import pytest
import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

from ignite.engine import DeterministicEngine, Engine, Events
from ignite.engine.deterministic import ReproducibleBatchSampler, keep_random_state, update_dataloader
from ignite.utils import manual_seed


def step(engine: Engine, batch: Any) -> Any:
    data = batch.tolist() if isinstance(batch, torch.Tensor) else batch
    return (data, round(torch.rand(1).item(), 6), round(random.random(), 6))


def make_loader() -> DataLoader[Any]:
    return DataLoader(cast(Any, torch.arange(20)), batch_size=4, shuffle=True)


def run_recording(engine: Engine, data: Any, **kwargs: Any) -> list[Any]:
    outputs: list[Any] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    engine.run(data, **kwargs)
    return outputs


def scramble_random_state() -> None:
    # A new process would start from another random state: the resumed run must not depend on it.
    manual_seed(987)
    torch.rand(17)
    random.random()


class ShuffledInIter:
    """Sized data that shuffles itself (with torch's generator) each time it is iterated."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        return iter(torch.randperm(self.n).tolist())


class NoisyStream:
    """Unsized data drawing random numbers while iterating."""

    def __iter__(self) -> Iterator[float]:
        for _ in range(5):
            yield round(random.random(), 6)


@pytest.mark.parametrize("stop_at", [2, 5, 7, 12, 14])
@pytest.mark.parametrize(
    "make_data",
    [make_loader, lambda: ShuffledInIter(5), lambda: list(range(5)), NoisyStream],
    ids=["dataloader", "sized-shuffling", "list", "unsized-noisy"],
)
def test_resume_from_state_dict_matches_uninterrupted_run(stop_at: int, make_data: Any) -> None:
    manual_seed(42)
    reference = run_recording(DeterministicEngine(step), make_data(), max_epochs=3)
    assert len(reference) == 15

    manual_seed(42)
    first = DeterministicEngine(step)
    first.add_event_handler(Events.ITERATION_COMPLETED(once=stop_at), lambda e: e.terminate())
    head = run_recording(first, make_data(), max_epochs=3)
    assert head == reference[:stop_at]
    saved = first.state_dict()
    assert saved["iteration"] == stop_at and isinstance(saved["seed"], int)

    scramble_random_state()
    resumed = DeterministicEngine(step)
    resumed.load_state_dict(saved)
    tail = run_recording(resumed, make_data())
    assert resumed.state.seed == saved["seed"]
    assert head + tail == reference


def test_shuffled_dataloader_epochs_differ_but_are_reproducible() -> None:
    manual_seed(3)
    first = run_recording(DeterministicEngine(step), make_loader(), max_epochs=2)
    manual_seed(3)
    second = run_recording(DeterministicEngine(step), make_loader(), max_epochs=2)
    assert first == second
    epoch1 = [b for batch, _, _ in first[:5] for b in batch]
    epoch2 = [b for batch, _, _ in first[5:] for b in batch]
    assert sorted(epoch1) == sorted(epoch2) == list(range(20))
    assert epoch1 != epoch2


def test_interrupt_and_resume_matches_uninterrupted_run() -> None:
    manual_seed(5)
    reference = run_recording(DeterministicEngine(step), make_loader(), max_epochs=2)
    manual_seed(5)
    engine = DeterministicEngine(step)
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=3), lambda e: e.interrupt())
    outputs = run_recording(engine, make_loader(), max_epochs=2)
    while engine.state.iteration < 10:
        scramble_random_state()
        engine.run(make_loader(), max_epochs=2)
    assert outputs == reference


def test_run_again_after_terminate_continues_with_the_same_data_stream() -> None:
    manual_seed(11)
    reference = run_recording(DeterministicEngine(step), make_loader(), max_epochs=3)
    manual_seed(11)
    engine = DeterministicEngine(step)
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=7), lambda e: e.terminate())
    outputs = run_recording(engine, make_loader(), max_epochs=3)
    scramble_random_state()
    engine.run(make_loader(), max_epochs=3)
    # terminate() ends epoch 2 at iteration 7; the rerun's epoch 3 is a full one (iterations 8..12), whose batches
    # and random numbers are those of iterations 8..12 of the uninterrupted run.
    assert engine.state.iteration == 12
    assert outputs == reference[:12]


def test_data_none_random_numbers_are_reproducible() -> None:
    manual_seed(1)
    reference = run_recording(DeterministicEngine(step), None, max_epochs=2, epoch_length=3)
    manual_seed(1)
    first = DeterministicEngine(step)
    first.add_event_handler(Events.ITERATION_COMPLETED(once=4), lambda e: e.terminate())
    head = run_recording(first, None, max_epochs=2, epoch_length=3)
    resumed = DeterministicEngine(step)
    resumed.load_state_dict(first.state_dict())
    tail = run_recording(resumed, None)
    assert head + tail == reference


def test_seed_lifecycle() -> None:
    manual_seed(8)
    engine = DeterministicEngine(lambda e, b: None)
    assert engine.state.seed is None
    engine.run([1, 2])
    seed = engine.state.seed
    assert isinstance(seed, int) and 0 <= seed < 10**9
    manual_seed(8)
    other = DeterministicEngine(lambda e, b: None)
    other.run([1, 2])
    assert other.state.seed == seed
    assert list(engine.state_dict()) == ["epoch_length", "iteration", "max_epochs", "seed"]
    with pytest.raises(ValueError, match=r"state_dict\['seed'\] should be a non-negative integer or None, got -1"):
        other.load_state_dict({**engine.state_dict(), "seed": -1})
    # A plain Engine state dict (no seed) is accepted.
    other.load_state_dict({"epoch_length": 2, "iteration": 1, "max_epochs": 2})


def test_dataloader_batch_sampler_is_replaced() -> None:
    engine = DeterministicEngine(lambda e, b: None)
    loader = make_loader()
    engine.run(loader)
    assert engine.state.dataloader is not loader
    assert isinstance(engine.state.dataloader.batch_sampler, ReproducibleBatchSampler)


# --------------------------------------------------------------------------------------------------------- helpers
def test_reproducible_batch_sampler() -> None:
    inner = BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)
    sampler = ReproducibleBatchSampler(inner)
    assert len(sampler) == 4
    assert list(sampler) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    sampler.start_iteration = 2
    assert list(sampler) == [[6, 7, 8], [9]]
    assert list(sampler) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]  # start_iteration applies once
    assert ReproducibleBatchSampler(inner, start_iteration=3).batch_indices is None

    with pytest.raises(TypeError, match=r"Argument batch_sampler should be a torch.utils.data.BatchSampler, got list"):
        ReproducibleBatchSampler([[0, 1]])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument start_iteration should be a non-negative integer, got -1"):
        ReproducibleBatchSampler(inner, start_iteration=-1)


def test_reproducible_batch_sampler_seeded_draw_keeps_global_state() -> None:
    sampler = ReproducibleBatchSampler(BatchSampler(RandomSampler(range(10)), batch_size=5, drop_last=False))
    sampler._seed = 123
    before = torch.get_rng_state()
    first = list(sampler)
    assert torch.equal(before, torch.get_rng_state())
    assert list(sampler) == first
    assert sorted(i for batch in first for i in batch) == list(range(10))


def test_update_dataloader() -> None:
    def collate(items: list[Any]) -> list[Any]:
        return list(items)

    generator = torch.Generator()
    loader: DataLoader[Any] = DataLoader(
        cast(Any, list(range(6))), batch_size=2, collate_fn=collate, generator=generator
    )
    new_sampler = BatchSampler(SequentialSampler(range(6)), batch_size=3, drop_last=False)
    updated = update_dataloader(loader, new_sampler)
    assert type(updated) is DataLoader
    assert updated.dataset is loader.dataset
    assert updated.collate_fn is collate and updated.generator is generator
    assert updated.batch_sampler is new_sampler
    assert list(updated) == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(TypeError, match=r"Argument dataloader should be a torch.utils.data.DataLoader, got list"):
        update_dataloader([1, 2], new_sampler)  # type: ignore[arg-type]


def test_keep_random_state() -> None:
    @keep_random_state
    def draw(n: int) -> tuple[float, float]:
        return torch.rand(n).sum().item(), random.random()

    torch_state, py_state = torch.get_rng_state(), random.getstate()
    first = draw(3)
    assert torch.equal(torch_state, torch.get_rng_state()) and py_state == random.getstate()
    assert draw(3) == first  # same state in, same numbers out
    assert draw.__name__ == "draw"
