"""Progress bar of an engine's run, drawn with tqdm: :class:`ProgressBar`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from tqdm.auto import tqdm  # type: ignore[import-untyped]

from ignite.contrib.handlers.base_logger import BaseLogger, BaseOutputHandler
from ignite.engine import CallableEventWithFilter, Engine, Events, RemovableEventHandle

__all__ = ["ProgressBar"]

# Logging events must come strictly before the closing event in this order.
_EVENTS_ORDER = [
    Events.STARTED,
    Events.EPOCH_STARTED,
    Events.ITERATION_STARTED,
    Events.ITERATION_COMPLETED,
    Events.EPOCH_COMPLETED,
    Events.COMPLETED,
]


def _base_event(event: Any) -> Any:
    return event._base_event() if isinstance(event, CallableEventWithFilter) else event


class _BarBackend:
    """Backend of a progress bar: scalars and text go to the postfix of the current bar."""

    def __init__(self, owner: ProgressBar) -> None:
        self._owner = owner

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        if self._owner.pbar is not None:
            self._owner.pbar.set_postfix(dict(values))

    def log_text(self, tag: str, text: str, step: int) -> None:
        self._owner.log_message(f"{tag}: {text}")

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None:
        raise TypeError(f"ProgressBar can not show histograms, got one for '{tag}'")

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        raise TypeError(f"ProgressBar can not show images, got one for '{tag}'")

    def close(self) -> None:
        self._owner._close()


class ProgressBar(BaseLogger):
    """A tqdm progress bar of an engine's iterations (or epochs), with metrics and output in its postfix.

    Args:
        persist: keep each finished bar on screen (tqdm's ``leave``).
        bar_format: tqdm's format string; the default shows ``[n/total] percent|bar|postfix [elapsed<remaining]``.
        tqdm_kwargs: other tqdm arguments, e.g. ``desc`` (shown instead of "Epoch"/"Iteration"), ``file``, ``ncols``.

    Example::

        pbar = ProgressBar(persist=True)
        pbar.attach(trainer, output_transform=lambda loss: {"loss": loss})
        pbar.attach(evaluator, metric_names="all")
    """

    _events_order = _EVENTS_ORDER

    def __init__(
        self,
        persist: bool = False,
        bar_format: str
        | None = "{desc}[{n_fmt}/{total_fmt}] {percentage:3.0f}%|{bar}{postfix} [{elapsed}<{remaining}]",
        **tqdm_kwargs: Any,
    ) -> None:
        self.pbar: Any = None
        self.persist = persist
        self.bar_format = bar_format
        self.tqdm_kwargs = tqdm_kwargs
        self._backend = _BarBackend(self)

    @property
    def backend(self) -> _BarBackend:
        return self._backend

    def _reset(self, pbar_total: int | None) -> None:
        self.pbar = tqdm(total=pbar_total, leave=self.persist, bar_format=self.bar_format, **self.tqdm_kwargs)

    def _close(self, engine: Engine | None = None) -> None:
        if self.pbar is not None:
            self.pbar.close()
        self.pbar = None

    @staticmethod
    def _compare_lt(event1: Any, event2: Any) -> bool:
        first, second = _base_event(event1), _base_event(event2)
        if first not in _EVENTS_ORDER or second not in _EVENTS_ORDER:
            return False
        return _EVENTS_ORDER.index(first) < _EVENTS_ORDER.index(second)

    def log_message(self, message: str) -> None:
        """Print ``message`` above the bar without breaking it."""
        tqdm.write(message, file=self.tqdm_kwargs.get("file"))

    def attach(  # type: ignore[override]
        self,
        engine: Engine,
        metric_names: str | list[str] | None = None,
        output_transform: Callable[[Any], Any] | None = None,
        event_name: Any = Events.ITERATION_COMPLETED,
        closing_event_name: Any = Events.EPOCH_COMPLETED,
        state_attributes: list[str] | None = None,
    ) -> RemovableEventHandle:
        """Show a bar on ``engine``, advanced at ``event_name`` and closed at ``closing_event_name``.

        ``metric_names`` (a list or ``"all"``), ``output_transform`` and ``state_attributes`` choose what the postfix
        shows, as in ``OutputHandler``.
        """
        if not isinstance(engine, Engine):
            raise TypeError(f"Argument engine should be an ignite.engine.Engine, got {type(engine).__name__}")
        if isinstance(closing_event_name, CallableEventWithFilter) and closing_event_name.filter is not None:
            raise ValueError(f"Argument closing_event_name should not be a filtered event, got {closing_event_name}")
        if not self._compare_lt(event_name, closing_event_name):
            raise ValueError(
                f"Argument event_name ({event_name}) should be an event fired before closing_event_name "
                f"({closing_event_name}) in the order {[e.name for e in _EVENTS_ORDER]}"
            )
        handler = _OutputHandler(
            self.tqdm_kwargs.get("desc"),
            metric_names,
            output_transform,
            closing_event_name=closing_event_name,
            state_attributes=state_attributes,
        )
        handle = super().attach(engine, handler, event_name)
        engine.add_event_handler(closing_event_name, self._close)
        assert isinstance(handle, RemovableEventHandle)
        return handle


def _max_number_events(event_name: Any, engine: Engine) -> int | None:
    base = _base_event(event_name)
    if base in (Events.ITERATION_STARTED, Events.ITERATION_COMPLETED):
        return engine.state.epoch_length
    if base in (Events.EPOCH_STARTED, Events.EPOCH_COMPLETED):
        return engine.state.max_epochs
    return 1


class _OutputHandler(BaseOutputHandler):
    """Advances the bar and refreshes its description and postfix."""

    def __init__(
        self,
        description: str | None,
        metric_names: str | list[str] | None = None,
        output_transform: Callable[[Any], Any] | None = None,
        closing_event_name: Any = Events.EPOCH_COMPLETED,
        state_attributes: list[str] | None = None,
    ) -> None:
        if metric_names is None and output_transform is None and state_attributes is None:
            # A bar with an empty postfix is fine: show the transformed output as nothing.
            output_transform = _no_output
        super().__init__(description or "", metric_names, output_transform, None, state_attributes)
        self.closing_event_name = closing_event_name

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        if not isinstance(logger, ProgressBar):
            raise TypeError(f"Handler '_OutputHandler' works only with ProgressBar, got {type(logger).__name__}")
        total = _max_number_events(event_name, engine)
        if logger.pbar is None:
            logger._reset(pbar_total=total)
        desc = self.tag or ("Iteration" if engine.state.max_epochs == 1 else "Epoch")
        max_closing = _max_number_events(self.closing_event_name, engine)
        if max_closing is not None and max_closing > 1:
            desc += f" [{engine.state.get_event_attrib_value(self.closing_event_name)}/{max_closing}]"
        logger.pbar.set_description(desc)

        postfix = {
            "_".join(key[1:]) if self.tag else "_".join(key): value
            for key, value in self._setup_output_metrics_state_attrs(engine, log_text=True).items()
        }
        if postfix:
            logger.pbar.set_postfix(postfix)

        # The counter runs over the whole run; the bar counts within one closing period (e.g. one epoch).
        step = engine.state.get_event_attrib_value(event_name)
        if total is not None and total > 0:
            step = (step - 1) % total + 1
        logger.pbar.update(step - logger.pbar.n)


def _no_output(_: Any) -> dict[str, Any]:
    return {}
