"""ignite.metrics.gan: FID against a scipy.linalg.sqrtm oracle, InceptionScore against numpy, on 1 and 2 gloo ranks."""

from __future__ import annotations

import math
import sys
import types
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.linalg
import torch
from _metric_tester import check_metric

from ignite.exceptions import NotComputableError
from ignite.metrics.gan import FID, InceptionScore
from ignite.metrics.gan.fid import fid_score
from ignite.metrics.gan.utils import InceptionModel

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]
IN_FEATURES, NUM_FEATURES, NUM_CLASSES = 6, 12, 5


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def _linear(in_features: int, out_features: int, seed: int) -> torch.nn.Linear:
    torch.manual_seed(seed)
    return torch.nn.Linear(in_features, out_features)


# Module-level torch modules: picklable, so the gloo ranks receive the same extractor inside the factory.
FEATURES = _linear(IN_FEATURES, NUM_FEATURES, seed=1)
CLASSIFIER = torch.nn.Sequential(_linear(IN_FEATURES, NUM_CLASSES, seed=2), torch.nn.Softmax(dim=1))


def image_pairs(seed: int = 0, dim: int = IN_FEATURES) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(6):
        n = 20 + 3 * i
        fake = torch.randn(n, dim, generator=g) * 1.5 + 0.3
        real = torch.randn(n, dim, generator=g) @ torch.randn(dim, dim, generator=g) * 0.5
        out.append((fake, real))
    return out


def fid_oracle(extractor: Any) -> Any:
    def oracle(batches: Sequence[Any]) -> float:
        with torch.no_grad():
            fake = torch.cat([extractor(b[0]) for b in batches]).double().numpy()
            real = torch.cat([extractor(b[1]) for b in batches]).double().numpy()
        mu1, mu2 = fake.mean(axis=0), real.mean(axis=0)
        s1, s2 = np.cov(fake, rowvar=False), np.cov(real, rowvar=False)
        covmean = scipy.linalg.sqrtm(s1 @ s2).real
        return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))

    return oracle


def is_oracle(extractor: Any) -> Any:
    def oracle(batches: Sequence[Any]) -> float:
        with torch.no_grad():
            p = torch.cat([extractor(b) for b in batches]).double().numpy()
        marginal = p.mean(axis=0)
        kl = (p * (np.log(p + 1e-16) - np.log(marginal + 1e-16))).sum(axis=1)
        return float(np.exp(kl.mean()))

    return oracle


