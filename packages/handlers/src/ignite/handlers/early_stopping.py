"""EarlyStopping: stop the training when a score has not improved for ``patience`` evaluations."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from ignite.base import Serializable
from ignite.engine import Engine
from ignite.handlers._improvement import DeltaMode, ImprovementCriterion, ImprovementTracker, Mode, to_score

__all__ = ["EarlyStopping"]


class EarlyStopping(Serializable):
    """Calls ``trainer.terminate()`` after ``patience`` calls in a row without improvement of ``score_function``.

    Args:
        patience: number of calls without improvement before stopping.
        score_function: ``engine -> number`` computed on the engine this handler is attached to (e.g. an evaluator).
        trainer: the engine to stop.
        min_delta: how much the score must improve to count (see ``min_delta_mode``).
        cumulative_delta: measure improvements from the last real improvement instead of from the best score seen.
        mode: ``"max"`` (higher is better, default) or ``"min"``.
        min_delta_mode: ``"abs"`` (the score must move by ``min_delta``) or ``"rel"`` (by ``min_delta`` times the
            best score).

    >>> from ignite.engine import Engine, Events
    >>> scores = iter([0.5, 0.6, 0.6, 0.55, 0.7])
    >>> trainer = Engine(lambda engine, batch: None)
    >>> stopper = EarlyStopping(patience=2, score_function=lambda engine: next(scores), trainer=trainer)
    >>> _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, stopper)
    >>> trainer.run([0], max_epochs=10).epoch
    4
    """

    _state_dict_all_req_keys = ("counter", "best_score")

    def __init__(
        self,
        patience: int,
        score_function: Callable[[Engine], Any],
        trainer: Engine,
        min_delta: float = 0.0,
        cumulative_delta: bool = False,
        mode: Mode = "max",
        min_delta_mode: DeltaMode = "abs",
    ) -> None:
        if not callable(score_function):
            raise TypeError(f"Argument score_function should be a function, got {type(score_function).__name__}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"Argument patience should be a positive integer, got {patience!r}")
        if not isinstance(min_delta, (int, float)) or isinstance(min_delta, bool) or min_delta < 0:
            raise ValueError(f"Argument min_delta should not be a negative number, got {min_delta!r}")
        if not isinstance(trainer, Engine):
            raise TypeError(f"Argument trainer should be an instance of Engine, got {type(trainer).__name__}")
        self.score_function = score_function
        self.patience = patience
        self.min_delta = min_delta
        self.cumulative_delta = cumulative_delta
        self.trainer = trainer
        self._tracker = ImprovementTracker(
            ImprovementCriterion(mode=mode, min_delta=float(min_delta), min_delta_mode=min_delta_mode),
            cumulative_delta=cumulative_delta,
        )
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")

    @property
    def counter(self) -> int:
        """Calls in a row without improvement."""
        return self._tracker.num_bad

    @property
    def best_score(self) -> float | None:
        return self._tracker.best

    def __call__(self, engine: Engine) -> None:
        score = to_score(self.score_function(engine), "score_function")
        if self._tracker.update(score):
            return
        self.logger.debug("EarlyStopping: %i / %i", self.counter, self.patience)
        if self.counter >= self.patience:
            self.logger.info("EarlyStopping: Stop training")
            self.trainer.terminate()

    def state_dict(self) -> OrderedDict[str, Any]:
        """``counter`` and ``best_score``."""
        return OrderedDict(counter=self.counter, best_score=self.best_score)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._tracker.num_bad = int(state_dict["counter"])
        best = state_dict["best_score"]
        self._tracker.best = None if best is None else float(best)
