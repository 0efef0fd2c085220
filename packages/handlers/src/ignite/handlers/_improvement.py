"""The one "is this an improvement?" rule shared by EarlyStopping, Checkpoint and plateau schedules.

Keeping it in one place means that ``mode``, ``min_delta`` and ``min_delta_mode`` mean exactly the same thing for
every handler that watches a score.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Literal

import torch

__all__ = ["ImprovementCriterion", "ImprovementTracker", "to_score"]

Mode = Literal["min", "max"]
DeltaMode = Literal["abs", "rel"]


def to_score(value: object, source: str) -> float:
    """``value`` as a float score: a real number or a one-element tensor, never NaN. ``source`` names where it
    came from in the error message (e.g. ``"score_function"``).

    >>> to_score(3, "score_function")
    3.0
    """
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"The output of {source} should be a real number, got {type(value).__name__}: {value!r}")
    score = float(value)
    if math.isnan(score):
        raise ValueError(f"The output of {source} should be a real number, got NaN")
    return score


@dataclass(frozen=True)
class ImprovementCriterion:
    """Decides whether a score improves on a reference score.

    - ``mode="max"``: higher is better; ``mode="min"``: lower is better.
    - ``min_delta_mode="abs"``: the score must beat the reference by more than ``min_delta``.
    - ``min_delta_mode="rel"``: the score must beat the reference by more than ``min_delta * reference``
      (the ``threshold_mode="rel"`` rule of ``torch.optim.lr_scheduler.ReduceLROnPlateau``).

    >>> rule = ImprovementCriterion(mode="min", min_delta=0.1)
    >>> rule.is_improvement(0.85, 1.0), rule.is_improvement(0.95, 1.0)
    (True, False)
    """

    mode: Mode = "max"
    min_delta: float = 0.0
    min_delta_mode: DeltaMode = "abs"

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max"):
            raise ValueError(f"Argument mode should be 'min' or 'max', got {self.mode!r}")
        if self.min_delta_mode not in ("abs", "rel"):
            raise ValueError(f"Argument min_delta_mode should be 'abs' or 'rel', got {self.min_delta_mode!r}")
        delta = self.min_delta
        if isinstance(delta, bool) or not isinstance(delta, numbers.Real) or not math.isfinite(delta) or delta < 0:
            raise ValueError(f"Argument min_delta should not be a negative number, got {delta!r}")

    def threshold(self, reference: float) -> float:
        """The value a score must pass (strictly) to improve on ``reference``."""
        if self.min_delta_mode == "rel":
            factor = 1.0 + self.min_delta if self.mode == "max" else 1.0 - self.min_delta
            return reference * factor
        return reference + self.min_delta if self.mode == "max" else reference - self.min_delta

    def is_improvement(self, score: float, reference: float, or_equal: bool = False) -> bool:
        """Whether ``score`` improves on ``reference``; with ``or_equal`` reaching the threshold is enough."""
        limit = self.threshold(reference)
        if self.mode == "max":
            return score >= limit if or_equal else score > limit
        return score <= limit if or_equal else score < limit

    def is_better(self, score: float, reference: float) -> bool:
        """Whether ``score`` is better than ``reference`` at all, ignoring ``min_delta``."""
        return score > reference if self.mode == "max" else score < reference


@dataclass
class ImprovementTracker:
    """Keeps the best score seen and how many scores in a row failed to improve on it.

    With ``cumulative_delta=False`` a score that is better than the best one but not by ``min_delta`` still becomes the
    new best (the counter grows anyway); with ``True`` the best score moves only on real improvements, so slow drifts
    are measured from the last real improvement.

    >>> tracker = ImprovementTracker(ImprovementCriterion(mode="max", min_delta=0.5))
    >>> [tracker.update(s) for s in (1.0, 1.2, 2.0)], tracker.best, tracker.num_bad
    ([True, False, True], 2.0, 0)
    """

    criterion: ImprovementCriterion = field(default_factory=ImprovementCriterion)
    cumulative_delta: bool = False
    best: float | None = None
    num_bad: int = 0

    def update(self, score: float) -> bool:
        """Record ``score``; returns whether it improved on the best score (the first score always does)."""
        score = to_score(score, "the tracked score")
        if self.best is None or self.criterion.is_improvement(score, self.best):
            self.best = score
            self.num_bad = 0
            return True
        if not self.cumulative_delta and self.criterion.is_better(score, self.best):
            self.best = score
        self.num_bad += 1
        return False

    def reset(self) -> None:
        self.best = None
        self.num_bad = 0
