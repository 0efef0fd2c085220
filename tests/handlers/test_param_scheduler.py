from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from typing import Any

import pytest
import torch

from ignite.engine import Engine, Events
from ignite.handlers import (
    ConcatScheduler,
    CosineAnnealingScheduler,
    LinearCyclicalScheduler,
    LRScheduler,
    ParamGroupScheduler,
    ParamScheduler,
    PiecewiseLinear,
    ReduceLROnPlateauScheduler,
    create_lr_scheduler_with_warmup,
)


def make_optimizer(lr: float = 0.1, groups: int = 1) -> torch.optim.SGD:
    params = [{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(groups)]
    return torch.optim.SGD(params, lr=lr, momentum=0.9)


def used_values(scheduler: Any, optimizer: torch.optim.Optimizer, iterations: int, name: str = "lr") -> list[float]:
    """Values of ``name`` seen by each iteration when ``scheduler`` is attached to ITERATION_STARTED."""
    trainer = Engine(lambda engine, batch: optimizer.param_groups[0][name])
    trainer.add_event_handler(Events.ITERATION_STARTED, scheduler)
    seen: list[float] = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.output))
    trainer.run(range(iterations))
    return seen


# ------------------------------------------------------------------------------------------------- closed forms
def test_linear_cyclical_point_by_point() -> None:
    optimizer = make_optimizer()
    scheduler = LinearCyclicalScheduler(optimizer, "lr", start_value=1.0, end_value=0.0, cycle_size=10)
    expected = [abs(i % 10 - 5) / 5 for i in range(25)]
    assert used_values(scheduler, optimizer, 25) == pytest.approx(expected)


def test_linear_cyclical_multipliers() -> None:
    values = LinearCyclicalScheduler.simulate_values(
        10, param_name="lr", start_value=1.0, end_value=0.0, cycle_size=4, cycle_mult=1.5, start_value_mult=0.5
    )
    # Cycle 1: 4 events from 1.0; cycle 2: 6 events from 0.5.
    expected = [1.0, 0.5, 0.0, 0.5] + [0.5 * abs(i / 6 - 0.5) * 2 for i in range(6)]
    assert [v for _, v in values] == pytest.approx(expected)


def test_cosine_annealing_matches_torch_within_a_cycle() -> None:
    cycle = 12
    optimizer = make_optimizer(lr=0.5)
    torch_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cycle, eta_min=0.01)
    reference = []
    for _ in range(cycle):
        reference.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        torch_scheduler.step()
    values = CosineAnnealingScheduler.simulate_values(
        2 * cycle, param_name="lr", start_value=0.5, end_value=0.01, cycle_size=cycle
    )
    assert [v for _, v in values] == pytest.approx(reference * 2)


def test_cosine_closed_form_with_end_value_mult() -> None:
    values = CosineAnnealingScheduler.simulate_values(
        8, param_name="momentum", start_value=0.9, end_value=0.5, cycle_size=4, end_value_mult=0.5
    )

    def cos_value(start: float, end: float, i: int) -> float:
        return start + (end - start) / 2 * (1 - math.cos(math.pi * i / 4))

    expected = [cos_value(0.9, 0.5, i) for i in range(4)] + [cos_value(0.9, 0.25, i) for i in range(4)]
    assert [v for _, v in values] == pytest.approx(expected)


def test_piecewise_linear_point_by_point() -> None:
    optimizer = make_optimizer()
    scheduler = PiecewiseLinear(optimizer, "lr", [(2, 0.0), (6, 0.8), (6, 0.2), (10, 0.0)])
    expected = [0.0, 0.0, 0.0, 0.2, 0.4, 0.6, 0.2, 0.15, 0.1, 0.05, 0.0, 0.0]
    assert used_values(scheduler, optimizer, 12) == pytest.approx(expected)


def test_piecewise_linear_single_milestone_and_momentum() -> None:
    assert [v for _, v in PiecewiseLinear.simulate_values(3, param_name="momentum", milestones_values=[(5, 0.3)])] == [
        0.3,
        0.3,
        0.3,
    ]


