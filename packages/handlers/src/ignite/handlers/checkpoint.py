"""Checkpointing: :class:`Checkpoint` decides what to save, under which name and what to delete; a save handler
(:class:`~ignite.handlers.DiskSaver` by default) stores it."""

from __future__ import annotations

import math
import numbers
import pickle
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import nn

import ignite.distributed as idist
from ignite.base import Serializable
from ignite.engine import Engine, Events
from ignite.handlers._improvement import ImprovementCriterion
from ignite.handlers._savers import BaseSaveHandler, DiskSaver

# DiskSaver and BaseSaveHandler live in _savers; Ignite users import them from this module too.
__all__ = ["BaseSaveHandler", "Checkpoint", "DiskSaver", "ModelCheckpoint"]

_HIGHER_IS_BETTER = ImprovementCriterion(mode="max")


class _Item(NamedTuple):
    priority: float
    filename: str


def _is_zero_optimizer(obj: Any) -> bool:
    # Looked up lazily: torch.distributed.optim is not importable on every build of torch.
    try:
        from torch.distributed.optim import ZeroRedundancyOptimizer
    except ImportError:
        return False
    return isinstance(obj, ZeroRedundancyOptimizer)


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
        return obj.module
    return obj


def _check_objects(objs: Mapping[str, Any], attr: str, argument: str) -> None:
    for key, obj in objs.items():
        if not callable(getattr(obj, attr, None)):
            raise TypeError(f"Argument {argument}['{key}'] should have a `{attr}` method, got {type(obj).__name__}")


def _as_priority(value: Any) -> float | int:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"The output of score_function should be a real number, got {type(value).__name__}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if math.isnan(value):
        raise ValueError("The output of score_function should be a real number, got NaN")
    return float(value)


