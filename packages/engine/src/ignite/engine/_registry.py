"""Handler registrations and the per-event "plans" the engine runs when an event fires.

A plan is a tuple of zero-argument callables, rebuilt whenever the handlers of that event change. An event with no
handler has an empty plan, so the run loop skips it with a single truth test. Consecutive handlers registered with
equal filters share one step that evaluates the filter once (for ``every`` filters: one modulo).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Protocol

from ignite.engine._filters import EventFilter, EveryFilter
from ignite.engine.events import Events
from ignite.engine.utils import _describe, _signature_accepts

__all__ = [
    "HandlerWrapper",
    "Registration",
    "Step",
    "compile_plan",
    "filtered_step",
    "make_registration",
    "value_getter",
    "wrap_call",
    "wrap_steps",
]

Step = Callable[[], Any]


class HandlerWrapper(Protocol):
    """What :meth:`Engine.add_handler_wrapper <ignite.engine.engine.Engine.add_handler_wrapper>` accepts: an object
    that may replace each handler call of an engine and add steps around each event firing (profilers use it).

    Whenever the handlers of an event change, the engine calls :meth:`wrap_handler` once for each handler of that
    event, in registration order, then :meth:`wrap_event` once for the event.
    """

    def wrap_handler(self, event: Any, handler: Callable[..., Any], call: Step) -> Step:
        """Return what the engine runs instead of ``call`` each time ``handler`` runs for ``event``.

        ``call`` takes no argument (the engine and the handler's arguments are already bound to it). A filtered
        handler reaches the returned callable only when its filter lets it run.
        """
        ...

    def wrap_event(self, event: Any, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        """Return the zero-argument steps the engine runs each time ``event`` fires, given the steps it would run
        (built from the wrapped handlers; empty for an event with no handler): unchanged, or with steps added
        before and after them."""
        ...


@dataclass(eq=False)
class Registration:
    """One ``add_event_handler`` call for one event."""

    handler: Callable[..., Any]
    event_filter: EventFilter | None
    with_engine: bool
    takes_iter_counter: bool
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    # The handler bound to its arguments, used for events fired without extra arguments.
    call: Step


def _param_names(fn: Callable[..., Any]) -> str:
    try:
        return str(list(inspect.signature(fn).parameters))
    except (TypeError, ValueError):
        return "<unknown>"


def make_registration(
    engine: Any, event: Any, event_filter: EventFilter | None, handler: Callable[..., Any], args: Any, kwargs: Any
) -> Registration:
    """Decide how ``handler`` is called (with or without the engine first), checking its signature once."""
    if not callable(handler):
        raise TypeError(f"Argument handler should be callable, got {type(handler).__name__}")
    # EXCEPTION_RAISED handlers receive the exception after the engine; TERMINATE_SINGLE_EPOCH handlers may take
    # an ``iter_counter`` keyword (the iterations run in the terminated epoch).
    event_args: tuple[Any, ...] = (Exception(),) if event is Events.EXCEPTION_RAISED else ()
    counter_options = (True, False) if event is Events.TERMINATE_SINGLE_EPOCH else (False,)
    for takes_counter in counter_options:
        for with_engine in (True, False):
            lead = (engine,) if with_engine else ()
            extra = {"iter_counter": 0} if takes_counter else {}
            if _signature_accepts(handler, *lead, *event_args, *args, **{**kwargs, **extra}):
                bound: Step = functools.partial(handler, *lead, *args, **kwargs) if lead or args or kwargs else handler
                return Registration(handler, event_filter, with_engine, takes_counter, tuple(args), dict(kwargs), bound)
    shown = [*(["exception"] if event_args else []), *map(repr, args), *(f"{key}=..." for key in kwargs)]
    raise ValueError(
        f"Error adding {_describe(handler)} 'handler' for event {event}: it takes parameters {_param_names(handler)} "
        f"but will be called with {['engine', *shown]} or {shown}. Expected handler(engine, ...) or handler(...) "
        "accepting the arguments given to add_event_handler."
    )


def value_getter(engine: Any, event: Any, fire_counts: dict[Any, int]) -> Callable[[], int]:
    """The count a filter of ``event`` looks at: its state attribute, or how many times it was fired in this run."""
    attr = engine.state.event_to_attr.get(event)
    if attr is not None:
        return functools.partial(attrgetter(f"state.{attr}"), engine)
    return functools.partial(fire_counts.__getitem__, event)


def filtered_step(engine: Any, value: Callable[[], int], event_filter: EventFilter, calls: tuple[Step, ...]) -> Step:
    if isinstance(event_filter, EveryFilter):
        every = event_filter.every

        def every_step() -> None:
            if value() % every == 0:
                for call in calls:
                    call()

        return every_step

    def filtered_step() -> None:
        if event_filter(engine, value()):
            for call in calls:
                call()

    return filtered_step


def wrap_call(wrappers: Sequence[HandlerWrapper], event: Any, handler: Callable[..., Any], call: Step) -> Step:
    """``call`` passed through the ``wrap_handler`` of each wrapper, the first one added innermost."""
    for wrapper in wrappers:
        call = wrapper.wrap_handler(event, handler, call)
    return call


def wrap_steps(wrappers: Sequence[HandlerWrapper], event: Any, steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """``steps`` passed through the ``wrap_event`` of each wrapper, the first one added innermost."""
    for wrapper in wrappers:
        steps = tuple(wrapper.wrap_event(event, steps))
    return steps


def compile_plan(
    engine: Any,
    event: Any,
    registrations: list[Registration],
    fire_counts: dict[Any, int],
    debug_step: Step | None,
    wrappers: Sequence[HandlerWrapper] = (),
) -> tuple[Step, ...]:
    """Build the steps run when ``event`` fires, preserving registration order."""
    calls = [wrap_call(wrappers, event, r.handler, r.call) for r in registrations] if wrappers else None
    steps: list[Step] = [] if debug_step is None else [debug_step]
    i = 0
    while i < len(registrations):
        event_filter = registrations[i].event_filter
        if event_filter is None:
            steps.append(registrations[i].call if calls is None else calls[i])
            i += 1
            continue
        j = i + 1
        while j < len(registrations) and registrations[j].event_filter == event_filter:
            j += 1
        group = tuple(r.call for r in registrations[i:j]) if calls is None else tuple(calls[i:j])
        steps.append(filtered_step(engine, value_getter(engine, event, fire_counts), event_filter, group))
        i = j
    return wrap_steps(wrappers, event, tuple(steps)) if wrappers else tuple(steps)