@pytest.mark.parametrize(
    ("milestones_values", "error", "message"),
    [
        ([], ValueError, "Argument milestones_values should have at least one pair"),
        ([(0, 1.0), (5, 0.5), (3, 0.0)], ValueError, "non-decreasing milestones, got 3 after 5"),
        ([(0.5, 1.0)], TypeError, "integer milestones, got float"),
        ([(0, 1.0, 2.0)], ValueError, "list of pairs"),
        ({0: 1.0}, TypeError, "should be a list or tuple, got dict"),
        ([(0, "a")], TypeError, r"milestones_values \(value\) should be a real number"),
    ],
)
def test_piecewise_linear_errors(milestones_values: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        PiecewiseLinear(make_optimizer(), "lr", milestones_values)


def test_param_scheduler_errors() -> None:
    optimizer = make_optimizer()
    with pytest.raises(ValueError, match=r"Argument param_name should be a parameter .* got 'lrr' .*'lr'"):
        LinearCyclicalScheduler(optimizer, "lrr", 1.0, 0.0, 10)
    with pytest.raises(TypeError, match=r"Argument optimizer should be a torch\.optim\.Optimizer"):
        LinearCyclicalScheduler(object(), "lr", 1.0, 0.0, 10)
    with pytest.raises(ValueError, match="Argument cycle_size should be positive and larger than 1, got 1"):
        LinearCyclicalScheduler(optimizer, "lr", 1.0, 0.0, 1)
    with pytest.raises(TypeError, match="Argument start_value should be a real number, got str"):
        CosineAnnealingScheduler(optimizer, "lr", "1", 0.0, 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument param_group_index should be None or an index of the 1 param"):
        LinearCyclicalScheduler(optimizer, "lr", 1.0, 0.0, 10, param_group_index=1)


def test_param_group_index_and_history() -> None:
    optimizer = make_optimizer(groups=2)
    scheduler = PiecewiseLinear(optimizer, "lr", [(0, 1.0), (2, 0.0)], param_group_index=1, save_history=True)
    trainer = Engine(lambda engine, batch: None)
    trainer.add_event_handler(Events.ITERATION_STARTED, scheduler)
    trainer.run(range(3))
    assert optimizer.param_groups[0]["lr"] == 0.1
    assert trainer.state.param_history == {"lr": [[1.0], [0.5], [0.0]]}


def resume_matches(make: Callable[[torch.optim.Optimizer], Any], total: int = 30, split: int = 13) -> None:
    optimizer = make_optimizer()
    full = used_values(make(optimizer), optimizer, total)
    optimizer = make_optimizer()
    first = make(optimizer)
    used_values(first, optimizer, split)
    # As in a real checkpoint, the optimizer (whose param groups hold the current values) is saved too.
    state, optimizer_state = first.state_dict(), optimizer.state_dict()
    optimizer = make_optimizer()
    resumed = make(optimizer)
    resumed.load_state_dict(state)
    optimizer.load_state_dict(optimizer_state)
    assert used_values(resumed, optimizer, total - split) == pytest.approx(full[split:])


@pytest.mark.parametrize(
    "make",
    [
        lambda o: LinearCyclicalScheduler(o, "lr", 1.0, 0.0, 6, cycle_mult=2, start_value_mult=0.5),
        lambda o: CosineAnnealingScheduler(o, "momentum", 0.9, 0.1, 7),
        lambda o: PiecewiseLinear(o, "lr", [(3, 0.1), (9, 1.0), (20, 0.0)]),
        lambda o: ConcatScheduler(
            [PiecewiseLinear(o, "lr", [(0, 0.0), (5, 1.0)]), CosineAnnealingScheduler(o, "lr", 1.0, 0.1, 8)], [6]
        ),
        lambda o: LRScheduler(torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5)),
        lambda o: ParamGroupScheduler([PiecewiseLinear(o, "lr", [(0, 1.0), (20, 0.0)], param_group_index=0)]),
        lambda o: create_lr_scheduler_with_warmup(torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9), 0.0, 8),
        lambda o: create_lr_scheduler_with_warmup(CosineAnnealingScheduler(o, "lr", 0.1, 0.0, 10), 0.01, 5),
    ],
)
def test_state_dict_resume(make: Callable[[torch.optim.Optimizer], Any]) -> None:
    resume_matches(make)


def test_state_dict_missing_key() -> None:
    scheduler = PiecewiseLinear(make_optimizer(), "lr", [(0, 1.0)])
    with pytest.raises(ValueError, match="'milestones' is absent"):
        scheduler.load_state_dict({k: v for k, v in scheduler.state_dict().items() if k != "milestones"})


