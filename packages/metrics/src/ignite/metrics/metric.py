"""The :class:`Metric` base: declared state, scoped distributed sync, engine attachment, composition.

A metric declares each accumulator once with :meth:`Metric.add_state` and how it is reduced across ranks
(``"sum"``, ``"max"``, ``"min"``, ``"cat"`` or ``None`` for local-only). ``reset``, ``state_dict`` /
``load_state_dict`` and the cross-rank sync done around ``compute`` follow from that declaration.
"""

from __future__ import annotations

import numbers
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import torch

import ignite.distributed as idist
from ignite.base import Serializable
from ignite.metrics import _sync
from ignite.metrics._composition import Composable
from ignite.metrics._decorators import _bumps_version, _computes_on_synced_states, reinit__is_reduced, sync_all_reduce
from ignite.metrics._usage import (
    BatchFiltered,
    BatchWise,
    EpochWise,
    MetricUsage,
    RunningBatchWise,
    RunningEpochWise,
    SingleEpochRunningBatchWise,
    as_usage,
)

if TYPE_CHECKING:
    pass

__all__ = [
    "BatchFiltered",
    "BatchWise",
    "EngineLike",
    "EpochWise",
    "Metric",
    "MetricUsage",
    "Reduction",
    "RunningBatchWise",
    "RunningEpochWise",
    "SingleEpochRunningBatchWise",
    "reinit__is_reduced",
    "sync_all_reduce",
]

Reduction = Literal["sum", "max", "min", "cat"]
_REDUCTIONS = ("sum", "max", "min", "cat")
_GROUPS_ATTR = "_metrics_sync_groups"
_CPU = torch.device("cpu")
_EPOCH_WISE = EpochWise()


class _StateLike(Protocol):
    output: Any
    metrics: dict[str, Any]


