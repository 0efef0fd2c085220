"""DeterministicEngine: runs whose data order and random numbers are reproducible, also when resumed mid-epoch.

How: the random generators (``random``, torch, numpy) are seeded with ``seed + i`` right before the batch of
iteration ``i + 1`` is fetched, so the data pipeline and the process function see random numbers that depend only on
the run's seed and the iteration. DataLoader shuffling is made reproducible by a :class:`ReproducibleBatchSampler`
whose batch order for each pass over the data is drawn from its own seed, and which can start mid-pass.
"""

from __future__ import annotations

import inspect
import random
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from functools import wraps
from typing import Any, TypeVar

import torch
from torch.utils.data import BatchSampler, DataLoader, IterableDataset

from ignite.engine.engine import Engine
from ignite.engine.events import Events

__all__ = ["DeterministicEngine", "ReproducibleBatchSampler", "keep_random_state", "update_dataloader"]

_R = TypeVar("_R")

# Parameters of DataLoader that describe how batches are formed: replaced by the new batch sampler.
_BATCHING_PARAMS = frozenset({"self", "batch_size", "shuffle", "sampler", "batch_sampler", "drop_last"})


def update_dataloader(dataloader: DataLoader[Any], new_batch_sampler: BatchSampler) -> DataLoader[Any]:
    """Return a copy of ``dataloader`` (same dataset, workers, collate function, ...) using ``new_batch_sampler``."""
    if not isinstance(dataloader, DataLoader):
        raise TypeError(f"Argument dataloader should be a torch.utils.data.DataLoader, got {type(dataloader).__name__}")
    params = inspect.signature(type(dataloader).__init__).parameters
    kwargs = {
        name: getattr(dataloader, name)
        for name, param in params.items()
        if name not in _BATCHING_PARAMS
        and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)
        and hasattr(dataloader, name)
    }
    kwargs["batch_sampler"] = new_batch_sampler
    return type(dataloader)(**kwargs)


def _rng_states() -> list[Any]:
    states: list[Any] = [random.getstate(), torch.get_rng_state()]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        states.append(numpy.random.get_state())
    return states


def _set_rng_states(states: list[Any]) -> None:
    random.setstate(states[0])
    torch.set_rng_state(states[1])
    numpy = sys.modules.get("numpy")
    if numpy is not None and len(states) > 2:
        numpy.random.set_state(states[2])


def _seed_all(seed: int) -> None:
    # A lighter ignite.utils.manual_seed: it runs once per iteration, so no module lookups beyond sys.modules.
    seed %= 2**32
    random.seed(seed)
    torch.manual_seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(seed)
    xla_model = sys.modules.get("torch_xla.core.xla_model")
    if xla_model is not None:
        xla_model.set_rng_state(seed)