# --- FID ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("distributed", DISTRIBUTED)
def test_fid_with_module_extractor_matches_scipy(request: pytest.FixtureRequest, distributed: bool) -> None:
    # 12 features of 6 inputs: rank-deficient covariances, where the matrix square root is hardest.
    factory = partial(FID, num_features=NUM_FEATURES, feature_extractor=FEATURES)
    check_metric(factory, fid_oracle(FEATURES), image_pairs(), _pool(request, distributed), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
def test_fid_on_features_directly_matches_scipy(request: pytest.FixtureRequest, distributed: bool) -> None:
    factory = partial(FID, num_features=IN_FEATURES)
    check_metric(factory, fid_oracle(lambda x: x), image_pairs(3), _pool(request, distributed), rtol=1e-6, atol=1e-9)


def test_fid_accepts_a_plain_callable_and_returns_a_float() -> None:
    batches = image_pairs(5)
    metric = FID(num_features=2, feature_extractor=lambda x: x[:, :2] * 2.0)
    for batch in batches:
        metric.update(batch)
    value = metric.compute()
    assert isinstance(value, float)
    assert value == pytest.approx(fid_oracle(lambda x: x[:, :2] * 2.0)(batches), rel=1e-7)


def test_fid_of_a_distribution_with_itself_is_zero() -> None:
    x = torch.randn(500, 4, generator=torch.Generator().manual_seed(0))
    metric = FID(num_features=4)
    metric.update((x, x.clone()))
    assert abs(metric.compute()) < 1e-9


def test_fid_needs_two_samples() -> None:
    metric = FID(num_features=3)
    metric.update((torch.zeros(1, 3), torch.ones(1, 3)))
    with pytest.raises(NotComputableError, match="at least 2 samples"):
        metric.compute()
    metric.update((torch.ones(1, 3), torch.zeros(1, 3)))
    assert metric.compute() == pytest.approx(0.0, abs=1e-12)


def test_fid_warns_when_the_covariances_overflow() -> None:
    metric = FID(num_features=2)
    huge = torch.tensor([[1e160, 0.0], [2e160, 1.0]], dtype=torch.float64)
    metric.update((huge, torch.tensor([[0.0, 0.0], [1.0, 1.0]])))
    with pytest.warns(RuntimeWarning, match="out of the range"):
        value = metric.compute()
    assert not math.isfinite(value)


def test_fid_attached_to_an_engine() -> None:
    engine_module = pytest.importorskip("ignite.engine")
    batches = image_pairs(7)
    engine = engine_module.Engine(lambda engine, batch: batch)
    FID(num_features=NUM_FEATURES, feature_extractor=FEATURES).attach(engine, "fid")
    state = engine.run(batches, max_epochs=1)
    assert state.metrics["fid"] == pytest.approx(fid_oracle(FEATURES)(batches), rel=1e-6)


def test_fid_score_matches_scipy_on_random_covariances() -> None:
    g = torch.Generator().manual_seed(4)
    a, b = torch.randn(7, 7, generator=g, dtype=torch.float64), torch.randn(7, 7, generator=g, dtype=torch.float64)
    s1, s2 = a @ a.T + 0.1 * torch.eye(7), b @ b.T
    mu1, mu2 = torch.randn(7, generator=g, dtype=torch.float64), torch.randn(7, generator=g, dtype=torch.float64)
    covmean = scipy.linalg.sqrtm(s1.numpy() @ s2.numpy()).real
    expected = float((mu1 - mu2).square().sum()) + float(s1.trace() + s2.trace()) - 2 * np.trace(covmean)
    assert fid_score(mu1, mu2, s1, s2) == pytest.approx(expected, rel=1e-9)


def test_fid_score_rejects_bad_shapes_and_types() -> None:
    mu, sigma = torch.zeros(3), torch.eye(3)
    with pytest.raises(ValueError, match=r"sigma2 of shape \(2, 2\)"):
        fid_score(mu, mu, sigma, torch.eye(2))
    with pytest.raises(ValueError, match=r"mu1 of shape \(3, 1\)"):
        fid_score(mu.unsqueeze(1), mu, sigma, sigma)
    with pytest.raises(TypeError, match=r"mu2 should be a torch.Tensor, got list"):
        fid_score(mu, [0.0, 0.0, 0.0], sigma, sigma)  # type: ignore[arg-type]


def test_fid_rejects_bad_inputs() -> None:
    metric = FID(num_features=3)
    with pytest.raises(ValueError, match=r"as many samples each, got features of shape \(2, 3\) and \(4, 3\)"):
        metric.update((torch.zeros(2, 3), torch.zeros(4, 3)))
    with pytest.raises(ValueError, match=r"num_features=3.*got \(2, 4\)"):
        metric.update((torch.zeros(2, 4), torch.zeros(2, 4)))
    with pytest.raises(ValueError, match=r"got \(0, 3\)"):
        metric.update((torch.zeros(0, 3), torch.zeros(0, 3)))
    with pytest.raises(ValueError, match="features of y should be finite"):
        metric.update((torch.zeros(2, 3), torch.full((2, 3), float("nan"))))
    with pytest.raises(TypeError, match=r"pair \(y_pred, y\)"):
        metric.update(torch.zeros(2, 3))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"y_pred should be a torch.Tensor, got list"):
        metric.update(([0.0], torch.zeros(1, 3)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"should return a torch.Tensor for y_pred, got tuple"):
        FID(num_features=3, feature_extractor=lambda x: (x,)).update((torch.zeros(2, 3), torch.zeros(2, 3)))  # type: ignore[arg-type,return-value]
    # Nothing was accumulated by the rejected batches.
    with pytest.raises(NotComputableError):
        metric.compute()


@pytest.mark.parametrize("metric_class", [FID, InceptionScore])
def test_constructor_arguments_are_checked(metric_class: Any) -> None:
    with pytest.raises(ValueError, match=r"num_features should be the number of features.*got None"):
        metric_class(feature_extractor=torch.nn.Identity())
    with pytest.raises(ValueError, match="num_features should be greater than 0, got 0"):
        metric_class(num_features=0)
    with pytest.raises(TypeError, match="num_features should be an int, got float"):
        metric_class(num_features=2.0)
    with pytest.raises(TypeError, match=r"feature_extractor should be a torch.nn.Module or a callable, got str"):
        metric_class(num_features=2, feature_extractor="inception")


# --- InceptionScore -------------------------------------------------------------------------------------------


def sample_batches(seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(10 + 4 * i, IN_FEATURES, generator=g) * 3 for i in range(6)]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
def test_inception_score_with_module_extractor_matches_numpy(request: pytest.FixtureRequest, distributed: bool) -> None:
    factory = partial(InceptionScore, num_features=NUM_CLASSES, feature_extractor=CLASSIFIER)
    check_metric(factory, is_oracle(CLASSIFIER), sample_batches(), _pool(request, distributed), rtol=1e-9)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
def test_inception_score_on_probabilities_directly(request: pytest.FixtureRequest, distributed: bool) -> None:
    # Some exact zeros: the 1e-16 inside the logarithms keeps them finite, as in the oracle.
    batches = [torch.softmax(b, dim=1) * (b > -2) for b in sample_batches(1)]
    batches = [b / b.sum(dim=1, keepdim=True) for b in batches]
    assert any(bool((b == 0).any()) for b in batches)
    factory = partial(InceptionScore, num_features=IN_FEATURES)
    check_metric(factory, is_oracle(lambda x: x), batches, _pool(request, distributed), rtol=1e-9)


def test_inception_score_bounds() -> None:
    confident = InceptionScore(num_features=4)
    confident.update(torch.eye(4).repeat(3, 1))
    assert confident.compute() == pytest.approx(4.0)
    uniform = InceptionScore(num_features=4)
    uniform.update(torch.full((5, 4), 0.25))
    assert uniform.compute() == pytest.approx(1.0)


def test_inception_score_rejects_bad_inputs() -> None:
    metric = InceptionScore(num_features=3)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got values from -0.5"):
        metric.update(torch.tensor([[-0.5, 1.0, 0.5]]))
    with pytest.raises(ValueError, match=r"num_features=3.*got \(3,\)"):
        metric.update(torch.tensor([0.2, 0.3, 0.5]))
    with pytest.raises(ValueError, match="features of output should be finite"):
        metric.update(torch.tensor([[float("nan"), 0.5, 0.5]]))
    with pytest.raises(NotComputableError, match="at least one example"):
        metric.compute()


# --- the default Inception extractor --------------------------------------------------------------------------


@pytest.mark.parametrize("metric_class", [FID, InceptionScore])
def test_default_extractor_without_torchvision_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, metric_class: Any
) -> None:
    monkeypatch.setitem(sys.modules, "torchvision", None)
    monkeypatch.setitem(sys.modules, "torchvision.models", None)
    with pytest.raises(ModuleNotFoundError, match="pip install torchvision") as info:
        metric_class()
    assert "feature_extractor=" in str(info.value)


