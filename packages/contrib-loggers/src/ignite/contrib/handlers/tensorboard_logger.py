"""TensorBoard logger: :class:`TensorboardLogger` and its handlers.

The writer is torch's ``torch.utils.tensorboard.SummaryWriter`` (tensorboardX's when torch's cannot be imported);
both are imported only when a logger is created. Install the backend with
``pip install "ignite-contrib-loggers[tensorboard]"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from ignite.contrib.handlers._handlers import (
    GradsHistHandler,
    GradsScalarHandler,
    OptimizerParamsHandler,
    OutputHandler,
    WeightsHistHandler,
    WeightsScalarHandler,
)
from ignite.contrib.handlers.base_logger import BaseLogger
from ignite.handlers import global_step_from_engine

__all__ = [
    "GradsHistHandler",
    "GradsScalarHandler",
    "OptimizerParamsHandler",
    "OutputHandler",
    "TensorboardLogger",
    "WeightsHistHandler",
    "WeightsScalarHandler",
    "global_step_from_engine",
]

_INSTALL_HINT = 'pip install "ignite-contrib-loggers[tensorboard]"'


def _import_summary_writer() -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter
    except ImportError as torch_error:
        try:
            from tensorboardX import SummaryWriter as XSummaryWriter  # type: ignore[import-not-found]

            return XSummaryWriter
        except ImportError:
            raise ModuleNotFoundError(
                f"TensorboardLogger needs the tensorboard package (torch.utils.tensorboard) or tensorboardX: "
                f"{_INSTALL_HINT}",
                name="tensorboard",
            ) from torch_error


class _SummaryWriterBackend:
    """Adapts a ``SummaryWriter`` to :class:`~ignite.contrib.handlers.base_logger.LoggerBackend`."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None:
        self.writer.add_histogram(tag, values.detach().cpu(), step)

    def log_text(self, tag: str, text: str, step: int) -> None:
        self.writer.add_text(tag, text, step)

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        self.writer.add_image(tag, image.detach().cpu(), step, dataformats="CHW")

    def close(self) -> None:
        self.writer.close()


class TensorboardLogger(BaseLogger):
    """Writes TensorBoard event files under ``log_dir``; ``args``/``kwargs`` go to ``SummaryWriter``.

    The writer is available as :attr:`writer`; its methods (``add_scalar``, ...) can also be called on the logger.

    Example::

        tb_logger = TensorboardLogger(log_dir="runs/exp1")
        tb_logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        tb_logger.attach_output_handler(
            evaluator, Events.EPOCH_COMPLETED, tag="validation", metric_names="all",
            global_step_transform=global_step_from_engine(trainer),
        )
        tb_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        tb_logger.attach(trainer, WeightsHistHandler(model), Events.EPOCH_COMPLETED)
    """

    def __init__(self, log_dir: str | None = None, *args: Any, **kwargs: Any) -> None:
        summary_writer = _import_summary_writer()
        self.writer = summary_writer(log_dir, *args, **kwargs)
        self._backend = _SummaryWriterBackend(self.writer)

    @property
    def backend(self) -> _SummaryWriterBackend:
        return self._backend

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the logger lacks; an unknown name still raises AttributeError (from the writer).
        if name in ("writer", "_backend"):
            raise AttributeError(name)
        return getattr(self.writer, name)
