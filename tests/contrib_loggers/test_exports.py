"""Exported names, the ignite.handlers re-export shim, and lazy imports of the backends."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import ignite.contrib.engines
import ignite.contrib.handlers
import ignite.handlers
from ignite.contrib.engines import common
from ignite.contrib.handlers import base_logger, tensorboard_logger, tqdm_logger


def test_contrib_handlers_all_snapshot() -> None:
    assert sorted(ignite.contrib.handlers.__all__) == [
        "BaseHandler",
        "BaseLogger",
        "BaseOptimizerParamsHandler",
        "BaseOutputHandler",
        "BaseWeightsHandler",
        "BaseWeightsHistHandler",
        "BaseWeightsScalarHandler",
        "BasicTimeProfiler",
        "ClearMLLogger",
        "ClearMLSaver",
        "ConcatScheduler",
        "CosineAnnealingScheduler",
        "EpochOutputStore",
        "FastaiLRFinder",
        "GradsHistHandler",
        "GradsScalarHandler",
        "HandlersTimeProfiler",
        "LRScheduler",
        "LinearCyclicalScheduler",
        "LoggerBackend",
        "MLflowLogger",
        "NeptuneLogger",
        "NeptuneSaver",
        "OptimizerParamsHandler",
        "OutputHandler",
        "ParamGroupScheduler",
        "PiecewiseLinear",
        "ProgressBar",
        "TensorboardLogger",
        "VisdomLogger",
        "WandBLogger",
        "WeightsHistHandler",
        "WeightsScalarHandler",
        "create_lr_scheduler_with_warmup",
        "global_step_from_engine",
    ]
    for name in ignite.contrib.handlers.__all__:
        assert getattr(ignite.contrib.handlers, name) is not None


def test_module_all_snapshots() -> None:
    assert sorted(tensorboard_logger.__all__) == [
        "GradsHistHandler",
        "GradsScalarHandler",
        "OptimizerParamsHandler",
        "OutputHandler",
        "TensorboardLogger",
        "WeightsHistHandler",
        "WeightsScalarHandler",
        "global_step_from_engine",
    ]
    assert tqdm_logger.__all__ == ["ProgressBar"]
    assert len(base_logger.__all__) == 8
    assert ignite.contrib.engines.__all__ == ["Tbptt_Events", "create_supervised_tbptt_trainer"]
    assert sorted(common.__all__) == [
        "add_early_stopping_by_val_score",
        "empty_cuda_cache",
        "gen_save_best_models_by_val_score",
        "get_default_score_fn",
        "save_best_model_by_val_score",
        "setup_any_logging",
        "setup_clearml_logging",
        "setup_common_distrib_training_handlers",
        "setup_common_training_handlers",
        "setup_mlflow_logging",
        "setup_neptune_logging",
        "setup_tb_logging",
        "setup_trains_logging",
        "setup_visdom_logging",
        "setup_wandb_logging",
    ]


def test_ignite_handlers_shim_resolves_to_contrib_classes() -> None:
    assert ignite.handlers.ProgressBar is ignite.contrib.handlers.ProgressBar
    assert ignite.handlers.TensorboardLogger is ignite.contrib.handlers.TensorboardLogger
    assert tensorboard_logger.global_step_from_engine is ignite.handlers.global_step_from_engine


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_the_package_does_not_import_tensorboard() -> None:
    out = _run(
        """
        import sys
        import ignite.contrib.handlers
        import ignite.contrib.engines.common
        from ignite.handlers import TensorboardLogger, ProgressBar
        heavy = [m for m in sys.modules if m.startswith(("tensorboard", "torch.utils.tensorboard", "tensorboardX"))]
        print(heavy)
        """
    )
    assert out == "[]"


def test_missing_tensorboard_gives_the_pip_command() -> None:
    out = _run(
        """
        import sys
        # A None entry makes the import fail as if the package were not installed.
        for name in ("tensorboard", "torch.utils.tensorboard", "tensorboardX"):
            sys.modules[name] = None
        from ignite.contrib.handlers import TensorboardLogger
        try:
            TensorboardLogger(log_dir="unused")
        except ModuleNotFoundError as error:
            print(error)
        """
    )
    assert 'pip install "ignite-contrib-loggers[tensorboard]"' in out


DEPRECATED_PATHS = {
    "param_scheduler": ["ConcatScheduler", "PiecewiseLinear", "create_lr_scheduler_with_warmup"],
    "time_profilers": ["BasicTimeProfiler", "HandlersTimeProfiler"],
    "lr_finder": ["FastaiLRFinder"],
}


@pytest.mark.parametrize("module", sorted(DEPRECATED_PATHS))
def test_moved_contrib_paths_warn_and_give_the_handlers_objects(module: str) -> None:
    # A fresh interpreter: the warning is raised once, when the module is first imported.
    names = DEPRECATED_PATHS[module]
    code = textwrap.dedent(
        f"""
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from ignite.contrib.handlers.{module} import {", ".join(names)}
        import ignite.handlers.{module} as moved
        assert any(issubclass(w.category, DeprecationWarning) and "ignite.handlers.{module}" in str(w.message)
                   for w in caught), [str(w.message) for w in caught]
        for name in {names!r}:
            assert locals()[name] is getattr(moved, name), name
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "module",
    [
        "base_logger",
        "clearml_logger",
        "mlflow_logger",
        "neptune_logger",
        "tensorboard_logger",
        "tqdm_logger",
        "visdom_logger",
        "wandb_logger",
    ],
)
def test_ignite_handlers_logger_paths_are_the_contrib_modules(module: str) -> None:
    import importlib

    old = importlib.import_module(f"ignite.handlers.{module}")
    new = importlib.import_module(f"ignite.contrib.handlers.{module}")
    assert old.__all__ == new.__all__
    for name in new.__all__:
        assert getattr(old, name) is getattr(new, name)


def test_top_level_names_of_every_logger() -> None:
    for name in (
        "VisdomLogger",
        "NeptuneLogger",
        "MLflowLogger",
        "WandBLogger",
        "ClearMLLogger",
        "ClearMLSaver",
        "NeptuneSaver",
    ):
        assert getattr(ignite.handlers, name) is getattr(ignite.contrib.handlers, name)
