"""Every script of examples/ (except the demo and the loggers) run in a subprocess on its small default settings."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))
_examples = importlib.import_module("_examples")


def _value(stdout: str, name: str) -> str:
    match = re.search(rf"^{re.escape(name)}: (.+)$", stdout, flags=re.MULTILINE)
    assert match, f"no line '{name}: ...' in:\n{stdout}"
    return match.group(1)


def test_every_example_has_a_docstring_that_says_how_to_run_it() -> None:
    scripts = sorted(_examples.EXAMPLES.rglob("*.py"))
    assert len(scripts) >= 15
    for script in scripts:
        docstring = ast.get_docstring(ast.parse(script.read_text()))
        assert docstring, f"{script} has no module docstring"
        assert "Run" in docstring, f"the docstring of {script} does not say how to run it"


def test_supervised_basics(tmp_path: Path) -> None:
    stdout = _examples.run_example("supervised_basics.py", "--epochs", "3", cwd=tmp_path)
    assert len(re.findall(r"^validation after epoch \d", stdout, flags=re.MULTILINE)) == 3
    assert float(_value(stdout, "final validation accuracy")) >= 0.9


def test_custom_events(tmp_path: Path) -> None:
    stdout = _examples.run_example("custom_events.py", "--epochs", "2", cwd=tmp_path)
    # 10 batches x 2 epochs: every custom event fired once per iteration, the filtered handler every 4th time.
    assert "iterations 20, backward passes 20, gradient norms recorded 20, optimizer steps 20" in stdout
    reported = [int(n) for n in re.findall(r"^backward pass (\d+):", stdout, flags=re.MULTILINE)]
    assert reported == [4, 8, 12, 16, 20]


def test_event_filters(tmp_path: Path) -> None:
    stdout = _examples.run_example("event_filters.py", cwd=tmp_path)
    assert ast.literal_eval(_value(stdout, "every_3")) == [3, 6, 9, 12, 15, 18]
    assert ast.literal_eval(_value(stdout, "once_7")) == [7]
    assert ast.literal_eval(_value(stdout, "odd_epochs")) == [1, 3]
    assert ast.literal_eval(_value(stdout, "combined")) == [
        "STARTED@0",
        "EPOCH_COMPLETED@2",
        "EPOCH_COMPLETED@4",
        "COMPLETED@4",
    ]


def test_metric_arithmetic(tmp_path: Path) -> None:
    stdout = _examples.run_example("metric_arithmetic.py", cwd=tmp_path)
    f1_per_class = ast.literal_eval(_value(stdout, "f1_per_class"))
    assert len(f1_per_class) == 3 and all(0.5 < v < 1.0 for v in f1_per_class)
    # The F1 written as P * R * 2 / (P + R) and the library's Fbeta(1.0) agree to the printed digits.
    assert _value(stdout, "f1_macro") == _value(stdout, "fbeta_1")
    assert float(_value(stdout, "f1_macro")) == pytest.approx(sum(f1_per_class) / 3, abs=1e-4)
    assert 50.0 < float(_value(stdout, "accuracy_percent")) < 100.0


def test_metrics_without_engine_never_imports_the_engine(tmp_path: Path) -> None:
    # A path hook of the interpreter makes any import of ignite.engine fail, as if ignite-engine were not installed.
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class _NoEngine:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ignite.engine' or name.startswith('ignite.engine.'):\n"
        "            raise ImportError('ignite.engine is blocked for this test')\n"
        "        return None\n"
        "sys.meta_path.insert(0, _NoEngine())\n"
    )
    stdout = _examples.run_example(
        "metrics_without_engine.py", "--epochs", "3", cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)}
    )
    accuracies = [float(a) for a in re.findall(r"^epoch \d: accuracy ([0-9.]+)", stdout, flags=re.MULTILINE)]
    assert len(accuracies) == 3 and accuracies[-1] >= 0.9 and accuracies[-1] > accuracies[0]
    assert "confusion matrix of the last epoch" in stdout


def test_the_engine_blocker_works(tmp_path: Path) -> None:
    # The check above means something only if the blocker does stop an import of ignite.engine.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class _NoEngine:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ignite.engine' or name.startswith('ignite.engine.'):\n"
        "            raise ImportError('ignite.engine is blocked for this test')\n"
        "        return None\n"
        "sys.meta_path.insert(0, _NoEngine())\n"
    )
    with pytest.raises(AssertionError, match=r"ignite\.engine is blocked"):
        _examples.run_example("event_filters.py", cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})


def test_checkpoint_resume_matches_the_uninterrupted_run(tmp_path: Path) -> None:
    stdout = _examples.run_example("checkpoint_resume.py", "--output-dir", str(tmp_path / "ckpt"), cwd=tmp_path)
    assert "2. crashed: simulated failure at iteration 20 (epoch 3)" in stdout
    assert "3. resumed from last_checkpoint_16.pt at epoch 2" in stdout
    assert "resumed run matches the uninterrupted run: True" in stdout
    reference = re.search(r"1\. uninterrupted: 4 epochs, final loss ([0-9.]+)", stdout)
    resumed = re.search(r"3\. resumed from .* final loss ([0-9.]+)", stdout)
    assert reference and resumed and reference.group(1) == resumed.group(1)


_DISTRIBUTED_LINES = ("world size 2, backend gloo, batches over all ranks 64", "final val accuracy: ")


@pytest.mark.slow
def test_distributed_spawn(tmp_path: Path) -> None:
    stdout = _examples.run_example("distributed_spawn.py", "--nproc", "2", "--epochs", "1", cwd=tmp_path)
    # 2048 samples, global batch 64 -> 32 per process: 32 batches per rank, 64 over both; only rank 0 prints.
    for line in _DISTRIBUTED_LINES:
        assert stdout.count(line) == 1, stdout
    assert float(_value(stdout, "final val accuracy")) >= 0.9


@pytest.mark.slow
def test_distributed_torchrun(tmp_path: Path) -> None:
    stdout = _examples.run_example(
        "distributed_torchrun.py",
        "--epochs",
        "1",
        cwd=tmp_path,
        module_prefix=("-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"),
    )
    for line in _DISTRIBUTED_LINES:
        assert stdout.count(line) == 1, stdout
    assert float(_value(stdout, "final val accuracy")) >= 0.9