# ------------------------------------------------------------------------------------------- torch schedulers
def torch_reference(make: Callable[[torch.optim.Optimizer], Any], iterations: int) -> list[float]:
    optimizer = make_optimizer(lr=0.5)
    scheduler = make(optimizer)
    values = []
    for _ in range(iterations):
        values.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return values


TORCH_SCHEDULERS: list[Callable[[torch.optim.Optimizer], Any]] = [
    lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.3),
    lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda epoch: 1 / (epoch + 1)),
    lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=6),
]


@pytest.mark.parametrize("make", TORCH_SCHEDULERS)
def test_lr_scheduler_matches_torch(make: Callable[[torch.optim.Optimizer], Any]) -> None:
    reference = torch_reference(make, 15)
    optimizer = make_optimizer(lr=0.5)
    assert used_values(LRScheduler(make(optimizer)), optimizer, 15) == pytest.approx(reference)
    optimizer = make_optimizer(lr=0.5)
    torch_scheduler = make(optimizer)
    assert [v for _, v in LRScheduler.simulate_values(15, lr_scheduler=torch_scheduler)] == pytest.approx(reference)
    # The simulation left the scheduler and the optimizer untouched.
    assert torch_scheduler.last_epoch == 0 and optimizer.param_groups[0]["lr"] == reference[0]


def test_lr_scheduler_legacy_on_iteration_completed() -> None:
    make = TORCH_SCHEDULERS[0]
    reference = torch_reference(make, 12)
    optimizer = make_optimizer(lr=0.5)
    scheduler = LRScheduler(make(optimizer), use_legacy=True)
    trainer = Engine(lambda engine, batch: optimizer.param_groups[0]["lr"])
    seen: list[float] = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.output))
    trainer.add_event_handler(Events.ITERATION_COMPLETED, scheduler)
    trainer.run(range(12))
    assert seen == pytest.approx(reference)
    with pytest.raises(TypeError, match=r"Argument lr_scheduler should be a torch\.optim\.lr_scheduler\.LRScheduler"):
        LRScheduler(optimizer)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"mode": "max", "patience": 2, "factor": 0.5},
        {"patience": 1, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 2},
        {"patience": 0, "min_lr": 0.01, "factor": 0.3},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(kwargs: dict[str, Any]) -> None:
    rng = random.Random(3)
    # Falls, then wanders on a plateau: both modes see improvements and plateaus.
    metrics = [max(0.4, 1.0 - 0.05 * i) + rng.uniform(-0.02, 0.02) for i in range(60)]
    optimizer = make_optimizer(lr=1.0)
    torch_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
    reference = []
    for value in metrics:
        optimizer.step()
        torch_scheduler.step(value)
        reference.append(optimizer.param_groups[0]["lr"])
    simulated = ReduceLROnPlateauScheduler.simulate_values(60, metric_values=metrics, init_lr=1.0, **kwargs)
    assert [v for _, v in simulated] == pytest.approx(reference)
    assert len(set(reference)) > 1


def test_reduce_lr_on_plateau_with_engines_and_resume() -> None:
    optimizer = make_optimizer(lr=1.0)
    trainer = Engine(lambda engine, batch: None)
    evaluator = Engine(lambda engine, batch: None)
    scores = iter([1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5])
    evaluator.add_event_handler(Events.COMPLETED, lambda e: e.state.metrics.update(loss=next(scores)))
    scheduler = ReduceLROnPlateauScheduler(
        optimizer, "loss", trainer=trainer, patience=1, factor=0.5, save_history=True
    )
    evaluator.add_event_handler(Events.COMPLETED, scheduler)
    for _ in range(4):
        evaluator.run([0])
    assert optimizer.param_groups[0]["lr"] == 0.5
    assert trainer.state.param_history["lr"] == [[1.0], [1.0], [0.5], [0.5]]

    state = scheduler.state_dict()
    resumed = ReduceLROnPlateauScheduler(optimizer, "loss", patience=1, factor=0.5)
    resumed.load_state_dict(state)
    assert (resumed.best, resumed.num_bad_epochs) == (1.0, 1)

    with pytest.raises(ValueError, match=r"metric 'loss' in state\.metrics, got metrics \[\]"):
        scheduler(Engine(lambda engine, batch: None))
    bad = Engine(lambda engine, batch: None)
    bad.state.metrics = {"loss": float("nan")}
    with pytest.raises(ValueError, match="should be a real number, got NaN"):
        scheduler(bad)
    with pytest.raises(ValueError, match=r"Argument factor should be a number in \(0, 1\), got 1\.5"):
        ReduceLROnPlateauScheduler(optimizer, "loss", factor=1.5)


