"""FBResearchLogger: Detectron/fvcore-style text progress lines written to a standard logger."""

from __future__ import annotations

import datetime
import numbers
from collections.abc import Mapping
from typing import Any

import torch

from ignite.engine import Engine, Events
from ignite.handlers.timing import Timer

__all__ = ["FBResearchLogger"]

MB = 1024.0 * 1024.0

_UNKNOWN = "?"


def _duration(seconds: float) -> str:
    return str(datetime.timedelta(seconds=int(seconds)))


def _number_text(value: Any) -> str | None:
    if isinstance(value, torch.Tensor):
        return f"{value.item():.4f}" if value.numel() == 1 else None
    if isinstance(value, numbers.Real):
        return f"{float(value):.4f}"
    return None


def _value_text(value: Any) -> str | None:
    """One number with four decimals, the numbers of a list or tuple comma-separated, else None (left out)."""
    if isinstance(value, list | tuple):
        texts = [text for text in map(_number_text, value) if text is not None]
        return ", ".join(texts) if texts else None
    return _number_text(value)


def _output_fields(output: Any) -> list[str]:
    if isinstance(output, Mapping):
        fields = []
        for key, value in output.items():
            text = _value_text(value)
            if text is not None:
                fields.append(f"{key}: {text}")
        return fields
    text = _value_text(output)
    return [text] if text is not None else []


def _lr_fields(optimizer: Any) -> list[str]:
    groups = optimizer.param_groups
    if len(groups) == 1:
        return [f"lr: {groups[0]['lr']:.5f}"]
    return [f"lr [g{index}]: {group['lr']:.5f}" for index, group in enumerate(groups)]


def _max_epochs_text(engine: Engine) -> str:
    max_epochs = engine.state.max_epochs
    return _UNKNOWN if max_epochs is None else str(max_epochs)