def keep_random_state(func: Callable[..., _R]) -> Callable[..., _R]:
    """Decorator: the random states of ``random``, torch and numpy are restored after ``func`` returns.

    >>> @keep_random_state
    ... def draw():
    ...     return torch.rand(1)
    >>> before = torch.get_rng_state()
    >>> _ = draw()
    >>> torch.equal(before, torch.get_rng_state())
    True
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> _R:
        states = _rng_states()
        try:
            return func(*args, **kwargs)
        finally:
            _set_rng_states(states)

    return wrapper


class ReproducibleBatchSampler(BatchSampler):
    """Wraps a batch sampler: draws all the batch indices of a pass at its start, and can skip the first
    ``start_iteration`` batches so that a resumed run gets the batches an uninterrupted run would have got.

    ``dataloader = update_dataloader(dataloader, ReproducibleBatchSampler(dataloader.batch_sampler))`` sets it up;
    ``dataloader.batch_sampler.start_iteration = n`` makes the next pass start at its ``n``-th batch.
    """

    def __init__(self, batch_sampler: BatchSampler, start_iteration: int | None = None) -> None:
        if not isinstance(batch_sampler, BatchSampler):
            raise TypeError(
                f"Argument batch_sampler should be a torch.utils.data.BatchSampler, got {type(batch_sampler).__name__}"
            )
        if start_iteration is not None and not (isinstance(start_iteration, int) and start_iteration >= 0):
            raise ValueError(f"Argument start_iteration should be a non-negative integer, got {start_iteration!r}")
        # BatchSampler.__init__ is not called: everything is delegated to the wrapped sampler.
        self.batch_indices: list[list[int]] | None = None
        self.batch_sampler = batch_sampler
        self.start_iteration = start_iteration
        self.sampler = batch_sampler.sampler
        self.batch_size = batch_sampler.batch_size
        self.drop_last = batch_sampler.drop_last
        # Set by DeterministicEngine: the pass is drawn under this seed, leaving the global random state untouched.
        self._seed: int | None = None

    def setup_batch_indices(self) -> None:
        """Draw the batches of a pass and drop the first ``start_iteration`` of them."""
        if self._seed is None:
            batches = [list(batch) for batch in self.batch_sampler]
        else:
            batches = keep_random_state(self._draw_seeded)(self._seed)
        if self.start_iteration:
            batches = batches[self.start_iteration :]
        self.start_iteration = None
        self.batch_indices = batches

    def _draw_seeded(self, seed: int) -> list[list[int]]:
        _seed_all(seed)
        return [list(batch) for batch in self.batch_sampler]

    def __iter__(self) -> Iterator[list[int]]:
        self.setup_batch_indices()
        assert self.batch_indices is not None
        yield from self.batch_indices

    def __len__(self) -> int:
        return len(self.batch_sampler)


class _SeededIterator:
    """Seeds the random generators with ``seed + iteration`` before each fetch of the wrapped iterator."""

    def __init__(self, iterator: Iterator[Any], engine: Engine) -> None:
        self.iterator = iterator
        self.engine = engine

    def __iter__(self) -> _SeededIterator:
        return self

    def __next__(self) -> Any:
        state = self.engine.state
        _seed_all((state.seed or 0) + state.iteration)
        return next(self.iterator)


class DeterministicEngine(Engine):
    """An :class:`~ignite.engine.engine.Engine` whose runs are reproducible from ``state.seed``.

    - ``state.seed`` is drawn from torch's generator when a run starts from iteration 0 (call
      ``ignite.utils.manual_seed`` first to fix it), kept when resuming, and saved in :meth:`state_dict`.
    - Before fetching the batch of iteration ``i + 1``, ``random``, torch and numpy are seeded with ``seed + i``:
      data augmentation and the process function draw the same numbers in a resumed run as in an uninterrupted one.
    - A map-style ``DataLoader`` gets a :class:`ReproducibleBatchSampler`, so a run resumed mid-epoch (from
      :meth:`load_state_dict`, after ``terminate()`` or an exception) gets the same batches in the same order.
      Other data is replayed up to the resumed iteration. With ``num_workers > 0``, randomness inside worker
      processes is reproducible only when resuming at the start of a pass over the data.
    - On CUDA, cuDNN is set to deterministic mode.

    >>> import torch
    >>> from ignite.utils import manual_seed
    >>> def step(engine, batch):
    ...     return batch + torch.rand(1).item()
    >>> manual_seed(1)
    >>> outputs = []
    >>> engine = DeterministicEngine(step)
    >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    >>> _ = engine.run([0, 10, 20], max_epochs=2)
    >>> resumed = DeterministicEngine(step)
    >>> resumed.load_state_dict({**engine.state_dict(), "iteration": 4})
    >>> _ = resumed.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    >>> _ = resumed.run([0, 10, 20])
    >>> outputs[4:6] == outputs[6:]
    True
    """

    def __init__(self, process_function: Callable[[Engine, Any], Any]) -> None:
        super().__init__(process_function)
        self._seed_restored = False
        # Set when a run starts: the first data iterator must be positioned at state.iteration.
        self._position_data = False
        self.add_event_handler(Events.STARTED, self._init_run)

    def _init_run(self) -> None:
        if self._seed_restored:
            self._seed_restored = False
        elif self.state.seed is None or self.state.iteration == 0:
            self.state.seed = int(torch.randint(0, int(1e9), (1,)).item())
        self._position_data = True
        if torch.cuda.is_available():
            torch.backends.cudnn.deterministic = True
            torch.backends.cudnn.benchmark = False

    def state_dict(self) -> OrderedDict[str, Any]:
        """The state of :meth:`Engine.state_dict <ignite.engine.engine.Engine.state_dict>` plus ``seed``."""
        state_dict = super().state_dict()
        state_dict["seed"] = self.state.seed
        return state_dict

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As :meth:`Engine.load_state_dict <ignite.engine.engine.Engine.load_state_dict>`; an optional ``seed``
        is restored too (without it, the next run draws a new seed)."""
        seed = state_dict.get("seed") if isinstance(state_dict, Mapping) else None
        if seed is not None and not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
            raise ValueError(f"state_dict['seed'] should be a non-negative integer or None, got {seed!r}")
        super().load_state_dict(state_dict)
        if seed is not None:
            self.state.seed = seed
            self._seed_restored = True

    def set_data(self, data: Any) -> None:
        super().set_data(data)
        self._position_data = False
        assert self._dataloader_iter is not None
        self._dataloader_iter = _SeededIterator(self._dataloader_iter, self)

    def _reproducible_loader(self) -> DataLoader[Any] | None:
        loader = self.state.dataloader
        if (
            not isinstance(loader, DataLoader)
            or isinstance(loader.dataset, IterableDataset)
            or not isinstance(loader.batch_sampler, BatchSampler)
        ):
            return None
        if not isinstance(loader.batch_sampler, ReproducibleBatchSampler):
            loader = update_dataloader(loader, ReproducibleBatchSampler(loader.batch_sampler))
            self.state.dataloader = loader
        return loader

    def _setup_data_iter(self) -> None:
        state = self.state
        data, iteration, seed = state.dataloader, state.iteration, state.seed or 0
        position, self._position_data = self._position_data, False
        length = None if data is None else self._get_data_length(data)
        loader = self._reproducible_loader()
        if data is None or (length is None and not position):
            # A new pass starting at this iteration (data=None has no order to reproduce).
            _seed_all(seed + iteration)
            super()._setup_data_iter()
        elif loader is not None and length is not None:
            pass_start = iteration - iteration % length
            _seed_all(seed + pass_start)
            sampler = loader.batch_sampler
            assert isinstance(sampler, ReproducibleBatchSampler)
            sampler._seed = seed + pass_start
            sampler.start_iteration = iteration % length
            self._dataloader_iter = iter(loader)
        else:
            self._dataloader_iter = self._replay(data, iteration, length, seed)
        assert self._dataloader_iter is not None
        self._dataloader_iter = _SeededIterator(self._dataloader_iter, self)

    def _replay(self, data: Any, iteration: int, length: int | None, seed: int) -> Iterator[Any]:
        """An iterator over ``data`` advanced to ``iteration``, fetching the skipped batches as the original run did
        (under the same seeds), so that data with its own randomness ends in the same place."""
        pass_start = 0 if length is None else iteration - iteration % length
        _seed_all(seed + pass_start)
        iterator: Iterator[Any] = iter(data)
        for index in range(pass_start, iteration):
            _seed_all(seed + index)
            try:
                next(iterator)
            except StopIteration:
                if index == pass_start:
                    break
                pass_start = index
                _seed_all(seed + index)
                iterator = iter(data)
                _seed_all(seed + index)
                next(iterator, None)
        return iterator
