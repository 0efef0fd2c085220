"""Visdom logger: :class:`VisdomLogger` and the scalar handlers it supports.

Each scalar tag is drawn in a line-plot window of its own (title = tag, x = global step); text values go to a text
window per tag. ``visdom`` is imported only when a logger is created: ``pip install "ignite-contrib-loggers[visdom]"``.

Posting never stops training: when the server is down or goes away, the logger warns once (a ``UserWarning`` naming
the server), drops what it cannot send, and tries the server again at most every ``retry_after_s`` seconds.
"""

from __future__ import annotations

import html
import importlib
import logging
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import nn

from ignite.contrib.handlers import _handlers
from ignite.contrib.handlers.base_logger import BaseLogger
from ignite.engine import CallableEventWithFilter, Engine
from ignite.handlers import global_step_from_engine

__all__ = [
    "GradsScalarHandler",
    "OptimizerParamsHandler",
    "OutputHandler",
    "VisdomLogger",
    "WeightsScalarHandler",
    "global_step_from_engine",
]

_INSTALL_HINT = 'pip install "ignite-contrib-loggers[visdom]"'
_RETRY_AFTER_S = 10.0


@dataclass
class _Window:
    """One Visdom window and the points waiting to be posted to it (posted in order by one task at a time)."""

    win: str
    tag: str
    kind: Literal["line", "text"]
    opts: dict[str, Any]
    pending: list[tuple[int, Any]] = field(default_factory=list)
    scheduled: bool = False
    created: bool = False


