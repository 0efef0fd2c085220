"""`ignite.engine` (distribution `ignite-engine`): the Engine, its events and the supervised trainer factories."""

from __future__ import annotations

# --- supervised factories (ignite.engine._supervised) ---
from ignite.engine._supervised import (
    _prepare_batch as _prepare_batch,  # private, but importable from here as in Ignite
)
from ignite.engine._supervised import (
    create_supervised_evaluator,
    create_supervised_trainer,
    supervised_evaluation_step,
    supervised_evaluation_step_amp,
    supervised_training_step,
    supervised_training_step_amp,
    supervised_training_step_apex,
    supervised_training_step_tpu,
)
from ignite.engine.deterministic import DeterministicEngine
from ignite.engine.engine import Engine, HandlerWrapper
from ignite.engine.events import CallableEventWithFilter, EventEnum, Events, EventsList, RemovableEventHandle, State

__all__ = [
    "CallableEventWithFilter",
    "DeterministicEngine",
    "Engine",
    "EventEnum",
    "Events",
    "EventsList",
    "HandlerWrapper",
    "RemovableEventHandle",
    "State",
    "create_supervised_evaluator",
    "create_supervised_trainer",
    "supervised_evaluation_step",
    "supervised_evaluation_step_amp",
    "supervised_training_step",
    "supervised_training_step_amp",
    "supervised_training_step_apex",
    "supervised_training_step_tpu",
]
