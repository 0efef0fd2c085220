"""Helper process of test_checkpoint_sigkill.py: deterministic training with a checkpoint after every iteration.

Importing torch takes seconds, so this process imports once and then serves as a fork server: for each
"run CHECKPOINT_DIR FINAL_PATH" line on stdin it forks a trainer, which resumes from the newest checkpoint in
CHECKPOINT_DIR (if any), prints "READY <pid> <iteration>" when training is about to start, and writes the final
weights to FINAL_PATH when training is complete. The test SIGKILLs that trainer by pid, then sends "reap"; the server
reaps it (only then, so the pid cannot be reused before the kill) and prints "EXIT <returncode>" (negative: killed by
that signal).
"""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import torch

from ignite.engine import DeterministicEngine, Engine, Events
from ignite.handlers import Checkpoint, DiskSaver
from ignite.handlers._savers import durable_torch_save
from ignite.utils import manual_seed

EPOCHS = 4
SAMPLES = 96
BATCH_SIZE = 4
TOTAL_ITERATIONS = EPOCHS * SAMPLES // BATCH_SIZE
_STEP = re.compile(r"^checkpoint_(\d+)\.pt$")


def newest_checkpoint(directory: Path) -> Path | None:
    steps = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _STEP.match(p.name))]
    return max(steps)[1] if steps else None


def main(directory: Path, final_path: Path) -> None:
    manual_seed(12)
    inputs = torch.randn(SAMPLES, 16)
    targets = inputs @ torch.randn(16, 1) + 0.1 * torch.randn(SAMPLES, 1)
    dataset = torch.utils.data.TensorDataset(inputs, targets)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True)
    # Wide enough that a checkpoint write takes a moment, so some kills land in the middle of one.
    model = torch.nn.Sequential(torch.nn.Linear(16, 256), torch.nn.Tanh(), torch.nn.Linear(256, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step(engine: Engine, batch: Any) -> float:
        x, y = batch
        optimizer.zero_grad()
        # Random noise drawn in the step: reproducible only if the engine re-seeds correctly on resume.
        noisy = x + 0.01 * torch.randn_like(x)
        loss = torch.nn.functional.mse_loss(model(noisy), y)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        return loss.item()

    trainer = DeterministicEngine(step)
    to_save = {"trainer": trainer, "model": model, "optimizer": optimizer}
    checkpoint = Checkpoint(to_save, DiskSaver(directory, require_empty=False), n_saved=2, include_self=True)
    trainer.add_event_handler(Events.ITERATION_COMPLETED, checkpoint)

    latest = newest_checkpoint(directory)
    if latest is not None:
        Checkpoint.load_objects({**to_save, "checkpointer": checkpoint}, latest)
    print(f"READY {os.getpid()} {trainer.state.iteration}", flush=True)
    if trainer.state.iteration < TOTAL_ITERATIONS:
        trainer.run(loader, max_epochs=EPOCHS)
    durable_torch_save(model.state_dict(), final_path)


def serve() -> None:
    # The first optimizer of a process imports torch._dynamo (seconds): pay for it once, before forking.
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    print("SERVING", flush=True)
    for command in sys.stdin:
        words = command.split()
        if len(words) != 3 or words[0] != "run":
            return
        directory, final_path = Path(words[1]), Path(words[2])
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                torch.set_num_threads(1)
                main(directory, final_path)
            except BaseException as error:
                print(f"ERROR {error!r}", file=sys.stderr, flush=True)
                code = 1
            finally:
                # Leave without running the server's cleanup in the forked copy.
                os._exit(code)
        if sys.stdin.readline().strip() != "reap":
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        print(f"EXIT {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    serve()