class _VisdomBackend:
    """Adapts a ``visdom.Visdom`` client to :class:`~ignite.contrib.handlers.base_logger.LoggerBackend`.

    With ``num_workers > 0`` posts run on a thread pool. Each window has at most one task draining its queue, so its
    points arrive in order (several at a time when the server lags) while different windows post in parallel.
    """

    def __init__(self, vis: Any, server_url: str, num_workers: int) -> None:
        self.vis = vis
        self.server_url = server_url
        self.retry_after_s = _RETRY_AFTER_S
        self.executor = ThreadPoolExecutor(num_workers, thread_name_prefix="VisdomLogger") if num_workers > 0 else None
        self._windows: dict[tuple[str, str], _Window] = {}
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()
        self._save_scheduled = False
        self._failed_at: float | None = None
        self._failure: str | None = None
        self._warned = False
        self._closed = False
        self._show_legend = False
        self._xlabel = "step"

    @property
    def windows(self) -> dict[str, str]:
        """Visdom window id of each scalar tag's line plot."""
        return {tag: window.win for (kind, tag), window in self._windows.items() if kind == "line"}

    @property
    def text_windows(self) -> dict[str, str]:
        """Visdom window id of each text tag."""
        return {tag: window.win for (kind, tag), window in self._windows.items() if kind == "text"}

    @contextmanager
    def plot_options(self, show_legend: bool, xlabel: str) -> Iterator[None]:
        """Options of the windows created inside the block (a handler sets them around its call)."""
        saved = self._show_legend, self._xlabel
        self._show_legend, self._xlabel = show_legend, xlabel
        try:
            yield
        finally:
            self._show_legend, self._xlabel = saved

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        self._check_open()
        for tag, value in values.items():
            self._enqueue("line", tag, (step, float(value)))
        self._schedule_save()

    def log_text(self, tag: str, text: str, step: int) -> None:
        self._check_open()
        self._enqueue("text", tag, (step, text))
        self._schedule_save()

    def log_histogram(self, tag: str, values: torch.Tensor, step: int) -> None:
        raise NotImplementedError(
            f"VisdomLogger does not log histograms (got tag '{tag}'): use WeightsScalarHandler/GradsScalarHandler, "
            f"or TensorboardLogger for histograms"
        )

    def log_image(self, tag: str, image: torch.Tensor, step: int) -> None:
        raise NotImplementedError(f"VisdomLogger does not log images (got tag '{tag}'): use TensorboardLogger")

    def flush(self) -> None:
        """Wait until everything logged so far has been posted (or dropped, if the server is unreachable) and the
        environment saved on the server."""
        futures, self._futures = self._futures, []
        for future in futures:
            future.result()
        if futures:
            # With several workers, the last coalesced save may have run before the last points arrived.
            self._post(self._post_save)
        self._warn_if_failed()

    def close(self) -> None:
        """Post what is pending, save the environment on the server, stop the pool and the HTTP session."""
        if self._closed:
            return
        self._closed = True
        try:
            self.flush()
        finally:
            if self.executor is not None:
                self.executor.shutdown(wait=True)
            session = getattr(self.vis, "_session", None)
            if session is not None:
                session.close()
        self._warn_if_failed()

    def report_failure(self, reason: str) -> None:
        """Record that the server could not be reached; the first failure is warned about, once."""
        with self._lock:
            self._failed_at = time.monotonic()
            if not self._warned and self._failure is None:
                self._failure = (
                    f"VisdomLogger could not reach the Visdom server at {self.server_url} ({reason}); training goes "
                    f"on, and values logged while the server is unreachable are dropped"
                )

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("VisdomLogger is closed: create a new logger to log more values")
        self._warn_if_failed()

    def _warn_if_failed(self) -> None:
        # Called on the caller's thread only, so that the warning reaches the user's warning filters.
        with self._lock:
            message, self._failure = self._failure, None
            if message is not None:
                self._warned = True
        if message is not None:
            warnings.warn(message, UserWarning, stacklevel=4)

    def _enqueue(self, kind: Literal["line", "text"], tag: str, item: tuple[int, Any]) -> None:
        window = self._windows.get((kind, tag))
        if window is None:
            opts: dict[str, Any] = {"title": tag}
            if kind == "line":
                opts.update(xlabel=self._xlabel, ylabel=tag, showlegend=self._show_legend)
            window = self._windows[(kind, tag)] = _Window(f"ignite_{uuid.uuid4().hex}", tag, kind, opts)
        with self._lock:
            window.pending.append(item)
            if window.scheduled:
                return
            window.scheduled = True
        self._submit(self._drain, window)

    def _schedule_save(self) -> None:
        with self._lock:
            if self._save_scheduled:
                return
            self._save_scheduled = True
        self._submit(self._save)

    def _submit(self, task: Callable[..., None], *args: Any) -> None:
        if self.executor is None:
            task(*args)
            self._warn_if_failed()
            return
        still_running: list[Future[None]] = []
        for future in self._futures:
            if future.done():
                future.result()  # re-raises a bug in a task on the caller's thread
            else:
                still_running.append(future)
        still_running.append(self.executor.submit(task, *args))
        self._futures = still_running

    def _drain(self, window: _Window) -> None:
        while True:
            with self._lock:
                batch, window.pending = window.pending, []
                if not batch:
                    window.scheduled = False
                    return
            self._post(self._post_line if window.kind == "line" else self._post_text, window, batch)

    def _post_line(self, window: _Window, batch: list[tuple[int, Any]]) -> Any:
        steps = [step for step, _ in batch]
        values = [value for _, value in batch]
        # "append" creates the window when it does not exist yet (or no longer does, after a server restart).
        return self.vis.line(
            Y=values, X=steps, win=window.win, update="append", name=window.tag, opts=dict(window.opts)
        )

    def _post_text(self, window: _Window, batch: list[tuple[int, Any]]) -> Any:
        content = "<br>".join(f"[{step}] {html.escape(text)}" for step, text in batch)
        result = self.vis.text(content, win=window.win, opts=dict(window.opts), append=window.created)
        window.created = window.created or result is not False
        return result

    def _save(self) -> None:
        with self._lock:
            self._save_scheduled = False
        self._post(self._post_save)

    def _post_save(self) -> Any:
        return self.vis.save([self.vis.env])

    def _post(self, send: Callable[..., Any], *args: Any) -> None:
        failed_at = self._failed_at
        if failed_at is not None and time.monotonic() - failed_at < self.retry_after_s:
            return  # the server failed recently: drop instead of waiting on it again
        try:
            result = send(*args)
        except OSError as error:  # requests' errors and visdom's ConnectionError are OSErrors
            self.report_failure(f"{type(error).__name__}: {error}")
            return
        if result is False:  # visdom created with raise_exceptions=False returns False instead of raising
            self.report_failure("the request failed")


