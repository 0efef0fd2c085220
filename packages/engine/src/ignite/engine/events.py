"""Events fired by an :class:`~ignite.engine.engine.Engine`, their filtered forms, and the engine's ``State``.

- ``Events`` (and any user ``EventEnum``) is a plain :class:`enum.Enum`; calling a member,
  e.g. ``Events.ITERATION_COMPLETED(every=100)``, returns a frozen :class:`FilteredEvent` (event + filter).
- ``A | B`` builds an :class:`EventsList`.
- A filtered event compares and hashes like its event, so it can be used wherever the event is expected.
"""

from __future__ import annotations

import numbers
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from ignite.engine._filters import EventFilter, make_event_filter

__all__ = [
    "CallableEventWithFilter",
    "EventEnum",
    "Events",
    "EventsList",
    "FilteredEvent",
    "RemovableEventHandle",
    "State",
]


class CallableEventWithFilter:
    """Base of everything that can be registered as an event: members of an :class:`EventEnum` and the
    :class:`FilteredEvent` they create when called.

    Calling an event builds a filtered event; exactly one of ``event_filter``, ``once`` or
    (``every`` and/or ``before``/``after``) must be given:

    - ``event_filter(engine, event) -> bool``: any predicate of the event count (iteration or epoch);
    - ``every=n``: counts ``n, 2n, 3n, ...``;
    - ``once=n`` or ``once=[n1, n2, ...]``: only those counts;
    - ``before=b`` / ``after=a``: counts strictly between ``a`` and ``b``; with ``every=n`` also:
      ``a + 1, a + 1 + n, ...`` (before ``b``).

    >>> e = Events.ITERATION_COMPLETED(every=10)
    >>> e.filter(None, 20), e.filter(None, 25)
    (True, False)
    >>> e == Events.ITERATION_COMPLETED
    True
    """

    def __call__(
        self,
        event_filter: EventFilter | None = None,
        every: int | None = None,
        once: int | Sequence[int] | None = None,
        before: int | None = None,
        after: int | None = None,
    ) -> FilteredEvent:
        built = make_event_filter(event_filter=event_filter, every=every, once=once, before=before, after=after)
        return FilteredEvent(self._base_event(), built)

    def __or__(self, other: CallableEventWithFilter) -> EventsList:
        return EventsList() | self | other

    @property
    def filter(self) -> EventFilter | None:
        """The filter of this event, ``None`` when every firing counts."""
        return None

    def _base_event(self) -> EventEnum:
        raise NotImplementedError


class EventEnum(CallableEventWithFilter, Enum):
    """Base class of custom events: a plain Enum whose members can be called to make filtered events.

    >>> class BackpropEvents(EventEnum):
    ...     BACKWARD_STARTED = "backward_started"
    ...     BACKWARD_COMPLETED = "backward_completed"
    >>> BackpropEvents.BACKWARD_COMPLETED(every=2).filter(None, 4)
    True
    """

    # Enum's default hash runs Python code; identity hashing keeps the engine's per-event dict lookups cheap.
    # Members are singletons and compare by identity, so the two agree.
    __hash__ = object.__hash__

    def _base_event(self) -> EventEnum:
        return self


@dataclass(frozen=True, slots=True, eq=False)
class FilteredEvent(CallableEventWithFilter):
    """An event together with a filter; equal to (and hashed like) the bare event."""

    event: EventEnum
    event_filter: EventFilter | None = None

    @property
    def filter(self) -> EventFilter | None:
        return self.event_filter

    @property
    def name(self) -> str:
        return self.event.name

    @property
    def value(self) -> Any:
        return self.event.value

    def _base_event(self) -> EventEnum:
        return self.event

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FilteredEvent):
            return self.event is other.event
        if isinstance(other, EventEnum):
            return self.event is other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.event)

    def __str__(self) -> str:
        return f"<event={self.event.name}, filter={self.event_filter!r}>"


class Events(EventEnum):
    """Events fired by the :class:`~ignite.engine.engine.Engine` during a run.

    In order: ``STARTED``, then for each epoch ``EPOCH_STARTED``, for each iteration ``GET_BATCH_STARTED``,
    ``GET_BATCH_COMPLETED``, ``ITERATION_STARTED``, ``ITERATION_COMPLETED``, then ``EPOCH_COMPLETED``; finally
    ``COMPLETED``. ``DATALOADER_STOP_ITERATION`` fires when the data is exhausted and restarted inside a run.
    ``TERMINATE`` (after :meth:`~ignite.engine.engine.Engine.terminate`), ``TERMINATE_SINGLE_EPOCH`` (after
    ``terminate_epoch()``), ``INTERRUPT`` (after ``interrupt()``) and ``EXCEPTION_RAISED`` (handlers receive the
    exception) fire when those things happen.
    """

    EPOCH_STARTED = "epoch_started"
    EPOCH_COMPLETED = "epoch_completed"

    STARTED = "started"
    COMPLETED = "completed"

    ITERATION_STARTED = "iteration_started"
    ITERATION_COMPLETED = "iteration_completed"
    EXCEPTION_RAISED = "exception_raised"

    GET_BATCH_STARTED = "get_batch_started"
    GET_BATCH_COMPLETED = "get_batch_completed"

    DATALOADER_STOP_ITERATION = "dataloader_stop_iteration"
    TERMINATE = "terminate"
    TERMINATE_SINGLE_EPOCH = "terminate_single_epoch"
    INTERRUPT = "interrupt"