class Checkpoint(Serializable):
    """Saves the ``state_dict`` of every object of ``to_save`` when called, keeping the ``n_saved`` best files.

    Args:
        to_save: objects to save, by name (models, optimizers, schedulers, engines, handlers: anything with
            ``state_dict``). With one object, the file holds its state dict directly.
        save_handler: a :class:`BaseSaveHandler`, a callable ``(checkpoint, filename, metadata)``, or a directory
            (str or Path) for a :class:`DiskSaver` with ``require_empty=False``.
        filename_prefix: prefix of the file names.
        score_function: ``engine -> number``; higher is better. Without it, the newest checkpoints are kept.
        score_name: name of the score in the file names (needs ``score_function``).
        n_saved: how many checkpoints to keep (``None``: all).
        global_step_transform: ``(engine, event_name) -> int`` giving the step written in the file name.
        filename_pattern: ``str.format`` pattern over ``filename_prefix``, ``name``, ``global_step``, ``score_name``,
            ``score`` and ``ext``; see :meth:`setup_filename_pattern` for the default.
        include_self: also save this handler's own state under the key ``"checkpointer"``.
        greater_or_equal: a score equal to the worst kept one replaces it (default: it must be greater).
        save_on_rank: the process that writes when ``save_handler`` is a directory.

    An old checkpoint is deleted only after the new one has been stored, so a crash never leaves no checkpoint.

    >>> import tempfile, torch
    >>> from ignite.engine import Engine, Events
    >>> model = torch.nn.Linear(2, 1)
    >>> trainer = Engine(lambda engine, batch: None)
    >>> checkpoint = Checkpoint({"model": model}, tempfile.mkdtemp(), n_saved=2)
    >>> _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    >>> _ = trainer.run([0, 1, 2], max_epochs=3)
    >>> sorted(p.name for p in checkpoint.save_handler.dirname.iterdir())
    ['model_6.pt', 'model_9.pt']
    """

    Item = _Item
    _state_dict_all_req_keys = ("saved",)

    def __init__(
        self,
        to_save: Mapping[str, Any],
        save_handler: str | Path | Callable[..., Any] | BaseSaveHandler,
        filename_prefix: str = "",
        score_function: Callable[[Engine], Any] | None = None,
        score_name: str | None = None,
        n_saved: int | None = 1,
        global_step_transform: Callable[[Engine, Any], int] | None = None,
        filename_pattern: str | None = None,
        include_self: bool = False,
        greater_or_equal: bool = False,
        save_on_rank: int = 0,
    ) -> None:
        if not isinstance(to_save, Mapping):
            raise TypeError(f"Argument to_save should be a dictionary, got {type(to_save).__name__}")
        _check_objects(to_save, "state_dict", "to_save")
        if include_self and "checkpointer" in to_save:
            raise ValueError("Argument to_save should not have the key 'checkpointer' when include_self=True")
        if isinstance(save_handler, (str, Path)):
            save_handler = DiskSaver(save_handler, require_empty=False, save_on_rank=save_on_rank)
        elif not callable(save_handler):
            raise TypeError(
                "Argument save_handler should be a str, a pathlib.Path, a callable or a BaseSaveHandler, "
                f"got {type(save_handler).__name__}"
            )
        if not isinstance(filename_prefix, str):
            raise TypeError(f"Argument filename_prefix should be a str, got {type(filename_prefix).__name__}")
        if score_function is not None and not callable(score_function):
            raise TypeError(f"Argument score_function should be callable, got {type(score_function).__name__}")
        if score_function is None and score_name is not None:
            raise ValueError("Argument score_function should be provided when score_name is given")
        if global_step_transform is not None and not callable(global_step_transform):
            raise TypeError(
                f"Argument global_step_transform should be callable, got {type(global_step_transform).__name__}"
            )
        if n_saved is not None and (isinstance(n_saved, bool) or not isinstance(n_saved, int) or n_saved < 1):
            raise ValueError(f"Argument n_saved should be a positive int or None, got {n_saved!r}")
        if filename_pattern is not None and not isinstance(filename_pattern, str):
            raise TypeError(f"Argument filename_pattern should be a str, got {type(filename_pattern).__name__}")
        self.to_save = to_save
        self.save_handler = save_handler
        self.filename_prefix = filename_prefix
        self.score_function = score_function
        self.score_name = score_name
        self.n_saved = n_saved
        self.global_step_transform = global_step_transform
        self.filename_pattern = filename_pattern
        self.include_self = include_self
        self.greater_or_equal = greater_or_equal
        self.save_on_rank = save_on_rank
        self.ext = "pt"
        self._saved: list[_Item] = []

    # ------------------------------------------------------------------------------------------------ properties
    @property
    def last_checkpoint(self) -> str | Path | None:
        """The kept checkpoint of highest priority (the newest one without ``score_function``): a path for a
        :class:`DiskSaver`, a file name otherwise, None before the first save."""
        if not self._saved:
            return None
        if isinstance(self.save_handler, DiskSaver):
            return self.save_handler.dirname / self._saved[-1].filename
        return self._saved[-1].filename

    def reset(self) -> None:
        """Forget the saved checkpoints (the files stay), e.g. to start a new training with the same handler."""
        self._saved = []

    # ------------------------------------------------------------------------------------------------------ save
    def _keeps_more(self) -> bool:
        return self.n_saved is None or len(self._saved) < self.n_saved

    def _name(self) -> str:
        if len(self.to_save) == 1 and not self.include_self:
            return next(iter(self.to_save))
        return "checkpoint"

    def _get_filename_pattern(self, global_step: int | None) -> str:
        if self.filename_pattern is not None:
            return self.filename_pattern
        return self.setup_filename_pattern(
            with_prefix=len(self.filename_prefix) > 0,
            with_score=self.score_function is not None,
            with_score_name=self.score_name is not None,
            with_global_step=global_step is not None,
        )

    def _setup_checkpoint(self) -> dict[str, Any]:
        states: dict[str, Any] = {}
        for key, obj in self.to_save.items():
            obj = _unwrap(obj)
            if _is_zero_optimizer(obj):
                # A ZeroRedundancyOptimizer holds one shard per rank: every rank takes part in gathering the shards
                # to the writing rank, and only that rank can (and needs to) produce the full state dict.
                obj.consolidate_state_dict(to=self.save_on_rank)
                if idist.get_rank() != self.save_on_rank:
                    continue
            states[key] = obj.state_dict()
        return states

    def __call__(self, engine: Engine) -> None:
        if not self.to_save:
            raise RuntimeError("No objects to checkpoint: to_save is empty")
        global_step: int | None = None
        if self.global_step_transform is not None:
            global_step = self.global_step_transform(engine, engine.last_event_name)
        priority: float | int
        if self.score_function is not None:
            priority = _as_priority(self.score_function(engine))
        else:
            if global_step is None:
                global_step = engine.state.get_event_attrib_value(Events.ITERATION_COMPLETED)
            priority = global_step
        if not self._keeps_more() and not _HIGHER_IS_BETTER.is_improvement(
            priority, self._saved[0].priority, or_equal=self.greater_or_equal
        ):
            return

        name = self._name()
        score = None
        if self.score_function is not None:
            score = f"{priority}" if isinstance(priority, int) else f"{priority:.4f}"
        filename = self._get_filename_pattern(global_step).format(
            filename_prefix=self.filename_prefix,
            ext=self.ext,
            name=name,
            score_name=self.score_name,
            score=score,
            global_step=global_step,
        )
        metadata = {
            "basename": f"{self.filename_prefix}{'_' if self.filename_prefix else ''}{name}",
            "score_name": self.score_name,
            "priority": priority,
        }
        previous = list(self._saved)
        same_name = [item for item in self._saved if item.filename == filename]
        evicted: _Item | None = None
        if same_name:
            # Overwritten in place by the save below: nothing to delete.
            self._saved.remove(same_name[0])
        elif not self._keeps_more():
            evicted = self._saved.pop(0)
        self._saved.append(_Item(priority, filename))
        self._saved.sort(key=lambda item: item.priority)

        checkpoint = self._setup_checkpoint()
        if self.include_self:
            checkpoint["checkpointer"] = self.state_dict()
        # One object is saved bare, as Ignite does (a rank that skipped a ZeRO shard has nothing to write anyway).
        payload: Any = checkpoint.get(name, {}) if len(self.to_save) == 1 and not self.include_self else checkpoint
        try:
            self._store(payload, filename, metadata)
        except BaseException:
            self._saved = previous
            raise
        if evicted is not None and isinstance(self.save_handler, BaseSaveHandler):
            self.save_handler.remove(evicted.filename)

    def _store(self, payload: Any, filename: str, metadata: dict[str, Any]) -> None:
        if isinstance(self.save_handler, BaseSaveHandler):
            self.save_handler(payload, filename, metadata)
            return
        try:
            self.save_handler(payload, filename, metadata)
        except TypeError:
            # Plain callables written for older Ignite versions take no metadata.
            self.save_handler(payload, filename)

    # ------------------------------------------------------------------------------------------------------ load
    @staticmethod
    def load_objects(
        to_load: Mapping[str, Any],
        checkpoint: str | Path | Mapping[str, Any],
        *,
        strict: bool = True,
        weights_only: bool = True,
        map_location: Any = None,
    ) -> None:
        """Restore the objects of ``to_load`` from ``checkpoint`` (a path or an already loaded dict).

        A path is read with ``torch.load(weights_only=True)``: tensors and plain containers only, so a hostile file
        cannot run code. Pass ``weights_only=False`` only for files you trust that hold other Python objects.
        ``strict`` is passed to ``nn.Module.load_state_dict``. With a single object in ``to_load``, the checkpoint may
        be that object's state dict itself.
        """
        if not isinstance(to_load, Mapping):
            raise TypeError(f"Argument to_load should be a dictionary, got {type(to_load).__name__}")
        if not isinstance(checkpoint, (str, Path, Mapping)):
            raise TypeError(
                f"Argument checkpoint should be a str, a pathlib.Path or a dictionary, got {type(checkpoint).__name__}"
            )
        _check_objects(to_load, "load_state_dict", "to_load")
        if isinstance(checkpoint, (str, Path)):
            try:
                loaded = torch.load(checkpoint, map_location=map_location, weights_only=weights_only)
            except pickle.UnpicklingError as error:
                raise pickle.UnpicklingError(
                    f"Could not load '{checkpoint}' with weights_only={weights_only}: {error}\nIf the file comes from "
                    "a trusted source and holds other Python objects, pass weights_only=False."
                ) from error
        else:
            loaded = checkpoint
        if not isinstance(loaded, Mapping):
            raise TypeError(f"Argument checkpoint should hold a dictionary, got {type(loaded).__name__}")

        def load_one(obj: Any, state: Any) -> None:
            obj = _unwrap(obj)
            if isinstance(obj, nn.Module):
                obj.load_state_dict(state, strict=strict)
            else:
                obj.load_state_dict(state)

        if len(to_load) == 1:
            key, obj = next(iter(to_load.items()))
            if key not in loaded:
                load_one(obj, loaded)
                return
        missing = [key for key in to_load if key not in loaded]
        if missing:
            raise ValueError(
                f"Argument to_load names objects {missing} that are not in the checkpoint (keys: {list(loaded)})"
            )
        for key, obj in to_load.items():
            load_one(obj, loaded[key])

    def reload_objects(
        self, to_load: Mapping[str, Any], load_kwargs: Mapping[str, Any] | None = None, **filename_components: Any
    ) -> None:
        """Load ``to_load`` from the checkpoint file of this handler whose name is built from ``filename_components``
        (``global_step``, ``score``, ``name``, ``score_name``, ``filename_prefix``), with :meth:`load_objects` and its
        keyword arguments ``load_kwargs``. Needs a :class:`DiskSaver`."""
        if not isinstance(self.save_handler, DiskSaver):
            raise RuntimeError(
                f"reload_objects needs the save_handler to be a DiskSaver, got {type(self.save_handler).__name__}"
            )
        global_step = filename_components.get("global_step")
        filename = self._get_filename_pattern(global_step).format(
            filename_prefix=filename_components.get("filename_prefix", self.filename_prefix),
            ext=self.ext,
            name=filename_components.get("name", self._name()),
            score_name=filename_components.get("score_name", self.score_name),
            score=filename_components.get("score"),
            global_step=global_step,
        )
        Checkpoint.load_objects(to_load, self.save_handler.dirname / filename, **dict(load_kwargs or {}))

    # ------------------------------------------------------------------------------------------------- helpers
    @staticmethod
    def setup_filename_pattern(
        with_prefix: bool = True, with_score: bool = True, with_score_name: bool = True, with_global_step: bool = True
    ) -> str:
        """The default file name pattern for the given parts.

        >>> Checkpoint.setup_filename_pattern()
        '{filename_prefix}_{name}_{global_step}_{score_name}={score}.{ext}'
        >>> Checkpoint.setup_filename_pattern(False, True, False, False)
        '{name}_{score}.{ext}'
        """
        pattern = "{filename_prefix}_{name}" if with_prefix else "{name}"
        if with_global_step:
            pattern += "_{global_step}"
        if with_score and with_score_name:
            pattern += "_{score_name}={score}"
        elif with_score:
            pattern += "_{score}"
        elif with_score_name:
            raise ValueError("Argument with_score should be True when with_score_name is True")
        return pattern + ".{ext}"

    @staticmethod
    def get_default_score_fn(metric_name: str, score_sign: float = 1.0) -> Callable[[Engine], float]:
        """A score function returning ``score_sign * engine.state.metrics[metric_name]``; use ``score_sign=-1.0``
        for metrics where lower is better (e.g. a loss)."""
        if score_sign not in (1.0, -1.0):
            raise ValueError(f"Argument score_sign should be 1.0 or -1.0, got {score_sign!r}")

        def score(engine: Engine) -> float:
            return score_sign * engine.state.metrics[metric_name]  # type: ignore[no-any-return]

        return score

    # ------------------------------------------------------------------------------------------------ state dict
    def state_dict(self) -> OrderedDict[str, Any]:
        """The kept checkpoints as ``{"saved": [(priority, filename), ...]}``."""
        return OrderedDict(saved=[(item.priority, item.filename) for item in self._saved])

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._saved = [_Item(priority, filename) for priority, filename in state_dict["saved"]]


