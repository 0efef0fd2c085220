"""MAE, MSE, RMSE, Loss, Average, GeometricAverage, VariableAccumulation, RunningAverage, EpochMetric."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import cat_batches, check_metric

from ignite.exceptions import NotComputableError
from ignite.metrics import (
    Average,
    EpochMetric,
    GeometricAverage,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    RootMeanSquaredError,
    RunningAverage,
    VariableAccumulation,
)
from ignite.metrics.epoch_metric import EpochMetricWarning

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def regression_batches(shape_tail: tuple[int, ...] = (), n: int = 6, seed: int = 0) -> list[tuple[torch.Tensor, ...]]:
    g = torch.Generator().manual_seed(seed)
    return [
        (torch.randn(4 + i, *shape_tail, generator=g), torch.randn(4 + i, *shape_tail, generator=g)) for i in range(n)
    ]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("tail", [(), (3,)])
@pytest.mark.parametrize(
    ("cls", "reference"),
    [
        (MeanAbsoluteError, lambda d, rows: np.abs(d).sum() / rows),
        (MeanSquaredError, lambda d, rows: (d**2).sum() / rows),
        (RootMeanSquaredError, lambda d, rows: np.sqrt((d**2).sum() / rows)),
    ],
)
def test_error_metrics(cls: type, reference: Any, tail: tuple[int, ...], distributed: bool, request: Any) -> None:
    def oracle(batches: Sequence[Any]) -> float:
        y_pred, y = cat_batches(batches)
        # Ignite's convention: the sum over all elements divided by the number of rows.
        return float(reference(y_pred.astype(np.float64) - y, y.shape[0]))

    check_metric(cls, oracle, regression_batches(tail), _pool(request, distributed))


@pytest.mark.parametrize("distributed", DISTRIBUTED)
def test_loss(distributed: bool, request: Any) -> None:
    g = torch.Generator().manual_seed(1)
    batches = [(torch.randn(3 + i, 5, generator=g), torch.randint(0, 5, (3 + i,), generator=g)) for i in range(6)]

    def oracle(batches: Sequence[Any]) -> float:
        y_pred = torch.cat([b[0] for b in batches])
        y = torch.cat([b[1] for b in batches])
        return torch.nn.functional.cross_entropy(y_pred.double(), y).item()

    check_metric(partial(Loss, torch.nn.functional.cross_entropy), oracle, batches, _pool(request, distributed))


def test_loss_kwargs_and_errors() -> None:
    loss = Loss(torch.nn.functional.mse_loss)
    loss.update((torch.tensor([1.0, 3.0]), torch.tensor([1.0, 1.0]), {"reduction": "mean"}))
    assert loss.compute() == 2.0
    with pytest.raises(ValueError, match="0-d tensor"):
        Loss(torch.nn.functional.mse_loss).update((torch.ones(2), torch.zeros(2), {"reduction": "none"}))
    with pytest.raises(TypeError, match="loss_fn"):
        Loss(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("tail", [(), (3,)])
def test_average(tail: tuple[int, ...], distributed: bool, request: Any) -> None:
    batches = [(b[0],) for b in regression_batches(tail)]

    def oracle(batches: Sequence[Any]) -> np.ndarray:
        (values,) = cat_batches(batches)
        values = values.astype(np.float64)
        return values.reshape(values.shape[0], -1).mean(axis=0)  # 1-D values are fed as (B, 1)

    check_metric(_AverageOfFirst, oracle, batches, _pool(request, distributed))


class _AverageOfFirst(Average):
    """Average fed with 1-tuples, so that the tester's batches are tuples like everywhere else."""

    def update(self, output: Any) -> None:
        super().update(output[0].unsqueeze(1) if output[0].ndim == 1 else output[0])


def test_average_of_numbers_and_geometric_average() -> None:
    avg, geo = Average(), GeometricAverage()
    for x in (1.0, 2.0, 4.0):
        avg.update(x)
        geo.update(x)
    assert avg.compute().item() == pytest.approx(7 / 3)
    assert geo.compute() == pytest.approx(2.0)
    geo_t = GeometricAverage()
    geo_t.update(torch.tensor([[1.0, 4.0], [4.0, 1.0]]))
    assert geo_t.compute().tolist() == pytest.approx([2.0, 2.0])
    with pytest.raises(NotComputableError):
        Average().compute()
    with pytest.raises(TypeError, match=r"number or a torch\.Tensor"):
        Average().update("x")
    with pytest.raises(ValueError, match="NaN"):
        Average().update(torch.tensor([float("nan")]))


