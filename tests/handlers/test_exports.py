from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator

import pytest

import ignite.handlers

EXPECTED_ALL = [
    "BaseParamScheduler",
    "BaseSaveHandler",
    "BasicTimeProfiler",
    "Checkpoint",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "DiskSaver",
    "EMAHandler",
    "EarlyStopping",
    "EpochOutputStore",
    "FBResearchLogger",
    "ExpStateScheduler",
    "FastaiLRFinder",
    "HandlersTimeProfiler",
    "LambdaStateScheduler",
    "MultiStepStateScheduler",
    "PiecewiseLinearStateScheduler",
    "StateParamScheduler",
    "StepStateScheduler",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "ModelCheckpoint",
    "ParamGroupScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
    "ReduceLROnPlateauScheduler",
    "TerminateOnNan",
    "TimeLimit",
    "Timer",
    "create_lr_scheduler_with_warmup",
    "global_step_from_engine",
]


def test_all_is_locked() -> None:
    assert sorted(ignite.handlers.__all__) == sorted(EXPECTED_ALL)
    for name in EXPECTED_ALL:
        assert getattr(ignite.handlers, name) is not None


def test_star_import_works_without_contrib_loggers() -> None:
    namespace: dict[str, object] = {}
    exec("from ignite.handlers import *", namespace)
    assert set(EXPECTED_ALL) <= set(namespace)


def test_unknown_attribute_is_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NotAHandler'"):
        _ = ignite.handlers.NotAHandler


def test_contrib_logger_without_distribution_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail exactly as if the distribution were not installed.
    monkeypatch.setitem(sys.modules, "ignite.contrib.handlers", None)
    with pytest.raises(ImportError, match="ignite-contrib-loggers") as info:
        _ = ignite.handlers.TensorboardLogger
    assert "TensorboardLogger" in str(info.value)


def test_contrib_logger_resolves_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    fake = types.ModuleType("ignite.contrib.handlers")
    marker = type("ProgressBar", (), {})
    fake.ProgressBar = marker  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ignite.contrib.handlers", fake)
    assert ignite.handlers.ProgressBar is marker


def test_contrib_logger_missing_from_installed_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    monkeypatch.setitem(sys.modules, "ignite.contrib.handlers", types.ModuleType("ignite.contrib.handlers"))
    with pytest.raises(ImportError, match="does not define it"):
        _ = ignite.handlers.VisdomLogger


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("ignite.handlers.checkpoint", ["BaseSaveHandler", "Checkpoint", "DiskSaver", "ModelCheckpoint"]),
        ("ignite.handlers.early_stopping", ["EarlyStopping"]),
        ("ignite.handlers.ema_handler", ["EMAHandler"]),
        ("ignite.handlers.lr_finder", ["FastaiLRFinder"]),
        ("ignite.handlers.stores", ["EpochOutputStore"]),
        ("ignite.handlers.fbresearch_logger", ["FBResearchLogger"]),
        ("ignite.handlers.terminate_on_nan", ["TerminateOnNan"]),
        ("ignite.handlers.time_limit", ["TimeLimit"]),
        ("ignite.handlers.time_profilers", ["BasicTimeProfiler", "HandlersTimeProfiler"]),
        ("ignite.handlers.timing", ["Timer"]),
        ("ignite.handlers.utils", ["global_step_from_engine"]),
        (
            "ignite.handlers.state_param_scheduler",
            [
                "ExpStateScheduler",
                "LambdaStateScheduler",
                "MultiStepStateScheduler",
                "PiecewiseLinearStateScheduler",
                "StateParamScheduler",
                "StepStateScheduler",
            ],
        ),
        (
            "ignite.handlers.param_scheduler",
            [
                "BaseParamScheduler",
                "ConcatScheduler",
                "CosineAnnealingScheduler",
                "CyclicalScheduler",
                "LRScheduler",
                "LinearCyclicalScheduler",
                "ParamGroupScheduler",
                "ParamScheduler",
                "PiecewiseLinear",
                "ReduceLROnPlateauScheduler",
                "create_lr_scheduler_with_warmup",
            ],
        ),
    ],
)
def test_module_paths_of_ignite(module: str, names: list[str]) -> None:
    imported = importlib.import_module(module)
    assert sorted(imported.__all__) == sorted(names)
    for name in names:
        assert getattr(imported, name) is getattr(ignite.handlers, name)


LOGGER_MODULE_PATHS = [
    "base_logger",
    "clearml_logger",
    "mlflow_logger",
    "neptune_logger",
    "tensorboard_logger",
    "tqdm_logger",
    "visdom_logger",
    "wandb_logger",
]


@pytest.fixture
def restore_modules() -> Iterator[None]:
    # The shims below are imported against fake or missing packages: put sys.modules back as it was afterwards.
    saved = dict(sys.modules)
    yield
    sys.modules.clear()
    sys.modules.update(saved)


@pytest.mark.usefixtures("restore_modules")
@pytest.mark.parametrize("module", LOGGER_MODULE_PATHS)
def test_logger_module_path_without_distribution_names_it(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    # The package and the module itself: another test of this process may have imported the real module already.
    monkeypatch.setitem(sys.modules, "ignite.contrib.handlers", None)
    monkeypatch.setitem(sys.modules, f"ignite.contrib.handlers.{module}", None)
    monkeypatch.delitem(sys.modules, f"ignite.handlers.{module}", raising=False)
    with pytest.raises(ImportError, match=r'pip install "ignite-contrib-loggers"') as info:
        importlib.import_module(f"ignite.handlers.{module}")
    assert f"ignite.contrib.handlers.{module}" in str(info.value)


@pytest.mark.usefixtures("restore_modules")
def test_logger_module_path_copies_the_public_names(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    package = types.ModuleType("ignite.contrib.handlers")
    package.__path__ = []
    source = types.ModuleType("ignite.contrib.handlers.visdom_logger")
    marker = type("VisdomLogger", (), {})
    source.VisdomLogger = marker  # type: ignore[attr-defined]
    source.__all__ = ["VisdomLogger"]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ignite.contrib.handlers", package)
    monkeypatch.setitem(sys.modules, "ignite.contrib.handlers.visdom_logger", source)
    monkeypatch.delitem(sys.modules, "ignite.handlers.visdom_logger", raising=False)
    shim = importlib.import_module("ignite.handlers.visdom_logger")
    assert shim.__all__ == ["VisdomLogger"] and shim.VisdomLogger is marker
