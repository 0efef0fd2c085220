"""ClearML logger: :class:`ClearMLLogger`, its handlers and :class:`ClearMLSaver`.

``clearml`` is imported only when a logger or saver is created. Install it with
``pip install "ignite-contrib-loggers[clearml]"``. Without a server, call ``clearml.Task.set_offline(True)`` first:
the session is then stored under ClearML's cache folder and can be imported later.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import torch

import ignite.distributed as idist
from ignite.contrib.handlers._handlers import (
    GradsHistHandler,
    GradsScalarHandler,
    OptimizerParamsHandler,
    OutputHandler,
    WeightsHistHandler,
    WeightsScalarHandler,
)
from ignite.contrib.handlers.base_logger import BaseLogger
from ignite.handlers import DiskSaver, global_step_from_engine

__all__ = [
    "ClearMLLogger",
    "ClearMLSaver",
    "GradsHistHandler",
    "GradsScalarHandler",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsHistHandler",
    "WeightsScalarHandler",
    "global_step_from_engine",
]

_INSTALL_HINT = 'pip install "ignite-contrib-loggers[clearml]"'
_HISTOGRAM_BINS = 64


def _import_task(user: str) -> Any:
    try:
        from clearml import Task  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as error:
        raise ModuleNotFoundError(f"{user} needs the clearml package: {_INSTALL_HINT}", name="clearml") from error
    return Task


def _title_series(key: str) -> tuple[str, str]:
    # ClearML groups series under a title (one plot per title): "training/loss" -> ("training", "loss").
    title, _, series = key.rpartition("/")
    return (title or series), series


class _ClearMLBackend:
    """Adapts a ``clearml.Logger`` to :class:`~ignite.contrib.handlers.base_logger.LoggerBackend`."""

    def __init__(self, clearml_logger: Any) -> None:
        self.clearml_logger = clearml_logger

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        for key, value in values.items():
            title, series = _title_series(key)
            self.clearml_logger.report_scalar(title=title, series=series, value=value, iteration=step)

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None:
        data = values.detach().cpu().double().flatten()
        # A diverged parameter must not stop training from inside a logging handler: NaN/inf are left out.
        data = data[torch.isfinite(data)]
        counts, edges = torch.histogram(data, bins=_HISTOGRAM_BINS)
        centers = ((edges[1:] + edges[:-1]) / 2).tolist()
        title, series = _title_series(tag)
        self.clearml_logger.report_histogram(
            title=title,
            series=series,
            values=counts.tolist(),
            iteration=step,
            xaxis="value",
            yaxis="count",
            data_args={"x": centers},
        )

    def log_text(self, tag: str, text: str, step: int) -> None:
        self.clearml_logger.report_text(f"{tag} [{step}]: {text}", print_console=False)

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        # clearml takes an HxWxC array; floats in [0, 1] are scaled to bytes as TensorBoard does.
        hwc = image.detach().cpu().permute(1, 2, 0)
        if hwc.is_floating_point():
            hwc = (hwc.clamp(0, 1) * 255).round()
        title, series = _title_series(tag)
        self.clearml_logger.report_image(title=title, series=series, iteration=step, image=hwc.to(torch.uint8).numpy())

    def close(self) -> None:
        self.clearml_logger.flush()


class _Stub:
    """Stands in for the task and its logger in bypass mode: every attribute and call gives the stub back."""

    def __call__(self, *args: Any, **kwargs: Any) -> _Stub:
        return self

    def __getattr__(self, name: str) -> Any:
        if name in ("name", "id"):
            return ""
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        pass


class ClearMLLogger(BaseLogger):
    """Reports to a ClearML task created with ``Task.init(project_name=..., task_name=..., task_type=..., **kwargs)``
    (``task_type`` defaults to ``Task.TaskTypes.training``).

    The task is :meth:`get_task`; its ``clearml.Logger`` is :attr:`clearml_logger`, whose methods (``report_scalar``,
    ...) can also be called on this logger. ``close()`` flushes the reports; the task itself is closed by ClearML at
    exit or by ``logger.get_task().close()``.

    In bypass mode (:meth:`set_bypass_mode`, on by default when the ``CI`` environment variable is set) no task is
    created and every report is dropped.

    Keys are split at their last ``/`` into ClearML's title and series: ``"training/loss"`` is the series ``loss`` of
    the plot ``training``; the weights handlers give e.g. title ``weights_norm/fc`` and series ``weight``.

    Example::

        Task.set_offline(True)  # no ClearML server
        clearml_logger = ClearMLLogger(project_name="mnist", task_name="exp1")
        clearml_logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        clearml_logger.attach(trainer, WeightsHistHandler(model), Events.EPOCH_COMPLETED)
    """

    _bypass: bool | None = None

    def __init__(self, **kwargs: Any) -> None:
        task_class = _import_task("ClearMLLogger")
        if self.bypass_mode():
            warnings.warn("ClearMLLogger: bypass mode is on, nothing will be reported to ClearML", stacklevel=2)
            self._task: Any = _Stub()
        else:
            task_kwargs = {k: v for k, v in kwargs.items() if k not in ("project_name", "task_name", "task_type")}
            self._task = task_class.init(
                project_name=kwargs.get("project_name"),
                task_name=kwargs.get("task_name"),
                task_type=kwargs.get("task_type", task_class.TaskTypes.training),
                **task_kwargs,
            )
        self.clearml_logger = self._task.get_logger()
        self._backend = _ClearMLBackend(self.clearml_logger)

    @classmethod
    def set_bypass_mode(cls, bypass: bool) -> None:
        """Turn bypass mode on or off for loggers created from now on (overrides the ``CI`` default)."""
        if not isinstance(bypass, bool):
            raise TypeError(f"Argument bypass should be a bool, got {type(bypass).__name__}")
        cls._bypass = bypass

    @classmethod
    def bypass_mode(cls) -> bool:
        """Whether bypass mode is on: the value set by :meth:`set_bypass_mode`, else whether ``CI`` is set."""
        if cls._bypass is not None:
            return cls._bypass
        return bool(os.environ.get("CI"))

    def get_task(self) -> Any:
        """The ``clearml.Task`` this logger reports to."""
        return self._task

    @property
    def backend(self) -> _ClearMLBackend:
        return self._backend

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the logger lacks; an unknown name still raises AttributeError (from clearml).
        if name in ("clearml_logger", "_task", "_backend"):
            raise AttributeError(name)
        return getattr(self.clearml_logger, name)


class ClearMLSaver(DiskSaver):
    """A :class:`~ignite.handlers.DiskSaver` that also registers every checkpoint with the ClearML task.

    Checkpoints are written atomically into ``dirname`` (a new temporary directory when None) and uploaded as task
    artifacts, one artifact per slot: a file takes the first slot freed by a removed file of its basename, so a
    :class:`~ignite.handlers.Checkpoint` keeping ``n_saved`` files (it writes the new one before removing the oldest)
    uses ``n_saved + 1`` artifacts ``"{basename}_{slot}{suffix}"``. The artifact's metadata holds the file name and
    the checkpoint metadata. Unlike Ignite, which registers models through ClearML's ``torch.save`` hook and so
    writes in place, the save stays atomic: the artifact is uploaded from the complete, renamed file.

    Args:
        logger: the :class:`ClearMLLogger` whose task is used; by default ``clearml.Task.current_task()``.
        output_uri: where the task uploads artifacts (sets ``task.output_uri``), e.g. ``"s3://bucket/ckpts"``.
        dirname: local directory of the checkpoints.
        args, kwargs: passed to :class:`~ignite.handlers.DiskSaver`.

    Example::

        saver = ClearMLSaver(clearml_logger, dirname="checkpoints")
        handler = Checkpoint({"model": model}, saver, n_saved=2)
        trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    """

    def __init__(
        self,
        logger: ClearMLLogger | None = None,
        output_uri: str | None = None,
        dirname: str | Path | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        task_class = _import_task("ClearMLSaver")
        if logger is not None and not isinstance(logger, ClearMLLogger):
            raise TypeError(f"Argument logger should be a ClearMLLogger or None, got {type(logger).__name__}")
        self._task: Any = None
        # Only the writing process talks to ClearML; the others may well have no task.
        if idist.get_rank() == kwargs.get("save_on_rank", 0):
            self._task = logger.get_task() if logger is not None else task_class.current_task()
            if self._task is None:
                raise RuntimeError(
                    "ClearMLSaver needs a ClearML task: pass logger=ClearMLLogger(...) or call clearml.Task.init() "
                    "first"
                )
            if output_uri is not None:
                self._task.output_uri = output_uri
        if dirname is None:
            dirname = self._temporary_dirname()
        # Per (basename) the file held by each artifact slot; None marks a slot whose file was removed.
        self._slots: dict[str, list[str | None]] = {}
        super().__init__(dirname, *args, **kwargs)

    @staticmethod
    def _temporary_dirname() -> str:
        dirname = ""
        if idist.get_rank() == 0:
            stamp = datetime.now().strftime("%Y_%m_%d_%H_%M_%S_")
            dirname = tempfile.mkdtemp(prefix=f"ignite_checkpoints_{stamp}")
        if idist.get_world_size() > 1:
            dirname = idist.broadcast(dirname, src=0, safe_mode=True)
        warnings.warn(f"ClearMLSaver created a temporary checkpoints directory: {dirname}", stacklevel=3)
        return dirname

    def __call__(self, checkpoint: Mapping[str, Any], filename: str, metadata: Mapping[str, Any] | None = None) -> None:
        super().__call__(checkpoint, filename, metadata)
        if idist.get_rank() != self.save_on_rank:
            return
        if metadata is not None and "basename" in metadata:
            basename = str(metadata["basename"])
        else:
            warnings.warn(
                f"ClearMLSaver: no basename in the checkpoint metadata of '{filename}', using 'checkpoint'",
                stacklevel=2,
            )
            basename = "checkpoint"
        slots = self._slots.setdefault(basename, [])
        slot = slots.index(None) if None in slots else len(slots)
        if slot == len(slots):
            slots.append(filename)
        else:
            slots[slot] = filename
        artifact_metadata = {"filename": filename, **{k: str(v) for k, v in (metadata or {}).items()}}
        self._task.upload_artifact(
            self._artifact_name(basename, slot, filename),
            artifact_object=str(self.dirname / filename),
            metadata=artifact_metadata,
            wait_on_upload=True,  # the next save may replace the file while an upload would still be reading it
        )

    @staticmethod
    def _artifact_name(basename: str, slot: int, filename: str) -> str:
        return f"{basename}_{slot}{Path(filename).suffix}"

    def remove(self, filename: str) -> None:
        super().remove(filename)
        for slots in self._slots.values():
            if filename in slots:
                slots[slots.index(filename)] = None
                break

    def get_local_copy(self, filename: str) -> str | None:
        """A local copy of the artifact that holds ``filename`` (downloaded if needed), or None if none does (and on
        the processes that do not save)."""
        if self._task is None:
            return None
        for basename, slots in self._slots.items():
            if filename in slots:
                artifact = self._task.artifacts.get(self._artifact_name(basename, slots.index(filename), filename))
                if artifact is not None:
                    return str(artifact.get_local_copy())
        self._task.get_logger().report_text(f"ClearMLSaver: no artifact holds {filename}", print_console=False)
        return None
