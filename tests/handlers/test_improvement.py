from __future__ import annotations

import math

import pytest
import torch

from ignite.handlers._improvement import ImprovementCriterion, ImprovementTracker, to_score


@pytest.mark.parametrize(
    ("mode", "delta_mode", "delta", "score", "reference", "expected"),
    [
        ("max", "abs", 0.0, 1.0, 1.0, False),
        ("max", "abs", 0.0, 1.01, 1.0, True),
        ("max", "abs", 0.1, 1.05, 1.0, False),
        ("max", "abs", 0.1, 1.2, 1.0, True),
        ("min", "abs", 0.1, 0.95, 1.0, False),
        ("min", "abs", 0.1, 0.8, 1.0, True),
        ("max", "rel", 0.1, 10.5, 10.0, False),
        ("max", "rel", 0.1, 11.5, 10.0, True),
        ("min", "rel", 0.1, 9.5, 10.0, False),
        ("min", "rel", 0.1, 8.5, 10.0, True),
    ],
)
def test_is_improvement(
    mode: str, delta_mode: str, delta: float, score: float, reference: float, expected: bool
) -> None:
    rule = ImprovementCriterion(mode=mode, min_delta=delta, min_delta_mode=delta_mode)  # type: ignore[arg-type]
    assert rule.is_improvement(score, reference) is expected


def test_or_equal_accepts_the_threshold() -> None:
    rule = ImprovementCriterion(mode="max")
    assert not rule.is_improvement(2.0, 2.0)
    assert rule.is_improvement(2.0, 2.0, or_equal=True)
    rule_min = ImprovementCriterion(mode="min", min_delta=0.5)
    assert rule_min.is_improvement(1.5, 2.0, or_equal=True)
    assert not rule_min.is_improvement(1.5, 2.0)


def test_matches_torch_reduce_lr_on_plateau_is_better() -> None:
    model = torch.nn.Linear(1, 1)
    for mode in ("min", "max"):
        for threshold_mode in ("rel", "abs"):
            optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer,
                mode=mode,
                threshold=0.1,
                threshold_mode=threshold_mode,
            )
            rule = ImprovementCriterion(mode=mode, min_delta=0.1, min_delta_mode=threshold_mode)
            # Public in older torch releases, private in newer ones.
            is_better = getattr(scheduler, "is_better", None) or scheduler._is_better
            for reference in (-3.0, 0.5, 2.0):
                for score in torch.linspace(-4.0, 4.0, 41).tolist():
                    assert rule.is_improvement(score, reference) == is_better(score, reference)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"mode": "maximum"}, "mode"),
        ({"min_delta_mode": "relative"}, "min_delta_mode"),
        ({"min_delta": -0.1}, "min_delta"),
        ({"min_delta": math.nan}, "min_delta"),
    ],
)
def test_bad_configuration(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(ValueError, match=f"Argument {argument} should"):
        ImprovementCriterion(**kwargs)  # type: ignore[arg-type]


def test_tracker_non_cumulative_moves_best_on_small_gains() -> None:
    tracker = ImprovementTracker(ImprovementCriterion(min_delta=1.0), cumulative_delta=False)
    # The best score creeps up with each small gain, so 1.7 is measured against 1.2, not 0.0.
    assert [tracker.update(s) for s in (0.0, 0.6, 1.2, 1.7, 2.8)] == [True, False, False, False, True]
    assert tracker.best == 2.8
    assert tracker.num_bad == 0


def test_tracker_cumulative_measures_from_last_improvement() -> None:
    tracker = ImprovementTracker(ImprovementCriterion(min_delta=1.0), cumulative_delta=True)
    assert [tracker.update(s) for s in (0.0, 0.6, 1.2, 1.7)] == [True, False, True, False]
    assert tracker.best == 1.2
    assert tracker.num_bad == 1
    tracker.reset()
    assert tracker.best is None and tracker.num_bad == 0


def test_to_score() -> None:
    assert to_score(torch.tensor([2.5]), "f") == 2.5
    with pytest.raises(ValueError, match="output of score_function should be a real number, got NaN"):
        to_score(float("nan"), "score_function")
    with pytest.raises(ValueError, match="output of score_function should be a real number, got str"):
        to_score("1", "score_function")
    with pytest.raises(ValueError, match="got bool"):
        to_score(True, "score_function")
