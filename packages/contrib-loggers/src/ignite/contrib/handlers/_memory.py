"""An in-memory backend and logger: the fake that the fast tests of the handler classes write to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch

from ignite.contrib.handlers.base_logger import BaseLogger

__all__ = ["MemoryBackend", "MemoryLogger"]


@dataclass
class MemoryBackend:
    """Records every call as ``(tag, step, value)`` tuples, in order."""

    scalars: list[tuple[str, int, float]] = field(default_factory=list)
    histograms: list[tuple[str, int, torch.Tensor]] = field(default_factory=list)
    texts: list[tuple[str, int, str]] = field(default_factory=list)
    images: list[tuple[str, int, torch.Tensor]] = field(default_factory=list)
    closed: bool = False

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        self.scalars.extend((tag, step, float(value)) for tag, value in values.items())

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None:
        self.histograms.append((tag, step, values.clone()))

    def log_text(self, tag: str, text: str, step: int) -> None:
        self.texts.append((tag, step, text))

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        self.images.append((tag, step, image.clone()))

    def close(self) -> None:
        self.closed = True


class MemoryLogger(BaseLogger):
    """A logger whose backend keeps everything in lists.

    >>> from ignite.engine import Engine, Events
    >>> trainer = Engine(lambda engine, batch: 0.5 * engine.state.iteration)
    >>> logger = MemoryLogger()
    >>> _ = logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED, tag="train", output_transform=lambda o: o)
    >>> _ = trainer.run([0, 1], max_epochs=1)
    >>> logger.backend.scalars
    [('train/output', 1, 0.5), ('train/output', 2, 1.0)]
    """

    def __init__(self) -> None:
        self._backend = MemoryBackend()

    @property
    def backend(self) -> MemoryBackend:
        return self._backend
