"""Neptune logger: :class:`NeptuneLogger`, :class:`NeptuneSaver` and the handlers Neptune supports.

The hosted neptune.ai service has shut down. What keeps working is the client's local modes:
``mode="offline"`` (every operation is written under the ``.neptune`` folder of the working directory, or the folder
named by the ``NEPTUNE_DATA_DIRECTORY`` environment variable) and ``mode="debug"`` (nothing is stored). Neither needs
an API token nor the network. The ``neptune`` client (1.x, ``neptune.init_run``) is imported only when a logger is
created; install it with ``pip install "ignite-contrib-loggers[neptune]"``.

Scalars are appended to float series with the handler's global step: ``OutputHandler``, ``OptimizerParamsHandler``,
``WeightsScalarHandler`` and ``GradsScalarHandler``. Neptune has no histogram record, so the histogram handlers are
not offered here.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import torch

import ignite.distributed as idist
from ignite.contrib.handlers._handlers import (
    GradsScalarHandler,
    OptimizerParamsHandler,
    OutputHandler,
    WeightsScalarHandler,
)
from ignite.contrib.handlers.base_logger import BaseLogger
from ignite.handlers import global_step_from_engine
from ignite.handlers.checkpoint import BaseSaveHandler

__all__ = [
    "GradsScalarHandler",
    "NeptuneLogger",
    "NeptuneSaver",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "global_step_from_engine",
]

_INSTALL_HINT = 'pip install "ignite-contrib-loggers[neptune]"'
# Modes of neptune.init_run that store nothing remotely, hence need no token.
_LOCAL_MODES = ("offline", "debug")
_MODES = ("async", "sync", "offline", "read-only", "debug")


def _import_neptune() -> Any:
    try:
        import neptune  # type: ignore[import-not-found,unused-ignore]
    except ImportError as error:
        raise ModuleNotFoundError(
            f"NeptuneLogger needs the neptune client (neptune>=1.10): {_INSTALL_HINT}", name="neptune"
        ) from error
    return neptune


class _NeptuneBackend:
    """Adapts a ``neptune`` run to :class:`~ignite.contrib.handlers.base_logger.LoggerBackend`."""

    def __init__(self, run: Any) -> None:
        self.run = run

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        for key, value in values.items():
            self.run[key].append(value, step=step)

    def log_text(self, tag: str, text: str, step: int) -> None:
        # Appending a str makes the field a string series.
        self.run[tag].append(text, step=step)

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None:
        raise NotImplementedError(
            f"NeptuneLogger cannot log histograms (got one for '{tag}'): Neptune has no such type"
        )

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        raise NotImplementedError(f"NeptuneLogger does not log images (got one for '{tag}')")

    def close(self) -> None:
        self.run.stop()


class NeptuneLogger(BaseLogger):
    """Logs to a Neptune run created by ``neptune.init_run(api_token=api_token, project=project, **kwargs)``.

    The hosted neptune.ai service has shut down: use ``mode="offline"`` (operations are written under
    ``.neptune/offline/`` in the working directory, or under ``$NEPTUNE_DATA_DIRECTORY``) or ``mode="debug"``
    (nothing is kept). These modes need no ``api_token``. The other modes (``"async"``, the client's default,
    ``"sync"``, ``"read-only"``) need a token, given as ``api_token`` or in ``NEPTUNE_API_TOKEN``, and a server.

    The run is :attr:`experiment`; ``logger["a/b"]`` and ``logger["a/b"] = value`` reach its fields, and the run's
    other methods can be called on the logger. ``close()`` stops the run.

    Args:
        api_token: Neptune API token; ``None`` reads ``NEPTUNE_API_TOKEN``.
        project: ``"workspace/project"``; ``None`` reads ``NEPTUNE_PROJECT``.
        kwargs: passed on to ``neptune.init_run`` (``mode``, ``name``, ``tags``, ``capture_hardware_metrics``, ...).

    Example::

        from ignite.contrib.handlers.neptune_logger import NeptuneLogger, NeptuneSaver
        from ignite.handlers import Checkpoint

        neptune_logger = NeptuneLogger(mode="offline", name="mnist", capture_hardware_metrics=False)
        neptune_logger["parameters/batch_size"] = 64
        neptune_logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        neptune_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        checkpoint = Checkpoint({"model": model}, NeptuneSaver(neptune_logger), n_saved=2)
        trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
        trainer.run(data, max_epochs=5)
        neptune_logger.close()
    """

    def __init__(self, api_token: str | None = None, project: str | None = None, **kwargs: Any) -> None:
        if api_token is not None and not isinstance(api_token, str):
            raise TypeError(f"Argument api_token should be a str or None, got {type(api_token).__name__}")
        if project is not None and not isinstance(project, str):
            raise TypeError(f"Argument project should be a str or None, got {type(project).__name__}")
        neptune = _import_neptune()
        mode = kwargs.get("mode") or os.environ.get("NEPTUNE_MODE") or "async"
        if mode not in _MODES:
            raise ValueError(f"Argument mode should be one of {_MODES}, got {mode!r}")
        # Checked here so that the error names the fix; the client's own message predates the service shutdown.
        if mode not in _LOCAL_MODES and api_token is None and not os.environ.get("NEPTUNE_API_TOKEN"):
            raise ValueError(
                f"Argument api_token is required in mode {mode!r} (or set NEPTUNE_API_TOKEN), got None. "
                f"The hosted neptune.ai service has shut down: pass mode='offline' or mode='debug', "
                f"which need no token."
            )
        self.experiment = neptune.init_run(api_token=api_token, project=project, **kwargs)
        self._backend = _NeptuneBackend(self.experiment)

    @property
    def backend(self) -> _NeptuneBackend:
        return self._backend

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the logger lacks. The guard stops a recursion before __init__ set the run.
        if name in ("experiment", "_backend"):
            raise AttributeError(name)
        return getattr(self.experiment, name)

    def __getitem__(self, key: str) -> Any:
        return self.experiment[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.experiment[key] = value


class NeptuneSaver(BaseSaveHandler):
    """A :class:`~ignite.handlers.Checkpoint` ``save_handler`` that uploads checkpoints to a Neptune run.

    Each checkpoint is serialized with ``torch.save`` and uploaded as a file field named ``filename`` (e.g.
    ``"model_3.pt"``); ``remove(filename)`` deletes that field, so ``Checkpoint(n_saved=...)`` keeps the run tidy.
    Only rank 0 uploads in a distributed run.

    Args:
        neptune_logger: the :class:`NeptuneLogger` whose run receives the files.
    """

    def __init__(self, neptune_logger: NeptuneLogger) -> None:
        if not isinstance(neptune_logger, NeptuneLogger):
            raise TypeError(f"Argument neptune_logger should be a NeptuneLogger, got {type(neptune_logger).__name__}")
        self._logger = neptune_logger

    @idist.one_rank_only()
    def __call__(self, checkpoint: Mapping[str, Any], filename: str, metadata: Mapping[str, Any] | None = None) -> None:
        from neptune.types import File  # type: ignore[import-not-found,unused-ignore]

        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        extension = PurePath(filename).suffix.lstrip(".") or None
        self._logger[filename].upload(File.from_content(buffer.getvalue(), extension=extension))

    @idist.one_rank_only(with_barrier=True)
    def remove(self, filename: str) -> None:
        del self._logger.experiment[filename]