def _event_label(event_name: Any) -> str:
    base = event_name._base_event() if isinstance(event_name, CallableEventWithFilter) else event_name
    return str(getattr(base, "name", base))


def _check_show_legend(show_legend: Any) -> bool:
    if not isinstance(show_legend, bool):
        raise TypeError(f"Argument show_legend should be a bool, got {type(show_legend).__name__}")
    return show_legend


@contextmanager
def _plot_options(logger: Any, show_legend: bool, event_name: Any) -> Iterator[None]:
    if isinstance(logger, VisdomLogger):
        with logger.backend.plot_options(show_legend, _event_label(event_name)):
            yield
    else:
        yield


class OutputHandler(_handlers.OutputHandler):
    """:class:`ignite.contrib.handlers.OutputHandler` with Visdom's ``show_legend`` option for new windows."""

    def __init__(
        self,
        tag: str,
        metric_names: str | list[str] | None = None,
        output_transform: Callable[[Any], Any] | None = None,
        global_step_transform: Callable[[Engine, Any], int] | None = None,
        show_legend: bool = False,
        state_attributes: list[str] | None = None,
    ) -> None:
        super().__init__(tag, metric_names, output_transform, global_step_transform, state_attributes)
        self.show_legend = _check_show_legend(show_legend)

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        with _plot_options(logger, self.show_legend, event_name):
            super().__call__(engine, logger, event_name)


class OptimizerParamsHandler(_handlers.OptimizerParamsHandler):
    """:class:`ignite.contrib.handlers.OptimizerParamsHandler` with Visdom's ``show_legend`` option."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        param_name: str = "lr",
        tag: str | None = None,
        show_legend: bool = False,
    ) -> None:
        super().__init__(optimizer, param_name, tag)
        self.show_legend = _check_show_legend(show_legend)

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        with _plot_options(logger, self.show_legend, event_name):
            super().__call__(engine, logger, event_name)


class WeightsScalarHandler(_handlers.WeightsScalarHandler):
    """:class:`ignite.contrib.handlers.WeightsScalarHandler` with Visdom's ``show_legend`` option."""

    def __init__(
        self,
        model: nn.Module,
        reduction: Callable[[torch.Tensor], Any] = torch.norm,
        tag: str | None = None,
        show_legend: bool = False,
    ) -> None:
        super().__init__(model, reduction, tag)
        self.show_legend = _check_show_legend(show_legend)

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        with _plot_options(logger, self.show_legend, event_name):
            super().__call__(engine, logger, event_name)


class GradsScalarHandler(_handlers.GradsScalarHandler):
    """:class:`ignite.contrib.handlers.GradsScalarHandler` with Visdom's ``show_legend`` option."""

    def __init__(
        self,
        model: nn.Module,
        reduction: Callable[[torch.Tensor], Any] = torch.norm,
        tag: str | None = None,
        show_legend: bool = False,
    ) -> None:
        super().__init__(model, reduction, tag)
        self.show_legend = _check_show_legend(show_legend)

    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        with _plot_options(logger, self.show_legend, event_name):
            super().__call__(engine, logger, event_name)


def _import_visdom() -> Any:
    try:
        return importlib.import_module("visdom")
    except ImportError as error:
        raise ModuleNotFoundError(f"VisdomLogger needs the visdom package: {_INSTALL_HINT}", name="visdom") from error


def _resolve_port(port: Any) -> int:
    if port is None:
        text = os.environ.get("VISDOM_PORT", "8097")
        try:
            port = int(text)
        except ValueError:
            raise ValueError(f"Environment variable VISDOM_PORT should be an integer port, got {text!r}") from None
    elif not isinstance(port, int) or isinstance(port, bool):
        raise TypeError(f"Argument port should be an int or None, got {type(port).__name__}")
    if not 0 < port < 65536:
        raise ValueError(f"Argument port should be in [1, 65535], got {port}")
    return int(port)


def _drop_socket_notice(record: logging.LogRecord) -> bool:
    # visdom logs that events cannot be received without the incoming socket: true, and irrelevant to a logger.
    return not record.getMessage().startswith("Without the incoming socket")


