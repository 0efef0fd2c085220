"""The :class:`Engine`: runs a process function over data, firing events around every step."""

from __future__ import annotations

import functools
import logging
import math
import numbers
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sized
from typing import Any

from ignite.base import Serializable
from ignite.engine._registry import (
    HandlerWrapper,
    Registration,
    Step,
    compile_plan,
    filtered_step,
    make_registration,
    value_getter,
    wrap_call,
    wrap_steps,
)
from ignite.engine.events import EventEnum, Events, EventsList, FilteredEvent, RemovableEventHandle, State
from ignite.engine.utils import _check_signature, _to_hours_mins_secs

__all__ = ["Engine", "HandlerWrapper"]


class _Terminate(Exception):
    """Unwinds the run after ``terminate()``."""


class _TerminateEpoch(Exception):
    """Unwinds the current epoch after ``terminate_epoch()``."""


def _is_positive_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) > 0


def _is_non_negative_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= 0


def _split_event(event_name: Any) -> tuple[Any, Any]:
    if isinstance(event_name, FilteredEvent):
        return event_name.event, event_name.event_filter
    return event_name, None


class Engine(Serializable):
    """Runs ``process_function(engine, batch)`` on each batch of the data and fires :class:`Events` around it.

    Handlers are attached with :meth:`add_event_handler` or the :meth:`on` decorator; the result of the process
    function is ``engine.state.output``.

    >>> from ignite.engine import Engine, Events
    >>> engine = Engine(lambda engine, batch: batch * 2)
    >>> @engine.on(Events.EPOCH_COMPLETED(every=2))
    ... def log(engine):
    ...     print(engine.state.epoch, engine.state.iteration, engine.state.output)
    >>> state = engine.run([1, 2, 3], max_epochs=4)
    2 6 6
    4 12 6
    """

    _state_dict_all_req_keys = ("epoch_length",)
    _state_dict_one_of_opt_keys = (("iteration", "epoch"), ("max_epochs", "max_iters"))

    # Kept for compatibility with Ignite: False makes interrupt() raise (the run loop is the same either way).
    interrupt_resume_enabled = True

    def __init__(self, process_function: Callable[[Engine, Any], Any]) -> None:
        if process_function is None:
            raise ValueError("Engine must be given a processing function in order to run.")
        if not callable(process_function):
            raise TypeError(f"Argument process_function should be callable, got {type(process_function).__name__}")
        self._process_function = process_function
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")
        self.last_event_name: Any = None
        self._should_terminate = self._should_terminate_single_epoch = self._should_interrupt = False
        # True when any of the three flags above is set: the run loop tests only this.
        self._signal = False
        self._skip_completed = False
        self.state = State()
        self._state_dict_user_keys: list[str] = []
        self._allowed_events: list[Any] = []
        self._event_handlers: dict[Any, list[Registration]] = {}
        self._plans: dict[Any, tuple[Step, ...]] = {}
        self._fire_counts: dict[Any, int] = {}
        self._handler_wrappers: list[HandlerWrapper] = []
        self._debug_events = False
        self._dataloader_iter: Iterator[Any] | None = None
        self._init_iter: int | None = None
        self._run_generator: Generator[State, None, State] | None = None
        self._handled_exception: BaseException | None = None
        self._running = False
        self.register_events(*Events)
        _check_signature(process_function, "process_function", self, None)

    # ----------------------------------------------------------------------------------------------- run control
    @property
    def should_terminate(self) -> bool:
        return self._should_terminate

    @should_terminate.setter
    def should_terminate(self, value: bool) -> None:
        self._should_terminate = value
        self._signal = bool(value or self._should_terminate_single_epoch or self._should_interrupt)

    @property
    def should_terminate_single_epoch(self) -> bool:
        return self._should_terminate_single_epoch

    @should_terminate_single_epoch.setter
    def should_terminate_single_epoch(self, value: bool) -> None:
        self._should_terminate_single_epoch = value
        self._signal = bool(self._should_terminate or value or self._should_interrupt)

    @property
    def should_interrupt(self) -> bool:
        return self._should_interrupt

    @should_interrupt.setter
    def should_interrupt(self, value: bool) -> None:
        self._should_interrupt = value
        self._signal = bool(self._should_terminate or self._should_terminate_single_epoch or value)

    def terminate(self, skip_completed: bool = False) -> None:
        """Stop the run after the event being handled: then ``TERMINATE`` and ``COMPLETED`` (unless
        ``skip_completed``) fire. A later :meth:`run` continues from the state reached, starting a new epoch."""
        self.logger.info("Terminate signaled. Engine will stop after the current event.")
        self._skip_completed = skip_completed
        self.should_terminate = True

    def terminate_epoch(self) -> None:
        """End the current epoch after the event being handled: ``TERMINATE_SINGLE_EPOCH`` then ``EPOCH_COMPLETED``
        fire and the run goes on with the next epoch. Called when no epoch is in progress (e.g. from ``STARTED`` or
        ``EPOCH_COMPLETED``), it ends the next epoch before its first iteration."""
        self.logger.info("Terminate current epoch is signaled. The epoch will stop after the current event.")
        self.should_terminate_single_epoch = True

    def interrupt(self) -> None:
        """Pause the run after the event being handled: ``INTERRUPT`` fires and :meth:`run` returns. The next
        :meth:`run` call resumes exactly there, in the same epoch and data iterator."""
        if not self.interrupt_resume_enabled:
            raise RuntimeError(
                "Engine 'interrupt/resume' feature is disabled: set Engine.interrupt_resume_enabled = True to use it"
            )
        self.logger.info("Interrupt signaled. Engine will pause after the current event.")
        self.should_interrupt = True

    # ----------------------------------------------------------------------------------------- events & handlers
    def register_events(self, *event_names: str | EventEnum, event_to_attr: dict[Any, str] | None = None) -> None:
        """Allow custom events (``EventEnum`` members or strings) to be fired and handled on this engine.

        ``event_to_attr`` maps an event to the state attribute that its filters use (the attribute is created with
        value 0 if missing). Filters of an event without one count how many times it was fired in the current run.
        Registration is per engine: other engines are not affected.
        """
        if event_to_attr is not None and not isinstance(event_to_attr, dict):
            raise ValueError(
                f"Argument event_to_attr should be a dict mapping events to state attribute names, "
                f"got {type(event_to_attr).__name__}"
            )
        for index, event in enumerate(event_names):
            if not isinstance(event, (str, EventEnum)):
                raise TypeError(f"Value at {index} of event_names should be a str or EventEnum, but given {event!r}")
        for event, attr in (event_to_attr or {}).items():
            if not isinstance(attr, str) or not attr.isidentifier():
                raise ValueError(f"event_to_attr[{event}] should be a state attribute name, got {attr!r}")
        for event in event_names:
            if event not in self._event_handlers:
                self._allowed_events.append(event)
                self._event_handlers[event] = []
            if event_to_attr and event in event_to_attr:
                self.state.event_to_attr[event] = event_to_attr[event]
        self.state._update_attrs()
        for event in self._allowed_events:
            if event not in self.state.event_to_attr:
                self._fire_counts.setdefault(event, 0)
            else:
                self._fire_counts.pop(event, None)
        self._rebuild_plans()

    def has_registered_events(self, event: Any) -> bool:
        """Whether ``event`` can be fired and handled on this engine."""
        return _split_event(event)[0] in self._event_handlers

    def _assert_allowed_event(self, event: Any) -> None:
        try:
            allowed = event in self._event_handlers
        except TypeError:
            allowed = False
        if not allowed:
            raise ValueError(
                f"Event {event!r} is not a valid event for this {type(self).__name__}: use one of Events or register "
                "custom events first with engine.register_events(...)"
            )

    def _rebuild_plans(self, *events: Any) -> None:
        for event in events or tuple(self._event_handlers):
            debug_step = functools.partial(self._log_event, event) if self._debug_events else None
            self._plans[event] = compile_plan(
                self, event, self._event_handlers[event], self._fire_counts, debug_step, self._handler_wrappers
            )

    def add_handler_wrapper(self, wrapper: HandlerWrapper) -> None:
        """Let ``wrapper`` (a :class:`~ignite.engine.engine.HandlerWrapper`) replace every handler call of this
        engine and add steps around every event firing, e.g. to time them; it also applies to handlers added later.
        Adding a wrapper that is already there does nothing. Profilers such as ``ignite.handlers.BasicTimeProfiler``
        are built on this; the run loop costs nothing more while no wrapper is added.

        >>> from ignite.engine import Engine, Events
        >>> class Announce:
        ...     def wrap_handler(self, event, handler, call):
        ...         def announced():
        ...             print("calling", handler.__name__, "for", event.name)
        ...             call()
        ...         return announced
        ...     def wrap_event(self, event, steps):
        ...         return steps
        >>> engine = Engine(lambda engine, batch: None)
        >>> @engine.on(Events.COMPLETED)
        ... def done():
        ...     print("done")
        >>> engine.add_handler_wrapper(Announce())
        >>> _ = engine.run([0])
        calling done for COMPLETED
        done
        """
        for method in ("wrap_handler", "wrap_event"):
            if not callable(getattr(wrapper, method, None)):
                raise TypeError(
                    f"Argument wrapper should have callable wrap_handler and wrap_event methods, "
                    f"got {type(wrapper).__name__} without a callable {method}"
                )
        if any(existing is wrapper for existing in self._handler_wrappers):
            return
        self._handler_wrappers.append(wrapper)
        self._rebuild_plans()

    def remove_handler_wrapper(self, wrapper: HandlerWrapper) -> None:
        """Undo :meth:`add_handler_wrapper`: handlers are called directly again (unless other wrappers remain)."""
        kept = [existing for existing in self._handler_wrappers if existing is not wrapper]
        if len(kept) == len(self._handler_wrappers):
            raise ValueError(f"Argument wrapper {wrapper!r} was not added to this engine with add_handler_wrapper")
        self._handler_wrappers = kept
        self._rebuild_plans()

    def add_event_handler(
        self, event_name: Any, handler: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> RemovableEventHandle:
        """Call ``handler`` when ``event_name`` fires, with ``args`` and ``kwargs``; the engine is passed first when
        the handler's signature accepts it. ``event_name`` may be filtered (``Events.X(every=10)``) or a list of
        events (``A | B``). Returns a :class:`RemovableEventHandle`.

        A handler added while an event is being fired runs from the next firing of that event on.
        """
        events = list(event_name) if isinstance(event_name, EventsList) else [event_name]
        for event in events:
            self._assert_allowed_event(_split_event(event)[0])
        for event in events:
            key, event_filter = _split_event(event)
            registration = make_registration(self, key, event_filter, handler, args, kwargs)
            self._event_handlers[key].append(registration)
            self._rebuild_plans(key)
            self.logger.debug("Added handler %r for event %s", handler, event)
        return RemovableEventHandle(event_name, handler, self)

    def on(self, event_name: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator form of :meth:`add_event_handler`; returns the function unchanged."""

        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            self.add_event_handler(event_name, f, *args, **kwargs)
            return f

        return decorator

    def has_event_handler(self, handler: Callable[..., Any], event_name: Any = None) -> bool:
        """Whether ``handler`` is registered for ``event_name`` (any filter), or for any event if it is None."""
        if event_name is None:
            keys = list(self._event_handlers)
        else:
            key = _split_event(event_name)[0]
            keys = [key] if key in self._event_handlers else []
        return any(r.handler == handler for key in keys for r in self._event_handlers[key])

    def remove_event_handler(self, handler: Callable[..., Any], event_name: Any) -> None:
        """Remove every registration of ``handler`` for ``event_name`` (whatever their filters)."""
        key = _split_event(event_name)[0]
        if key not in self._event_handlers:
            raise ValueError(f"Input event name '{event_name}' does not exist")
        kept = [r for r in self._event_handlers[key] if r.handler != handler]
        if len(kept) == len(self._event_handlers[key]):
            raise ValueError(f"Input handler '{handler}' is not found among registered event handlers of {event_name}")
        self._event_handlers[key] = kept
        self._rebuild_plans(key)

    def fire_event(self, event_name: Any) -> None:
        """Run the handlers of ``event_name`` (a built-in or registered custom event) now."""
        try:
            steps = self._plans.get(event_name)
        except TypeError:  # unhashable: certainly not an event
            steps = None
        if steps is None:
            self._assert_allowed_event(event_name)
            return
        self.last_event_name = event_name
        if event_name in self._fire_counts:
            self._fire_counts[event_name] += 1
        for step in steps:
            step()

    def _fire_event(self, event_name: Any, *event_args: Any, **event_kwargs: Any) -> None:
        key = _split_event(event_name)[0]
        self.last_event_name = key
        if key in self._fire_counts:
            self._fire_counts[key] += 1
        if not (event_args or event_kwargs):
            for step in self._plans.get(key, ()):
                step()
            return
        # Events with arguments are rare (EXCEPTION_RAISED, TERMINATE_SINGLE_EPOCH): no precompiled plan.
        if self._debug_events:
            self._log_event(key)
        value = value_getter(self, key, self._fire_counts)
        wrappers = self._handler_wrappers
        steps: list[Step] = []
        for reg in tuple(self._event_handlers.get(key, ())):
            kwargs = dict(reg.kwargs)
            for name, arg in event_kwargs.items():
                if name != "iter_counter" or reg.takes_iter_counter or key is not Events.TERMINATE_SINGLE_EPOCH:
                    kwargs[name] = arg
            lead = (self,) if reg.with_engine else ()
            call = wrap_call(
                wrappers, key, reg.handler, functools.partial(reg.handler, *lead, *event_args, *reg.args, **kwargs)
            )
            steps.append(call if reg.event_filter is None else filtered_step(self, value, reg.event_filter, (call,)))
        for step in wrap_steps(wrappers, key, tuple(steps)):
            step()

    def _log_event(self, event: Any) -> None:
        self.logger.debug("%s | %s, Firing handlers for event %s", self.state.epoch, self.state.iteration, event)

    def _handle_exception(self, e: BaseException) -> None:
        if not self._event_handlers[Events.EXCEPTION_RAISED]:
            raise e
        try:
            self._fire_event(Events.EXCEPTION_RAISED, e)
        except BaseException as raised:
            # Remember it so the outer level of the run loop does not hand it to the handlers a second time.
            self._handled_exception = raised
            raise

    # ------------------------------------------------------------------------------------------------ state dict
    @property
    def state_dict_user_keys(self) -> list[str]:
        """Names of extra ``engine.state`` attributes saved by :meth:`state_dict` (append to this list)."""
        return self._state_dict_user_keys

    def state_dict(self) -> OrderedDict[str, Any]:
        """``epoch_length``, ``iteration``, ``max_epochs`` (or ``max_iters`` when the run is bounded by
        iterations) and the attributes named in :attr:`state_dict_user_keys`.

        >>> engine = Engine(lambda engine, batch: None)
        >>> _ = engine.run(range(4), max_epochs=2)
        >>> dict(engine.state_dict())
        {'epoch_length': 4, 'iteration': 8, 'max_epochs': 2}
        """
        bound = "max_iters" if self.state.max_iters is not None else "max_epochs"
        keys = ["epoch_length", "iteration", bound, *self._state_dict_user_keys]
        return OrderedDict((key, getattr(self.state, key)) for key in keys)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore ``epoch_length``, ``max_epochs``/``max_iters``, ``iteration`` or ``epoch`` and the user keys.

        The next :meth:`run` then continues from there (mid-epoch included). A run paused by :meth:`interrupt`
        is discarded.
        """
        super().load_state_dict(state_dict)
        for key in self._state_dict_user_keys:
            if key not in state_dict:
                raise ValueError(
                    f"Required user state attribute '{key}' is absent in provided state_dict {list(state_dict)}"
                )
        epoch_length = state_dict["epoch_length"]
        if epoch_length is not None and not _is_positive_int(epoch_length):
            raise ValueError(f"state_dict['epoch_length'] should be a positive integer or None, got {epoch_length!r}")
        # max_epochs is None in the state of an engine that never ran: restoring it gives a fresh engine again.
        if "max_epochs" in state_dict and not (
            state_dict["max_epochs"] is None or _is_positive_int(state_dict["max_epochs"])
        ):
            raise ValueError(
                f"state_dict['max_epochs'] should be a positive integer or None, got {state_dict['max_epochs']!r}"
            )
        if "max_iters" in state_dict and not _is_positive_int(state_dict["max_iters"]):
            raise ValueError(f"state_dict['max_iters'] should be a positive integer, got {state_dict['max_iters']!r}")
        for key in ("iteration", "epoch"):
            value = state_dict.get(key, 0)
            if not _is_non_negative_int(value):
                raise ValueError(f"state_dict['{key}'] should be a non-negative integer, got {value!r}")
        if "epoch" in state_dict and epoch_length is None:
            raise ValueError(f"state_dict with 'epoch' needs a known 'epoch_length', got state_dict={dict(state_dict)}")

        state = self.state
        state.epoch_length = epoch_length
        if "max_iters" in state_dict:
            state.max_iters = state_dict["max_iters"]
            state.max_epochs = math.ceil(state.max_iters / epoch_length) if epoch_length is not None else None
        else:
            state.max_epochs, state.max_iters = state_dict["max_epochs"], None
        for key in self._state_dict_user_keys:
            setattr(state, key, state_dict[key])
        if "iteration" in state_dict:
            state.iteration = state_dict["iteration"]
            state.epoch = state.iteration // epoch_length if epoch_length is not None else 0
        else:
            state.epoch = state_dict["epoch"]
            state.iteration = epoch_length * state.epoch
        self._run_generator = None
        self._dataloader_iter = None
        self.should_terminate = self.should_terminate_single_epoch = self.should_interrupt = False

    # ------------------------------------------------------------------------------------------------------- run
    @staticmethod
    def _is_done(state: State) -> bool:
        if state.max_iters is not None and state.iteration >= state.max_iters:
            return True
        if state.max_epochs is None:
            return False
        if state.epoch_length is not None and state.iteration >= state.epoch_length * state.max_epochs:
            return True
        return state.epoch >= state.max_epochs

    def set_data(self, data: Iterable[Any]) -> None:
        """Take the next batches from ``data`` (e.g. to switch data loaders mid-run); ``epoch_length`` is unchanged."""
        if not isinstance(data, Iterable):
            raise TypeError(f"Argument data should be iterable, got {type(data).__name__}")
        self.state.dataloader = data
        self._dataloader_iter = iter(data)

    @staticmethod
    def _get_data_length(data: Iterable[Any]) -> int | None:
        try:
            if isinstance(data, Sized):
                return len(data)
        except TypeError:
            # A DataLoader over an IterableDataset may have no length.
            pass
        return None

    def _setup_data_iter(self) -> None:
        """(Re)start iterating over ``state.dataloader`` (a run with ``data=None`` yields ``None`` batches)."""
        if self.state.dataloader is None:
            if self.state.epoch_length is None:
                raise RuntimeError("Internal error: cannot iterate over data=None without epoch_length")
            self._dataloader_iter = iter([None] * self.state.epoch_length)
        else:
            self._dataloader_iter = iter(self.state.dataloader)

    def run(
        self,
        data: Iterable[Any] | None = None,
        max_epochs: int | None = None,
        max_iters: int | None = None,
        epoch_length: int | None = None,
    ) -> State:
        """Run the process function over ``data`` and return ``engine.state``.

        - First call, or the previous run completed: a new run of ``max_epochs`` (default 1) or ``max_iters``
          iterations, with ``epoch_length`` iterations per epoch (default ``len(data)``; for data without length, the
          first epoch ends when the data is exhausted and its length becomes ``epoch_length``).
        - After :meth:`interrupt`: resumes where it stopped. After :meth:`terminate`, an exception or
          :meth:`load_state_dict`: continues from ``state.iteration``; ``max_epochs`` may be raised, and ``data`` may
          be omitted to keep the previous data. Set ``engine.state.max_epochs = None`` to start over instead.
        - ``data=None`` needs ``epoch_length``; batches are then ``None`` unless :meth:`set_data` is called.
        """
        if data is not None and not isinstance(data, Iterable):
            raise TypeError(
                f"Argument data should be iterable (e.g. a list or a DataLoader), got {type(data).__name__}"
            )
        for name, value in (("max_epochs", max_epochs), ("max_iters", max_iters), ("epoch_length", epoch_length)):
            if value is not None and not _is_positive_int(value):
                raise ValueError(f"Argument {name} should be a positive integer, got {value!r}")
        if max_epochs is not None and max_iters is not None:
            raise ValueError(
                f"Arguments max_iters and max_epochs are mutually exclusive: got max_epochs={max_epochs} and "
                f"max_iters={max_iters}; provide only one of them"
            )
        if self._running:
            raise RuntimeError("Engine.run() was called while this engine is running (e.g. from one of its handlers)")

        state = self.state
        defined = state.max_epochs is not None or (self._run_generator is not None and state.max_iters is not None)
        resuming = defined and (self._run_generator is not None or not self._is_done(state))
        if resuming:
            self._prepare_resume(data, max_epochs, max_iters, epoch_length)
        else:
            self._prepare_new_run(data, max_epochs, max_iters, epoch_length)
        # A resumed run without data keeps the data it was given before.
        if self._dataloader_iter is None and (data is not None or not resuming):
            state.dataloader = data

        debug = self.logger.isEnabledFor(logging.DEBUG)
        if debug != self._debug_events:
            self._debug_events = debug
            self._rebuild_plans()
        if self._run_generator is None:
            self._run_generator = self._run_as_gen()
        self._running = True
        try:
            return next(self._run_generator)
        except StopIteration as stop:
            self._run_generator = None
            result: State = stop.value
            return result
        except BaseException:
            self._run_generator = None
            raise
        finally:
            self._running = False

    def _prepare_new_run(
        self, data: Iterable[Any] | None, max_epochs: int | None, max_iters: int | None, epoch_length: int | None
    ) -> None:
        if epoch_length is None:
            if data is None:
                raise ValueError("Argument epoch_length should be provided when data is None")
            epoch_length = self._get_data_length(data)
            if epoch_length is not None and epoch_length < 1:
                raise ValueError("Input data has zero size (len(data) == 0). Please provide non-empty data")
        if self._run_generator is not None:
            # An interrupted run abandoned with ``state.max_epochs = None``.
            self._run_generator.close()
            self._run_generator = None
            self._dataloader_iter = None
        if max_iters is None and max_epochs is None:
            max_epochs = 1
        if max_iters is not None and epoch_length is not None:
            max_epochs = math.ceil(max_iters / epoch_length)
        state = self.state
        state.iteration = state.epoch = 0
        state.max_epochs, state.max_iters, state.epoch_length = max_epochs, max_iters, epoch_length
        self._init_iter = 0
        for event in self._fire_counts:
            self._fire_counts[event] = 0
        self.logger.info("Engine run starting with max_epochs=%s.", max_epochs)

    def _prepare_resume(
        self, data: Iterable[Any] | None, max_epochs: int | None, max_iters: int | None, epoch_length: int | None
    ) -> None:
        state = self.state
        if max_epochs is not None:
            if max_epochs < state.epoch:
                raise ValueError(
                    "Argument max_epochs should be greater than or equal to the start epoch defined in the state: "
                    f"{max_epochs} vs {state.epoch}. Please, set engine.state.max_epochs = None before calling "
                    "engine.run() in order to restart the training from the beginning."
                )
            state.max_epochs = max_epochs
        if max_iters is not None:
            if max_iters < state.iteration:
                raise ValueError(
                    f"Argument max_iters should be greater than or equal to the current iteration of the state: "
                    f"{max_iters} vs {state.iteration}. Set engine.state.max_epochs = None to restart from scratch."
                )
            state.max_iters = max_iters
            if state.epoch_length is not None:
                state.max_epochs = math.ceil(max_iters / state.epoch_length)
        if epoch_length is not None and epoch_length != state.epoch_length:
            raise ValueError(
                f"Argument epoch_length should be same as in the state, but given {epoch_length} vs "
                f"{state.epoch_length}"
            )
        if self._run_generator is None:
            if state.epoch_length is None and data is None and state.dataloader is None:
                raise ValueError("Argument epoch_length should be provided when data is None")
            if self._should_terminate:
                # After terminate() the run goes on with a new, full epoch.
                self._init_iter = 0
            elif state.epoch_length is None:
                # Still in the first epoch, whose length is not known yet.
                state.epoch = 0
                self._init_iter = state.iteration
            else:
                # Otherwise (exception, load_state_dict) it continues inside the epoch that holds state.iteration.
                state.epoch = state.iteration // state.epoch_length
                self._init_iter = state.iteration % state.epoch_length
        self.logger.info(
            "Engine run resuming from iteration %s, epoch %s until %s epochs",
            state.iteration,
            state.epoch,
            state.max_epochs,
        )

    def _stop_point(self, in_epoch: bool) -> Generator[State, None, None]:
        """Where a requested terminate / terminate_epoch / interrupt takes effect."""
        if self._should_terminate:
            raise _Terminate
        if in_epoch and self._should_terminate_single_epoch:
            raise _TerminateEpoch
        if self._should_interrupt:
            self.should_interrupt = False
            self._fire_event(Events.INTERRUPT)
            yield self.state

    def _run_as_gen(self) -> Generator[State, None, State]:
        self.should_terminate = self.should_terminate_single_epoch = self.should_interrupt = False
        self._skip_completed = False
        self._handled_exception = None
        times = self.state.times
        times[Events.EPOCH_COMPLETED.name] = times[Events.COMPLETED.name] = 0.0
        run_start = time.perf_counter()
        try:
            try:
                self._fire_event(Events.STARTED)
                if self._signal:
                    yield from self._stop_point(in_epoch=False)
                while not self._is_done(self.state) and not self._should_terminate:
                    self.state.epoch += 1
                    epoch_start = time.perf_counter()
                    self._fire_event(Events.EPOCH_STARTED)
                    if self._signal:
                        yield from self._stop_point(in_epoch=False)
                    if self._dataloader_iter is None:
                        self._setup_data_iter()
                    yield from self._run_epoch()
                    # The duration is visible to EPOCH_COMPLETED handlers, then updated to include them.
                    self.state.times[Events.EPOCH_COMPLETED.name] = time.perf_counter() - epoch_start
                    self._fire_event(Events.EPOCH_COMPLETED)
                    epoch_time = self.state.times[Events.EPOCH_COMPLETED.name] = time.perf_counter() - epoch_start
                    if self._signal:
                        yield from self._stop_point(in_epoch=False)
                    self.logger.info(
                        "Epoch[%s] Complete. Time taken: %02d:%02d:%06.3f",
                        self.state.epoch,
                        *_to_hours_mins_secs(epoch_time),
                    )
            except _Terminate:
                self._fire_event(Events.TERMINATE)
            if not self._skip_completed:
                self.state.times[Events.COMPLETED.name] = time.perf_counter() - run_start
                self._fire_event(Events.COMPLETED)
            run_time = self.state.times[Events.COMPLETED.name] = time.perf_counter() - run_start
            self.logger.info("Engine run complete. Time taken: %02d:%02d:%06.3f", *_to_hours_mins_secs(run_time))
        except GeneratorExit:
            raise
        except BaseException as e:
            self._dataloader_iter = None
            if e is self._handled_exception:
                raise
            self.logger.debug("Engine run is terminating due to exception: %r", e)
            self._handle_exception(e)
        self._dataloader_iter = None
        return self.state

    def _run_epoch(self) -> Generator[State, None, None]:
        # The hot loop: events without handlers cost one dict lookup and one truth test.
        plans, process = self._plans, self._process_function
        get_batch_started, get_batch_completed = Events.GET_BATCH_STARTED, Events.GET_BATCH_COMPLETED
        iteration_started, iteration_completed = Events.ITERATION_STARTED, Events.ITERATION_COMPLETED
        state = self.state
        counter = self._init_iter or 0
        self._init_iter = None
        restarted = False  # the data was just restarted: GET_BATCH_STARTED already fired for this batch
        try:
            if self._signal:
                yield from self._stop_point(in_epoch=True)
            while True:
                state.batch = state.output = None
                if not restarted:
                    self.last_event_name = get_batch_started
                    steps = plans[get_batch_started]
                    if steps:
                        for step in steps:
                            step()
                        if self._signal:
                            yield from self._stop_point(in_epoch=True)
                            state = self.state
                try:
                    state.batch = next(self._dataloader_iter)  # type: ignore[arg-type]
                except StopIteration:
                    if state.epoch_length is None:
                        if counter == 0:
                            raise ValueError("Input data has zero size: the data iterator yielded no batch") from None
                        # Unknown length: this epoch defines it.
                        state.epoch_length = counter
                        if state.max_iters is not None:
                            state.max_epochs = math.ceil(state.max_iters / counter)
                        break
                    if restarted:
                        total = state.epoch_length * state.max_epochs if state.max_epochs else state.max_iters
                        warnings.warn(
                            "Data iterator can not provide data anymore but required total number of iterations to "
                            f"run is not reached. Current iteration: {state.iteration} vs Total iterations to run : "
                            f"{total}. The run stops here.",
                            stacklevel=2,
                        )
                        self.should_terminate = True
                        break
                    self._fire_event(Events.DATALOADER_STOP_ITERATION)
                    if self._signal:
                        yield from self._stop_point(in_epoch=True)
                    self._setup_data_iter()
                    restarted = True
                    continue
                restarted = False
                self.last_event_name = get_batch_completed
                steps = plans[get_batch_completed]
                if steps:
                    for step in steps:
                        step()
                    if self._signal:
                        yield from self._stop_point(in_epoch=True)
                        state = self.state
                counter += 1
                state.iteration += 1
                self.last_event_name = iteration_started
                steps = plans[iteration_started]
                if steps:
                    for step in steps:
                        step()
                    if self._signal:
                        yield from self._stop_point(in_epoch=True)
                        state = self.state
                state.output = process(self, state.batch)
                self.last_event_name = iteration_completed
                for step in plans[iteration_completed]:
                    step()
                # Always checked here: the process function itself may have called terminate() or interrupt().
                if self._signal:
                    yield from self._stop_point(in_epoch=True)
                    state = self.state
                if counter == state.epoch_length:
                    break
                if state.iteration == state.max_iters:
                    self.should_terminate = True
                    raise _Terminate
        except _TerminateEpoch:
            self._fire_event(Events.TERMINATE_SINGLE_EPOCH, iter_counter=counter)
            self.should_terminate_single_epoch = False
            self._setup_data_iter()
        except _Terminate:
            raise
        except Exception as e:
            self.logger.debug("Current run is terminating due to exception: %r", e)
            self._handle_exception(e)
