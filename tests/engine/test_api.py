"""Locks the public names of ignite.engine: an API change must show up as a diff here."""

from __future__ import annotations

import importlib
import pathlib

import pytest

import ignite.engine

ENGINE_ALL = [
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

MODULE_ALL = {
    "ignite.engine.engine": ["Engine", "HandlerWrapper"],
    "ignite.engine.events": [
        "CallableEventWithFilter",
        "EventEnum",
        "Events",
        "EventsList",
        "FilteredEvent",
        "RemovableEventHandle",
        "State",
    ],
    "ignite.engine.deterministic": [
        "DeterministicEngine",
        "ReproducibleBatchSampler",
        "keep_random_state",
        "update_dataloader",
    ],
    "ignite.engine.utils": [],
}


def test_ignite_engine_all() -> None:
    assert sorted(ignite.engine.__all__) == ENGINE_ALL
    for name in ENGINE_ALL:
        assert getattr(ignite.engine, name) is not None


@pytest.mark.parametrize("module_name", sorted(MODULE_ALL))
def test_module_all(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert sorted(module.__all__) == MODULE_ALL[module_name]
    for name in module.__all__:
        assert hasattr(module, name)


def test_names_are_the_same_objects_on_both_paths() -> None:
    from ignite.engine.deterministic import DeterministicEngine
    from ignite.engine.engine import Engine
    from ignite.engine.events import CallableEventWithFilter, EventEnum, Events, EventsList, RemovableEventHandle, State
    from ignite.engine.utils import _check_signature, _to_hours_mins_secs

    assert ignite.engine.Engine is Engine
    assert ignite.engine.DeterministicEngine is DeterministicEngine
    assert ignite.engine.Events is Events and ignite.engine.EventEnum is EventEnum
    assert ignite.engine.EventsList is EventsList and ignite.engine.State is State
    assert ignite.engine.CallableEventWithFilter is CallableEventWithFilter
    assert ignite.engine.RemovableEventHandle is RemovableEventHandle
    assert callable(_check_signature) and _to_hours_mins_secs(61.5) == (0, 1, 1.5)


def test_ignite_is_a_namespace_package() -> None:
    import ignite

    assert getattr(ignite, "__file__", None) is None
    for location in ignite.__path__:
        assert not (pathlib.Path(location) / "__init__.py").exists()