class FBResearchLogger:
    """Write Detectron-style progress lines of an engine's run to ``logger`` (anything with ``info(msg)``).

    Once attached with :meth:`attach`, it logs the start of each epoch, then every ``every`` iterations a line such as
    ``Epoch [1/3]  [20/100]:  ETA: 0:01:12  lr: 0.00100  loss: 0.4210  Iter time: 0.0150 s  Data prep time: 0.0020 s``
    (the learning rates when an optimizer is given, the engine's output when ``show_output=True``, and the peak GPU
    memory when CUDA is available), the duration of each epoch and, for runs of more than one epoch, of the whole run.
    Iteration and data times are averages over the current epoch; the ETA is the time left in the current epoch.
    With data of unknown length, the first epoch shows ``[k/?]`` and ``ETA: ?``. As in Ignite,
    ``engine.state.metrics`` are not part of the lines.

    Args:
        logger: where the lines go, usually a :class:`logging.Logger` (see :func:`ignite.utils.setup_logger`).
        delimiter: the text between the fields of a line.
        show_output: also log ``engine.state.output``: a number (or one-element tensor) as ``0.1234``, the numbers
            of a list or tuple as one field ``0.1234, 5.0000``, each entry of a dict as ``key: <its value>``. Other
            values (text, larger tensors) are left out.

    >>> from ignite.engine import Engine
    >>> class Lines:
    ...     def __init__(self):
    ...         self.lines = []
    ...     def info(self, msg):
    ...         self.lines.append(msg)
    >>> out = Lines()
    >>> trainer = Engine(lambda engine, batch: {"loss": 0.5})
    >>> FBResearchLogger(out, show_output=True).attach(trainer, "Train", every=2)
    >>> _ = trainer.run(range(4), max_epochs=2)
    >>> out.lines[0]
    'Train: start epoch [1/2]'
    >>> out.lines[1].split("  ")[:4]
    ['Epoch [1/2]', '[2/4]:', 'ETA: 0:00:00', 'loss: 0.5000']
    >>> len(out.lines), out.lines[-1].startswith("Train: run completed  Total time: ")
    (9, True)
    """

    def __init__(self, logger: Any, delimiter: str = "  ", show_output: bool = False) -> None:
        if not callable(getattr(logger, "info", None)):
            raise TypeError(
                "`logger` should be a logging.Logger or another object with an info(msg) method, "
                f"got {type(logger).__name__}: {logger!r}"
            )
        if not isinstance(delimiter, str):
            raise TypeError(f"`delimiter` should be a str, got {type(delimiter).__name__}: {delimiter!r}")
        if not isinstance(show_output, bool):
            raise TypeError(f"`show_output` should be a bool, got {type(show_output).__name__}: {show_output!r}")
        self.logger: Any = logger
        self.delimiter = delimiter
        self.show_output = show_output
        self.iter_timer = Timer(average=True)
        self.data_timer = Timer(average=True)

    def attach(self, engine: Engine, name: str, every: int = 1, optimizer: torch.optim.Optimizer | None = None) -> None:
        """Log the progress of ``engine`` under ``name`` (e.g. "Train"), a progress line every ``every`` iterations.

        ``optimizer``, when given, adds the learning rate of each of its parameter groups to the progress lines.
        """
        if not isinstance(engine, Engine):
            raise TypeError(f"`engine` should be an ignite.engine.Engine, got {type(engine).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"`name` should be a str, got {type(name).__name__}: {name!r}")
        if isinstance(every, bool) or not isinstance(every, int):
            raise TypeError(f"`every` should be a positive int, got {type(every).__name__}: {every!r}")
        if every < 1:
            raise ValueError(f"`every` should be a positive int, got {every}")
        if optimizer is not None and not isinstance(getattr(optimizer, "param_groups", None), list):
            raise TypeError(
                "`optimizer` should be None or a torch.optim.Optimizer (an object with a param_groups list), "
                f"got {type(optimizer).__name__}"
            )

        # The timers are registered first so that the progress line sees the iteration that just ended.
        self.iter_timer.reset()
        self.iter_timer.attach(
            engine,
            start=Events.EPOCH_STARTED,
            resume=Events.ITERATION_STARTED,
            pause=Events.ITERATION_COMPLETED,
            step=Events.ITERATION_COMPLETED,
        )
        self.data_timer.reset()
        self.data_timer.attach(
            engine,
            start=Events.EPOCH_STARTED,
            resume=Events.GET_BATCH_STARTED,
            pause=Events.GET_BATCH_COMPLETED,
            step=Events.GET_BATCH_COMPLETED,
        )
        # A reset timer runs; pausing it at once keeps the time spent in epoch-start handlers out of the averages.
        engine.add_event_handler(Events.EPOCH_STARTED, self.iter_timer.pause)
        engine.add_event_handler(Events.EPOCH_STARTED, self.data_timer.pause)

        engine.add_event_handler(Events.EPOCH_STARTED, self.log_epoch_started, engine, name)
        engine.add_event_handler(Events.ITERATION_COMPLETED(every=every), self.log_every, engine, optimizer=optimizer)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.log_epoch_completed, engine, name)
        engine.add_event_handler(Events.COMPLETED, self.log_completed, engine, name)

    def log_every(self, engine: Engine, optimizer: torch.optim.Optimizer | None = None) -> None:
        """Log one progress line for the current iteration."""
        state = engine.state
        epoch_length = state.epoch_length
        iter_avg_time = self.iter_timer.value()
        if epoch_length is None:
            # Only the first pass over data of unknown length lacks epoch_length, so it started at iteration 0.
            progress, eta = f"[{state.iteration}/{_UNKNOWN}]:", _UNKNOWN
        else:
            current = (state.iteration - 1) % epoch_length + 1
            progress, eta = f"[{current}/{epoch_length}]:", _duration(iter_avg_time * (epoch_length - current))

        fields = [f"Epoch [{state.epoch}/{_max_epochs_text(engine)}]", progress, f"ETA: {eta}"]
        if optimizer is not None:
            fields += _lr_fields(optimizer)
        if self.show_output and state.output is not None:
            fields += _output_fields(state.output)
        fields += [f"Iter time: {iter_avg_time:.4f} s", f"Data prep time: {self.data_timer.value():.4f} s"]
        if torch.cuda.is_available():
            fields.append(f"GPU Max Mem: {torch.cuda.max_memory_allocated() / MB:.0f} MB")
        self.logger.info(self.delimiter.join(fields))

    def log_epoch_started(self, engine: Engine, name: str) -> None:
        """Log ``"<name>: start epoch [e/E]"``."""
        self.logger.info(f"{name}: start epoch [{engine.state.epoch}/{_max_epochs_text(engine)}]")

    def log_epoch_completed(self, engine: Engine, name: str) -> None:
        """Log the duration of the epoch that just ended and its time per iteration."""
        state = engine.state
        epoch_time = state.times[Events.EPOCH_COMPLETED.name] or 0.0
        # The iteration timer counts the iterations of this epoch, also when the run resumed in its middle.
        iterations = int(self.iter_timer.step_count) or state.epoch_length or 1
        head = f"{name}: Epoch [{state.epoch}/{_max_epochs_text(engine)}]" if state.max_epochs != 1 else f"{name}:"
        fields = [head, f"Total time: {_duration(epoch_time)}", f"({epoch_time / iterations:.4f} s / it)"]
        self.logger.info(self.delimiter.join(fields))

    def log_completed(self, engine: Engine, name: str) -> None:
        """Log the duration of the whole run, for runs of more than one epoch."""
        max_epochs = engine.state.max_epochs
        if max_epochs is not None and max_epochs > 1:
            total_time = engine.state.times[Events.COMPLETED.name] or 0.0
            self.logger.info(self.delimiter.join([f"{name}: run completed", f"Total time: {_duration(total_time)}"]))