class EventsList:
    """Events combined with ``|``; a handler added for the list is added for each of them.

    >>> events = Events.STARTED | Events.ITERATION_COMPLETED(every=3) | Events.COMPLETED
    >>> len(events), events[0] is Events.STARTED
    (3, True)
    """

    def __init__(self) -> None:
        self._events: list[CallableEventWithFilter] = []

    def _append(self, event: CallableEventWithFilter) -> None:
        if not isinstance(event, CallableEventWithFilter):
            raise ValueError(
                f"Argument event should be an event (Events, EventEnum or a filtered event), got {type(event).__name__}"
            )
        self._events.append(event)

    def __getitem__(self, item: int) -> CallableEventWithFilter:
        return self._events[item]

    def __iter__(self) -> Iterator[CallableEventWithFilter]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __or__(self, other: CallableEventWithFilter) -> EventsList:
        self._append(other)
        return self

    def __repr__(self) -> str:
        return f"EventsList({self._events!r})"


class State:
    """The engine's run state, shared with handlers through ``engine.state``.

    Attributes: ``iteration`` and ``epoch`` (1-based while running, 0 before), ``epoch_length``, ``max_epochs``,
    ``max_iters``, ``batch``, ``output``, ``metrics`` (dict), ``dataloader``, ``seed`` and ``times`` (seconds taken by
    the last epoch and by the whole run, under the keys ``"EPOCH_COMPLETED"`` and ``"COMPLETED"``).
    Handlers may add their own attributes.

    ``event_to_attr`` maps an event to the state attribute its filters look at. The class-level dict holds the
    built-in events; each instance gets its own copy, which ``Engine.register_events(..., event_to_attr=...)`` extends.

    >>> s = State(iteration=12)
    >>> s.get_event_attrib_value(Events.ITERATION_COMPLETED(every=3))
    12
    """

    event_to_attr: dict[Any, str] = {  # noqa: RUF012  (instances copy it: it is never mutated per engine)
        Events.GET_BATCH_STARTED: "iteration",
        Events.GET_BATCH_COMPLETED: "iteration",
        Events.ITERATION_STARTED: "iteration",
        Events.ITERATION_COMPLETED: "iteration",
        Events.EPOCH_STARTED: "epoch",
        Events.EPOCH_COMPLETED: "epoch",
        Events.STARTED: "epoch",
        Events.COMPLETED: "epoch",
    }

    def __init__(self, **kwargs: Any) -> None:
        self.iteration = 0
        self.epoch = 0
        self.epoch_length: int | None = None
        self.max_epochs: int | None = None
        self.max_iters: int | None = None
        self.output: Any = None
        self.batch: Any = None
        self.metrics: dict[str, Any] = {}
        self.dataloader: Any = None
        self.seed: int | None = None
        self.times: dict[str, float | None] = {Events.EPOCH_COMPLETED.name: None, Events.COMPLETED.name: None}
        self.event_to_attr = dict(State.event_to_attr)
        for key, value in kwargs.items():
            setattr(self, key, value)
        self._update_attrs()

    def _update_attrs(self) -> None:
        for attr in self.event_to_attr.values():
            if not hasattr(self, attr):
                setattr(self, attr, 0)

    def get_event_attrib_value(self, event_name: Any) -> int:
        """The value of the state attribute associated with ``event_name`` (e.g. ``iteration``)."""
        if event_name not in self.event_to_attr:
            raise RuntimeError(f"Unknown event name '{event_name}': it has no state attribute in event_to_attr")
        value: int = getattr(self, self.event_to_attr[event_name])
        return value

    def __repr__(self) -> str:
        lines = ["State:"]
        for attr, value in self.__dict__.items():
            if attr == "event_to_attr":
                continue
            shown = value if isinstance(value, (numbers.Number, str)) or value is None else type(value)
            lines.append(f"\t{attr}: {shown}")
        return "\n".join(lines) + "\n"

    if TYPE_CHECKING:
        # Handlers store their own values on the state; let type checkers accept them.
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


class _HandlerOwner(Protocol):
    def has_event_handler(self, handler: Callable[..., Any], event_name: Any = None) -> bool: ...

    def remove_event_handler(self, handler: Callable[..., Any], event_name: Any) -> None: ...


def _weak(obj: Any) -> Callable[[], Any]:
    # A bound method is created anew at each attribute access: only WeakMethod keeps it alive as long as its object.
    if hasattr(obj, "__self__") and hasattr(obj, "__func__"):
        return weakref.WeakMethod(obj)
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


class RemovableEventHandle:
    """Handle returned by ``add_event_handler``: ``handle.remove()``, or use it as a context manager.

    It holds the handler and the engine weakly, so it never keeps them alive.

    >>> from ignite.engine import Engine
    >>> engine = Engine(lambda engine, batch: None)
    >>> def hello():
    ...     print("hello")
    >>> with engine.add_event_handler(Events.STARTED, hello):
    ...     _ = engine.run([1])
    hello
    >>> engine.has_event_handler(hello)
    False
    """

    def __init__(self, event_name: Any, handler: Callable[..., Any], engine: _HandlerOwner) -> None:
        self.event_name = event_name
        self.handler = _weak(handler)
        self.engine = _weak(engine)

    def remove(self) -> None:
        """Remove the handler from the engine (no-op when either is gone or it was already removed)."""
        handler = self.handler()
        engine = self.engine()
        if handler is None or engine is None:
            return
        events = list(self.event_name) if isinstance(self.event_name, EventsList) else [self.event_name]
        for event in events:
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)

    def __enter__(self) -> RemovableEventHandle:
        return self

    def __exit__(self, *args: object) -> None:
        self.remove()