class ModelCheckpoint(Checkpoint):
    """:class:`Checkpoint` writing to ``dirname`` through a :class:`DiskSaver`, with the objects given at attach time:
    ``engine.add_event_handler(event, handler, {"model": model})``.

    ``atomic``, ``require_empty`` and ``create_dir`` go to the :class:`DiskSaver`, as do extra keyword arguments
    (passed on to ``torch.save``). The other arguments are those of :class:`Checkpoint`.

    >>> import tempfile, torch
    >>> from ignite.engine import Engine, Events
    >>> handler = ModelCheckpoint(tempfile.mkdtemp(), "run", n_saved=1)
    >>> trainer = Engine(lambda engine, batch: None)
    >>> _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, handler, {"model": torch.nn.Linear(2, 1)})
    >>> _ = trainer.run([0, 1], max_epochs=2)
    >>> handler.last_checkpoint.name
    'run_model_4.pt'
    """

    def __init__(
        self,
        dirname: str | Path,
        filename_prefix: str = "",
        score_function: Callable[[Engine], Any] | None = None,
        score_name: str | None = None,
        n_saved: int | None = 1,
        atomic: bool = True,
        require_empty: bool = True,
        create_dir: bool = True,
        global_step_transform: Callable[[Engine, Any], int] | None = None,
        filename_pattern: str | None = None,
        include_self: bool = False,
        greater_or_equal: bool = False,
        save_on_rank: int = 0,
        **kwargs: Any,
    ) -> None:
        if "save_as_state_dict" in kwargs and kwargs.pop("save_as_state_dict") is not True:
            raise ValueError("Argument save_as_state_dict is no longer supported: only state dicts are saved")
        saver = DiskSaver(
            dirname,
            atomic=atomic,
            create_dir=create_dir,
            require_empty=require_empty,
            save_on_rank=save_on_rank,
            **kwargs,
        )
        super().__init__(
            to_save={},
            save_handler=saver,
            filename_prefix=filename_prefix,
            score_function=score_function,
            score_name=score_name,
            n_saved=n_saved,
            global_step_transform=global_step_transform,
            filename_pattern=filename_pattern,
            include_self=include_self,
            greater_or_equal=greater_or_equal,
            save_on_rank=save_on_rank,
        )

    @property
    def last_checkpoint(self) -> str | Path | None:
        """Path of the kept checkpoint of highest priority, None before the first save."""
        return super().last_checkpoint

    def __call__(self, engine: Engine, to_save: Mapping[str, Any]) -> None:  # type: ignore[override]
        if not isinstance(to_save, Mapping):
            raise TypeError(f"Argument to_save should be a dictionary, got {type(to_save).__name__}")
        _check_objects(to_save, "state_dict", "to_save")
        if self.include_self and "checkpointer" in to_save:
            raise ValueError("Argument to_save should not have the key 'checkpointer' when include_self=True")
        self.to_save = to_save
        super().__call__(engine)
