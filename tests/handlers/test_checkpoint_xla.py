"""Checkpointing a model that lives on the XLA device (run by tools/xla_tier, PJRT on the CPU).

The saved file must hold CPU tensors, as torch_xla's own ``xm.save`` writes them: loadable with
``weights_only=True`` and no XLA device. Elsewhere these tests are deselected by the ``xla`` marker; inside the tier
(``IGNITE_TEST_TIER=xla``) a missing torch_xla fails them instead of skipping.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pytest
import torch

import ignite.distributed as idist
from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint, DiskSaver

pytestmark = pytest.mark.xla


def _import_or_fail(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        message = f"{name} is not importable ({error}); tools/xla_tier builds the environment that has it"
        if os.environ.get("IGNITE_TEST_TIER") == "xla":
            pytest.fail(message)
        pytest.skip(message)


def test_checkpoint_of_an_xla_model_holds_cpu_tensors(tmp_path: Path) -> None:
    os.environ.setdefault("PJRT_DEVICE", "CPU")
    _import_or_fail("torch_xla.core.xla_model")
    with idist.Parallel(backend="xla-tpu"):
        device = idist.device()
        assert device.type == "xla"
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 2).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(engine: Engine, batch: torch.Tensor) -> float:
            optimizer.zero_grad()
            loss = model(batch.to(device)).pow(2).sum()
            loss.backward()
            optimizer.step()
            return float(loss.item())

        trainer = Engine(step)
        checkpoint = Checkpoint({"model": model, "optimizer": optimizer}, DiskSaver(tmp_path), n_saved=1)
        trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
        trainer.run([torch.ones(4, 3)] * 3, max_epochs=2)
        expected = {name: value.cpu() for name, value in model.state_dict().items()}

    assert checkpoint.last_checkpoint is not None
    saved = torch.load(checkpoint.last_checkpoint, weights_only=True)
    for name, value in saved["model"].items():
        assert value.device.type == "cpu", name
        assert torch.equal(value, expected[name]), name
    momentum = [state["momentum_buffer"] for state in saved["optimizer"]["state"].values()]
    assert momentum and all(buffer.device.type == "cpu" for buffer in momentum)