class EngineLike(Protocol):
    """What a metric needs from an engine: its state and event-handler registration."""

    state: Any

    def add_event_handler(self, event_name: Any, handler: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...

    def has_event_handler(self, handler: Callable[..., Any], event_name: Any = None) -> bool: ...

    def remove_event_handler(self, handler: Callable[..., Any], event_name: Any) -> None: ...


@dataclass(frozen=True)
class _StateSpec:
    default: torch.Tensor | None  # None: a "cat" state, reset to an empty list
    reduction: Reduction | None


def _identity(x: Any) -> Any:
    return x


def _is_list_of_tensors_or_numbers(x: Any) -> bool:
    return (
        isinstance(x, Sequence)
        and not isinstance(x, str)
        and all(isinstance(t, (torch.Tensor, numbers.Number)) for t in x)
    )


def _to_batched_tensor(x: torch.Tensor | float, device: torch.device | None = None) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.unsqueeze(dim=0)
    return torch.tensor([x], device=device)


class Metric(Composable, Serializable, metaclass=ABCMeta):
    """Base class of all metrics.

    Subclasses implement :meth:`update` and :meth:`compute` and declare their accumulators with
    :meth:`add_state`. ``compute`` of a subclass runs on states reduced across ranks, and the local accumulators are
    left as they were, so ``update -> compute -> update -> compute`` is correct.

    Args:
        output_transform: maps the engine's ``state.output`` to the input of :meth:`update`.
        device: where the accumulators live.
        skip_unrolling: when False, an output ``(list_of_y_pred, list_of_y)`` is fed to ``update`` pair by pair.

    >>> import torch
    >>> class Total(Metric):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.add_state("_total", torch.tensor(0.0), "sum")
    ...     def update(self, output):
    ...         self._total += output.sum()
    ...     def compute(self):
    ...         return self._total.item()
    >>> m = Total()
    >>> m.update(torch.tensor([1.0, 2.0])); m.compute()
    3.0
    """

    required_output_keys: tuple[str, ...] | None = ("y_pred", "y")
    _state_specs: dict[str, _StateSpec]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("update", "reset", "load_state_dict"):
            if name in cls.__dict__:
                setattr(cls, name, _bumps_version(cls.__dict__[name]))
        if "compute" in cls.__dict__:
            cls.compute = _computes_on_synced_states(cls.__dict__["compute"])  # type: ignore[method-assign,assignment]

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        if not callable(output_transform):
            raise TypeError(f"Argument output_transform should be callable, got {type(output_transform).__name__}")
        if not isinstance(device, (str, torch.device)):
            raise TypeError(f"Argument device should be a str or torch.device, got {type(device).__name__}")
        self._output_transform = output_transform
        self._device = torch.device(device)
        self._skip_unrolling = skip_unrolling
        self.__dict__.setdefault("_state_specs", {})
        self._version = 0
        self._in_sync_view = False
        self.reset()

    # --- declared state -------------------------------------------------------------------------------------

    def add_state(self, name: str, default: torch.Tensor | list[Any], reduction: Reduction | None = "sum") -> None:
        """Declare the accumulator ``name`` with its initial value and its cross-rank reduction.

        ``default`` is a tensor (copied to the metric's device at each reset), or an empty list for a ``"cat"``
        state, to which ``update`` appends tensors that are concatenated along dimension 0 across ranks.
        """
        if reduction is not None and reduction not in _REDUCTIONS:
            raise ValueError(f"Argument reduction should be one of {_REDUCTIONS} or None, got {reduction!r}")
        if isinstance(default, list):
            if default or reduction not in ("cat", None):
                raise ValueError(
                    f"Argument default of state {name!r} should be an empty list (with reduction 'cat' or None), "
                    f"got a list of {len(default)} items with reduction {reduction!r}"
                )
            spec = _StateSpec(None, reduction)
        elif isinstance(default, torch.Tensor):
            if reduction == "cat":
                raise ValueError(f"Argument default of 'cat' state {name!r} should be an empty list, got a tensor")
            spec = _StateSpec(default.detach().clone(), reduction)
        else:
            raise TypeError(
                f"Argument default of state {name!r} should be a tensor or [], got {type(default).__name__}"
            )
        self.__dict__.setdefault("_state_specs", {})[name] = spec
        setattr(self, name, self._initial(spec))

    def _initial(self, spec: _StateSpec) -> Any:
        if spec.default is None:
            return []
        return spec.default.to(self._device, copy=True)

    def reset(self) -> None:
        """Set every declared state back to its initial value."""
        for name, spec in self.__dict__.get("_state_specs", {}).items():
            setattr(self, name, self._initial(spec))

    @abstractmethod
    def update(self, output: Any) -> None:
        """Accumulate one batch (the output of ``output_transform``)."""

    @abstractmethod
    def compute(self) -> Any:
        """The metric value over everything seen since the last reset, on all ranks."""

    # --- sync -----------------------------------------------------------------------------------------------

    def _sync_leaves(self) -> list[Metric]:
        """The metrics whose declared states a computation of this metric reads."""
        return [self] if self._state_specs else []

    @contextmanager
    def _synced_view(self) -> Iterator[None]:
        leaves = [m for m in self._sync_leaves() if not m._in_sync_view]
        if not leaves or idist.get_world_size() == 1:
            yield
            return
        saved = [{name: getattr(m, name) for name in m._state_specs} for m in leaves]
        for metric, states in zip(leaves, _sync.synced_states(leaves), strict=True):
            metric.__dict__.update(states)
            metric._in_sync_view = True
        try:
            yield
        finally:
            for metric, states in zip(leaves, saved, strict=True):
                metric.__dict__.update(states)
                metric._in_sync_view = False

    # --- serialization --------------------------------------------------------------------------------------

    def state_dict(self) -> OrderedDict[str, Any]:
        """The declared states and the keys of ``_state_dict_all_req_keys``.

        In a distributed run this is a collective (call it on every rank): the result holds the states of all
        ranks, ``{"per_rank": [state of rank 0, ...]}``, so that a checkpoint written by rank 0 restores every rank.
        """
        local = self._local_state_dict()
        if idist.get_world_size() == 1:
            return local
        return OrderedDict(per_rank=[OrderedDict(s) for s in idist.all_gather(dict(local))])

    def _local_state_dict(self) -> OrderedDict[str, Any]:
        state: OrderedDict[str, Any] = OrderedDict()
        for name in self._state_specs:
            value = getattr(self, name)
            state[name] = [v.clone() for v in value] if isinstance(value, list) else value.clone()
        for name in self._state_dict_all_req_keys:
            if name not in state:
                state[name] = getattr(self, name)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (each rank takes its own entry of a distributed state)."""
        if isinstance(state_dict, Mapping) and "per_rank" in state_dict:
            entries, world_size = state_dict["per_rank"], idist.get_world_size()
            if not isinstance(entries, list) or len(entries) != world_size:
                saved = len(entries) if isinstance(entries, list) else type(entries).__name__
                raise ValueError(
                    f"Argument state_dict holds the states of {saved} ranks, but this run has {world_size} ranks"
                )
            state_dict = entries[idist.get_rank()]
        super().load_state_dict(state_dict)
        for name, spec in self._state_specs.items():
            if name not in state_dict:
                raise ValueError(f"Argument state_dict should hold the state {name!r}, got keys {list(state_dict)}")
            value = state_dict[name]
            if spec.default is None:
                setattr(self, name, [torch.as_tensor(v).to(self._device) for v in value])
            else:
                setattr(self, name, torch.as_tensor(value).to(self._device, spec.default.dtype, copy=True))
        for name in self._state_dict_all_req_keys:
            if name not in self._state_specs:
                setattr(self, name, state_dict[name])

    # --- engine integration ---------------------------------------------------------------------------------

    def started(self, engine: EngineLike) -> None:
        """Handler: reset the metric."""
        self.reset()

    @torch.no_grad()
    def iteration_completed(self, engine: EngineLike) -> None:
        """Handler: transform ``engine.state.output`` and update the metric with it."""
        output = self._output_transform(engine.state.output)
        if isinstance(output, Mapping):
            if self.required_output_keys is None:
                raise TypeError(
                    f"{type(self).__name__} received a Mapping output but has no required_output_keys to read it; "
                    "give an output_transform that returns what update() expects"
                )
            missing = [key for key in self.required_output_keys if key not in output]
            if missing:
                raise ValueError(
                    f"The output mapping should hold the keys {list(self.required_output_keys)} of "
                    f"{type(self).__name__}.required_output_keys; missing {missing}, got keys {list(output)}"
                )
            output = tuple(output[key] for key in self.required_output_keys)
        if (
            not self._skip_unrolling
            and isinstance(output, Sequence)
            and not isinstance(output, str)
            and len(output) > 0
            and all(_is_list_of_tensors_or_numbers(o) for o in output)
        ):
            if not (len(output) == 2 and len(output[0]) == len(output[1])):
                sizes = [len(o) for o in output]
                raise ValueError(f"An unrolled output should be 2 sequences of the same length, got lengths {sizes}")
            for y_pred, y in zip(output[0], output[1], strict=True):
                batched = _to_batched_tensor(y_pred)
                self.update((batched, _to_batched_tensor(y, device=batched.device)))
        else:
            self.update(output)

    def completed(self, engine: EngineLike, name: str) -> None:
        """Handler: compute the metric and store it in ``engine.state.metrics[name]``.

        A Mapping result is stored under ``name`` and each of its items also under its own key. A 0-d tensor is
        stored as a Python number.
        """
        groups = getattr(engine, _GROUPS_ATTR, None)
        group = None if groups is None else groups.get(id(self))
        with _sync.active_group(group):
            result = self.compute()
        metrics = engine.state.metrics
        if isinstance(result, Mapping):
            if name in result:
                raise ValueError(f"Argument name {name!r} conflicts with the keys of the result: {list(result)}")
            for key, value in result.items():
                metrics[key] = value
            metrics[name] = result
            return
        if isinstance(result, torch.Tensor):
            if result.ndim == 0:
                result = result.item()
            elif result.device.type != "cpu":
                result = result.cpu()
        metrics[name] = result

    def _check_usage(self, usage: str | MetricUsage) -> MetricUsage:
        usage = as_usage(usage)
        usage.STARTED  # noqa: B018 - imports ignite.engine now, with a clear error when it is not installed
        return usage

    def attach(self, engine: EngineLike, name: str, usage: str | MetricUsage = _EPOCH_WISE) -> None:
        """Reset, update and compute this metric on ``engine``'s events (see the usages), storing the value in
        ``engine.state.metrics[name]``. Needs the distribution ``ignite-engine``.
        """
        usage = self._check_usage(usage)
        if not engine.has_event_handler(self.started, usage.STARTED):
            engine.add_event_handler(usage.STARTED, self.started)
        if not engine.has_event_handler(self.iteration_completed, usage.ITERATION_COMPLETED):
            engine.add_event_handler(usage.ITERATION_COMPLETED, self.iteration_completed)
        engine.add_event_handler(usage.COMPLETED, self.completed, name)
        self._join_sync_group(engine, usage.COMPLETED)

    def _join_sync_group(self, engine: EngineLike, event: Any) -> None:
        # All metrics computed on one event of one engine share a SyncGroup: one coalesced collective for all.
        groups: dict[Any, Any] | None = getattr(engine, _GROUPS_ATTR, None)
        if groups is None:
            groups = {}
            setattr(engine, _GROUPS_ATTR, groups)
        group = groups.setdefault(("event", event), _sync.SyncGroup())
        group.add(self._sync_leaves())
        groups[id(self)] = group

    def detach(self, engine: EngineLike, usage: str | MetricUsage = _EPOCH_WISE) -> None:
        """Remove the handlers that :meth:`attach` added with this ``usage``."""
        usage = self._check_usage(usage)
        for handler, event in (
            (self.completed, usage.COMPLETED),
            (self.started, usage.STARTED),
            (self.iteration_completed, usage.ITERATION_COMPLETED),
        ):
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)
        groups = getattr(engine, _GROUPS_ATTR, None)
        if groups is not None and id(self) in groups:
            groups.pop(id(self)).remove(self._sync_leaves())

    def is_attached(self, engine: EngineLike, usage: str | MetricUsage = _EPOCH_WISE) -> bool:
        """Whether this metric is attached to ``engine`` with ``usage``."""
        usage = self._check_usage(usage)
        return engine.has_event_handler(self.completed, usage.COMPLETED)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