class _TinyInception(torch.nn.Module):
    """Stands in for torchvision's inception_v3 (torchvision is not in the dev environment): pooled input -> fc."""

    def __init__(self) -> None:
        super().__init__()
        self.fc: torch.nn.Module = _linear(3, 1000, seed=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.fc(x.mean(dim=(2, 3)))
        return out


def _fake_torchvision(monkeypatch: pytest.MonkeyPatch, hub_dir: Path) -> list[Any]:
    # A fake module is the only way to reach this code here: torchvision and its weights are not installed.
    calls: list[Any] = []
    weights = types.SimpleNamespace(url="https://example.invalid/models/inception_v3_google-0cc3c7bd.pth")
    models = types.ModuleType("torchvision.models")
    models.Inception_V3_Weights = types.SimpleNamespace(DEFAULT=weights)  # type: ignore[attr-defined]

    def inception_v3(**kwargs: Any) -> torch.nn.Module:
        calls.append(kwargs)
        return _TinyInception()

    models.inception_v3 = inception_v3  # type: ignore[attr-defined]
    torchvision = types.ModuleType("torchvision")
    torchvision.models = models  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torchvision", torchvision)
    monkeypatch.setitem(sys.modules, "torchvision.models", models)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub_dir))
    return calls


def test_default_extractor_without_cached_weights_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = _fake_torchvision(monkeypatch, tmp_path)
    with pytest.raises(RuntimeError, match=r"inception_v3_google-0cc3c7bd.pth") as info:
        InceptionScore()
    assert "feature_extractor=" in str(info.value)
    assert calls == []  # nothing was built, so nothing could have been downloaded


def test_default_extractor_with_cached_weights(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = _fake_torchvision(monkeypatch, tmp_path)
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "inception_v3_google-0cc3c7bd.pth").write_bytes(b"")
    images = torch.rand(4, 3, 8, 8, generator=torch.Generator().manual_seed(0))

    probabilities = InceptionModel(return_features=False)(images)
    assert probabilities.shape == (4, 1000)
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(4))
    assert InceptionModel(return_features=True)(images).shape == (4, 3)
    with pytest.raises(ValueError, match=r"shape \(B, 3, H, W\), got \(4, 1, 8, 8\)"):
        InceptionModel(return_features=True)(images[:, :1])

    score = InceptionScore()
    score.update(images)
    assert 1.0 <= score.compute() <= 1000.0
    fid = FID()
    fid.update((images, images.flip(0)))
    # Its compute (1000 x 1000 eigen-decompositions) is left out to keep the test fast; the maths is tested above.
    assert fid._num_examples == 4 and fid._train_sigma.shape == (1000, 1000)
    torch.testing.assert_close(fid._train_total, fid._test_total)
    assert all(call["weights"] is sys.modules["torchvision.models"].Inception_V3_Weights.DEFAULT for call in calls)