def test_variable_accumulation() -> None:
    acc = VariableAccumulation(lambda a, x: a + x.sum())
    acc.update(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    total, count = acc.compute()
    assert total.item() == 10.0 and count == 2


def test_running_average_standalone() -> None:
    ra = RunningAverage(output_transform=lambda x: x, alpha=0.5)
    with pytest.raises(NotComputableError):
        ra.compute()
    for x in (2.0, 4.0, 8.0):
        ra.update(torch.tensor(x))
    assert ra.compute() == pytest.approx(0.25 * 2 + 0.25 * 4 + 0.5 * 8)
    with pytest.raises(ValueError, match="alpha"):
        RunningAverage(output_transform=lambda x: x, alpha=0.0)
    with pytest.raises(ValueError, match="output_transform should be None"):
        RunningAverage(Average(), output_transform=lambda x: x)
    with pytest.raises(ValueError, match="output_transform should be given"):
        RunningAverage()
    with pytest.raises(TypeError, match="src"):
        RunningAverage(src=3)  # type: ignore[arg-type]


def test_running_average_propagates_a_nan_output() -> None:
    # A NaN output is a value like any other: the average becomes NaN, it does not look "never updated".
    ra = RunningAverage(output_transform=lambda x: x, alpha=0.5)
    ra.update(torch.tensor(1.0))
    ra.update(torch.tensor(float("nan")))
    assert math.isnan(ra.compute())
    ra.update(torch.tensor(3.0))
    assert math.isnan(ra.compute())
    ra.reset()
    with pytest.raises(NotComputableError):
        ra.compute()
    first_nan = RunningAverage(output_transform=lambda x: x)
    first_nan.update(torch.tensor(float("nan")))
    assert math.isnan(first_nan.compute())
    restored = RunningAverage(output_transform=lambda x: x, alpha=0.5)
    source = RunningAverage(output_transform=lambda x: x, alpha=0.5)
    source.update(torch.tensor(2.0))
    restored.load_state_dict(source.state_dict())
    restored.update(torch.tensor(4.0))
    assert restored.compute() == pytest.approx(3.0)


def _auc_like(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    # Fraction of (positive, negative) pairs ranked correctly: order-insensitive, needs both classes.
    pos, neg = y_pred[y == 1], y_pred[y == 0]
    return (pos[:, None] > neg[None, :]).double().mean().item()


@pytest.mark.parametrize("distributed", DISTRIBUTED)
def test_epoch_metric(distributed: bool, request: Any) -> None:
    g = torch.Generator().manual_seed(2)
    batches = [(torch.rand(5 + i, generator=g), torch.tensor([0, 1] * 2 + [1] * (1 + i))) for i in range(6)]

    def oracle(batches: Sequence[Any]) -> float:
        y_pred, y = cat_batches(batches)
        return _auc_like(torch.from_numpy(y_pred), torch.from_numpy(y))

    check_metric(partial(EpochMetric, _auc_like), oracle, batches, _pool(request, distributed))


def test_epoch_metric_checks() -> None:
    def failing(p: torch.Tensor, t: torch.Tensor) -> float:
        raise RuntimeError("boom")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        EpochMetric(failing).update((torch.rand(3), torch.ones(3)))
    assert any(issubclass(w.category, EpochMetricWarning) for w in caught)
    m = EpochMetric(_auc_like, check_compute_fn=False)
    with pytest.raises(ValueError, match=r"shape \(B,\) or \(B, n\)"):
        m.update((torch.rand(2, 2, 2), torch.ones(2)))
    with pytest.raises(ValueError, match="same number of samples"):
        m.update((torch.rand(3), torch.ones(2)))
    m.update((torch.rand(3, 1), torch.ones(3, 1)))  # a trailing 1 is squeezed
    assert m._predictions[0].shape == (3,)
    with pytest.raises(TypeError, match="compute_fn"):
        EpochMetric(3)  # type: ignore[arg-type]


@pytest.mark.slow
def test_running_average_is_distributed_correct(request: Any) -> None:
    from ignite.metrics import Accuracy
    from ignite.metrics.metric import _identity

    pool = request.getfixturevalue("gloo_pool")
    g = torch.Generator().manual_seed(6)
    # Step k: rank r sees batch (k, r). The average of the output is taken over both ranks at each step.
    outputs = [[torch.rand((), generator=g) for _ in range(2)] for _ in range(4)]
    results = pool.run(
        partial(RunningAverage, output_transform=_identity, alpha=0.5),
        [[step[r] for step in outputs] for r in range(2)],
        [2, 2],
    )
    expected = []
    value = None
    for step in outputs:
        x = float(step[0] + step[1]) / 2
        value = x if value is None else 0.5 * value + 0.5 * x
        expected.append(value)
    for first, second in results:
        assert first == pytest.approx(expected[1]) and second == pytest.approx(expected[3])

    # Over a metric: at each step the metric's value on the batches of both ranks.
    batches = [
        [(torch.rand(4, 3, generator=g), torch.randint(0, 3, (4,), generator=g)) for _ in range(2)] for _ in range(4)
    ]
    results = pool.run(
        partial(RunningAverage, Accuracy(), alpha=0.5), [[s[r] for s in batches] for r in range(2)], [2, 2]
    )
    value = None
    expected = []
    for step in batches:
        correct = sum(int((p.argmax(1) == y).sum()) for p, y in step)
        x = correct / 8
        value = x if value is None else 0.5 * value + 0.5 * x
        expected.append(value)
    for first, second in results:
        assert first == pytest.approx(expected[1]) and second == pytest.approx(expected[3])


@pytest.mark.parametrize("cls", [MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError])
def test_error_metrics_reject_nan_and_bad_shapes(cls: type) -> None:
    metric = cls()
    with pytest.raises(ValueError, match="Argument y should not contain NaN"):
        metric.update((torch.ones(3), torch.tensor([1.0, float("nan"), 2.0])))
    with pytest.raises(ValueError, match="Argument y_pred should not contain NaN"):
        metric.update((torch.tensor([float("nan")]), torch.ones(1)))
    with pytest.raises(ValueError, match="same shape"):
        metric.update((torch.ones(3), torch.ones(4)))
    with pytest.raises(NotComputableError):
        metric.compute()  # nothing bad was accumulated