def _connect(
    visdom: Any, server: str, port: int, server_url: str, raise_exceptions: bool, kwargs: dict[str, Any]
) -> tuple[Any, bool]:
    """The ``visdom.Visdom`` client, and whether its server answered."""
    visdom_log = logging.getLogger("visdom")
    visdom_log.addFilter(_drop_socket_notice)
    try:
        with warnings.catch_warnings():
            # visdom 0.2 logs through the deprecated Logger.warn: a DeprecationWarning the user can do nothing about.
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                vis = visdom.Visdom(server=server, port=port, raise_exceptions=raise_exceptions, **kwargs)
            except ConnectionError as error:
                raise ConnectionError(_unreachable_message(server_url, port)) from error
            return vis, bool(vis.offline) or bool(vis.check_connection())
    finally:
        visdom_log.removeFilter(_drop_socket_notice)


def _unreachable_message(server_url: str, port: int) -> str:
    return (
        f"VisdomLogger failed to connect to the Visdom server at {server_url}: start one with "
        f"`python -m visdom.server -port {port}`, or pass raise_exceptions=False to train without it"
    )


class VisdomLogger(BaseLogger):
    """Plots to a Visdom server: one line-plot window per scalar tag, x = global step.

    Args:
        server: address of the server; defaults to ``$VISDOM_SERVER_URL``, else ``"localhost"``.
        port: port of the server; defaults to ``$VISDOM_PORT``, else 8097.
        num_workers: threads posting to the server so that training does not wait on it; 0 posts synchronously.
        raise_exceptions: when the server cannot be reached at construction, raise (True) or warn and go on (False).
            Also passed to ``visdom.Visdom`` for direct calls on :attr:`vis`.
        kwargs: passed to ``visdom.Visdom`` (``env``, ``base_url``, ...). ``username``/``password`` default to
            ``$VISDOM_USERNAME``/``$VISDOM_PASSWORD``; ``use_incoming_socket`` defaults to False.

    Failures while posting never stop training: they are warned about once. :meth:`close` waits for pending posts.

    Example::

        vd_logger = VisdomLogger(server="http://localhost", port=8097, env="exp1")
        vd_logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED, tag="training", output_transform=lambda loss: {"loss": loss}
        )
        vd_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        vd_logger.attach(trainer, WeightsScalarHandler(model), Events.EPOCH_COMPLETED)
        trainer.run(loader, max_epochs=10)
        vd_logger.close()
    """

    def __init__(
        self,
        server: str | None = None,
        port: int | None = None,
        num_workers: int = 1,
        raise_exceptions: bool = True,
        **kwargs: Any,
    ) -> None:
        if server is not None and not isinstance(server, str):
            raise TypeError(f"Argument server should be a str or None, got {type(server).__name__}")
        port = _resolve_port(port)
        if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0:
            raise ValueError(f"Argument num_workers should be a non-negative int, got {num_workers!r}")
        if not isinstance(raise_exceptions, bool):
            raise TypeError(f"Argument raise_exceptions should be a bool, got {type(raise_exceptions).__name__}")
        visdom = _import_visdom()
        server = server if server is not None else os.environ.get("VISDOM_SERVER_URL", "localhost")
        kwargs.setdefault("username", os.environ.get("VISDOM_USERNAME"))
        kwargs.setdefault("password", os.environ.get("VISDOM_PASSWORD"))
        # A logger needs no events from the browser, and the incoming socket's thread retries forever on a lost server.
        kwargs.setdefault("use_incoming_socket", False)
        server_url = f"{server if '://' in server else 'http://' + server}:{port}"
        self.vis, connected = _connect(visdom, server, port, server_url, raise_exceptions, kwargs)
        if not connected and raise_exceptions:
            raise RuntimeError(_unreachable_message(server_url, port))
        self._backend = _VisdomBackend(self.vis, server_url, num_workers)
        if not connected:
            self._backend.report_failure("no answer at construction")
            self._backend.flush()

    @property
    def backend(self) -> _VisdomBackend:
        return self._backend

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)