# --------------------------------------------------------------------------------------------------- composites
def test_concat_scheduler_values_and_errors() -> None:
    optimizer = make_optimizer()
    up = LinearCyclicalScheduler(optimizer, "lr", 0.0, 1.0, cycle_size=4)
    cosine = CosineAnnealingScheduler(optimizer, "lr", 1.0, 0.0, cycle_size=4)
    values = [v for _, v in ConcatScheduler.simulate_values(7, schedulers=[up, cosine], durations=[3])]
    expected = [0.0, 0.5, 1.0] + [0.5 + 0.5 * math.cos(math.pi * i / 4) for i in range(4)]
    assert values == pytest.approx(expected)
    assert used_values(ConcatScheduler([up, cosine], [3]), optimizer, 7) == pytest.approx(expected)

    with pytest.raises(ValueError, match="at least two schedulers"):
        ConcatScheduler([up], [])
    with pytest.raises(ValueError, match="one value less than schedulers"):
        ConcatScheduler([up, cosine], [3, 4])
    with pytest.raises(ValueError, match="Argument durations should be positive integers"):
        ConcatScheduler([up, cosine], [0])
    momentum = CosineAnnealingScheduler(optimizer, "momentum", 0.9, 0.5, cycle_size=4)
    with pytest.raises(ValueError, match="same parameter"):
        ConcatScheduler([up, momentum], [3])
    other = LinearCyclicalScheduler(make_optimizer(), "lr", 0.0, 1.0, cycle_size=4)
    with pytest.raises(ValueError, match="same optimizer"):
        ConcatScheduler([up, other], [3])


def test_param_group_scheduler() -> None:
    optimizer = make_optimizer(groups=2)
    schedulers = [
        PiecewiseLinear(optimizer, "lr", [(0, 1.0), (4, 0.0)], param_group_index=0),
        PiecewiseLinear(optimizer, "lr", [(0, 0.0), (4, 1.0)], param_group_index=1),
    ]
    group_scheduler = ParamGroupScheduler(schedulers, names=["a", "b"], save_history=True)
    trainer = Engine(lambda engine, batch: [g["lr"] for g in optimizer.param_groups])
    trainer.add_event_handler(Events.ITERATION_STARTED, group_scheduler)
    seen: list[list[float]] = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.output))
    trainer.run(range(5))
    assert seen == [[1.0, 0.0], [0.75, 0.25], [0.5, 0.5], [0.25, 0.75], [0.0, 1.0]]
    assert trainer.state.param_history["a"][:2] == [[1.0], [0.75]]
    state = group_scheduler.state_dict()
    assert [name for name, _ in state["schedulers"]] == ["a", "b"]
    renamed = ParamGroupScheduler(schedulers, names=["x", "b"])
    with pytest.raises(ValueError, match="has scheduler 'a' where 'x' was expected"):
        renamed.load_state_dict(state)
    with pytest.raises(ValueError, match="Argument names should have one name per scheduler"):
        ParamGroupScheduler(schedulers, names=["a"])
    with pytest.raises(ValueError, match="non-empty list of ParamScheduler"):
        ParamGroupScheduler([])


def test_warmup_with_param_scheduler() -> None:
    optimizer = make_optimizer(lr=0.1)
    main = LinearCyclicalScheduler(optimizer, "lr", 1.0, 0.0, cycle_size=4)
    simulated: list[Any] = [None] * 8
    combined = create_lr_scheduler_with_warmup(main, 0.0, 5, warmup_end_value=1.0, output_simulated_values=simulated)
    # The warm-up stops one step early so that 1.0 (the main schedule's first value) is not used twice.
    expected = [0.0, 0.25, 0.5, 0.75, 1.0, 0.5, 0.0, 0.5]
    assert [v for _, v in simulated] == pytest.approx(expected)
    assert used_values(combined, optimizer, 8) == pytest.approx(expected)


def test_warmup_with_torch_scheduler_and_errors() -> None:
    optimizer = make_optimizer(lr=1.0)
    torch_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    simulated: list[Any] = [None] * 8
    combined = create_lr_scheduler_with_warmup(torch_scheduler, 0.0, 3, output_simulated_values=simulated)
    # StepLR after the warm-up: its values from step 1 on (step 0 would repeat the warm-up end value).
    expected = [0.0, 0.5, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert [v for _, v in simulated] == pytest.approx(expected)
    # The simulation left the schedulers and the optimizer where they were.
    assert used_values(combined, optimizer, 8) == pytest.approx(expected)
    with pytest.raises(TypeError, match="Argument lr_scheduler should be a ParamScheduler or a torch"):
        create_lr_scheduler_with_warmup(optimizer, 0.0, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument warmup_duration should be at least 1 event, got 0"):
        create_lr_scheduler_with_warmup(torch_scheduler, 0.0, 0)
    with pytest.raises(TypeError, match="Argument output_simulated_values should be a list or None"):
        create_lr_scheduler_with_warmup(torch_scheduler, 0.0, 2, output_simulated_values=(1, 2))  # type: ignore[arg-type]


def test_plot_values_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail as if matplotlib were not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        PiecewiseLinear.plot_values(5, param_name="lr", milestones_values=[(0, 1.0), (4, 0.0)])


def test_parameter_scheduler_is_param_scheduler() -> None:
    assert issubclass(LRScheduler, ParamScheduler) and issubclass(PiecewiseLinear, ParamScheduler)


def _values(cls: Any, n: int, **kwargs: Any) -> list[float]:
    return [value for _, value in cls.simulate_values(n, param_name="lr", **kwargs)]


def test_cosine_warmup_goes_linearly_from_end_back_to_the_next_start() -> None:
    values = _values(CosineAnnealingScheduler, 12, start_value=1.0, end_value=0.0, cycle_size=4, warmup_duration=3)
    cosine = [0.5 * (1 + math.cos(math.pi * i / 4)) for i in range(5)]  # the cycle, ending ON end_value
    warmup = [1 / 3, 2 / 3]
    assert values == pytest.approx(cosine + warmup + cosine)


def test_warmup_heads_for_the_multiplied_start_and_scales_with_cycle_mult() -> None:
    values = _values(
        CosineAnnealingScheduler,
        16,
        start_value=1.0,
        end_value=0.0,
        cycle_size=4,
        warmup_duration=2,
        start_value_mult=0.5,
        cycle_mult=1.5,
    )
    first = [0.5 * (1 + math.cos(math.pi * i / 4)) for i in range(5)] + [0.25]  # warm-up towards 0.5
    second = [0.25 * (1 + math.cos(math.pi * i / 6)) for i in range(7)] + [0.25 / 3, 0.5 / 3]  # 6 + 3 events
    assert values == pytest.approx([*first, *second, 0.25])


def test_linear_monotonic_with_and_without_warmup() -> None:
    saw = _values(LinearCyclicalScheduler, 8, start_value=1.0, end_value=0.0, cycle_size=4, monotonic=True)
    assert saw == pytest.approx([1.0, 0.75, 0.5, 0.25] * 2)
    warm = _values(
        LinearCyclicalScheduler, 10, start_value=1.0, end_value=0.0, cycle_size=4, warmup_duration=2, monotonic=True
    )
    assert warm == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0, 0.5, 1.0, 0.75, 0.5, 0.25])


def test_warmup_arguments_are_checked() -> None:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="monotonic=True"):
        LinearCyclicalScheduler(opt, "lr", 1.0, 0.0, 4, warmup_duration=2)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="warmup_duration should be a non-negative integer"):
            CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 4, warmup_duration=bad)
    with pytest.raises(TypeError, match="monotonic should be a bool"):
        LinearCyclicalScheduler(opt, "lr", 1.0, 0.0, 4, monotonic="yes")


def test_warmup_state_round_trips_mid_warmup() -> None:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    kwargs: dict[str, Any] = dict(start_value=1.0, end_value=0.0, cycle_size=4, warmup_duration=3, cycle_mult=2.0)
    first = CosineAnnealingScheduler(opt, "lr", **kwargs)
    for _ in range(6):
        first(None)
    state = first.state_dict()
    assert state["warmup_duration"] == 3 and state["total_cycle_size"] == 7
    second = CosineAnnealingScheduler(opt, "lr", **kwargs)
    second.load_state_dict(state)
    seen_first, seen_second = [], []
    for scheduler, seen in ((first, seen_first), (second, seen_second)):
        for _ in range(12):
            scheduler(None)
            seen.append(opt.param_groups[0]["lr"])
    assert seen_first == seen_second
