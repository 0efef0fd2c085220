"""Shared parts of the GAN metrics: the optional Inception extractor and the feature-extracting metric base."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import torch

from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["InceptionModel"]

_INSTALL_HINT = (
    "pass your own model as feature_extractor= (with num_features=) to FID / InceptionScore, "
    "which needs no extra dependency"
)


class InceptionModel(torch.nn.Module):
    """torchvision's ImageNet Inception-v3, returning the 2048 pooled features (``return_features=True``) or the
    1000 class probabilities (``return_features=False``) of images ``(B, 3, H, W)``.

    torchvision is imported here, not at package import. Nothing is downloaded: the pretrained weights must
    already be in torch's hub cache (``torch.hub.get_dir()/checkpoints``), as after one
    ``torchvision.models.inception_v3(weights="DEFAULT")`` on a machine with network access.

    Raises:
        ModuleNotFoundError: torchvision is not installed.
        RuntimeError: the weights are not in the local cache.
    """

    def __init__(self, return_features: bool, device: str | torch.device = "cpu") -> None:
        try:
            models: Any = importlib.import_module("torchvision.models")
        except ImportError as error:
            raise ModuleNotFoundError(
                f"InceptionModel (the default feature extractor of FID and InceptionScore) needs torchvision: "
                f"run `pip install torchvision`, or {_INSTALL_HINT}"
            ) from error
        super().__init__()
        self._device = torch.device(device)
        weights = models.Inception_V3_Weights.DEFAULT
        cached = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(urlparse(weights.url).path))
        if not os.path.isfile(cached):
            raise RuntimeError(
                f"InceptionModel needs the pretrained Inception-v3 weights in the local cache, expected the file "
                f'{cached}; fetch them once with network access (python -c "import torchvision; '
                f"torchvision.models.inception_v3(weights='DEFAULT')\"), or {_INSTALL_HINT}"
            )
        # The file is cached, so torchvision loads it from disk and downloads nothing.
        model = models.inception_v3(weights=weights)
        head: torch.nn.Module = (
            torch.nn.Identity() if return_features else torch.nn.Sequential(model.fc, torch.nn.Softmax(dim=1))
        )
        model.fc = head
        self.model = model.to(self._device).eval()

    @torch.no_grad()
    def forward(self, data: torch.Tensor) -> torch.Tensor:
        if not isinstance(data, torch.Tensor):
            raise TypeError(f"Argument data should be a torch.Tensor, got {type(data).__name__}")
        if data.ndim != 4 or data.shape[1] != 3:
            raise ValueError(f"Argument data should be images of shape (B, 3, H, W), got {tuple(data.shape)}")
        out: torch.Tensor = self.model(data.to(self._device))
        return out


def _feature_dtype(device: torch.device) -> torch.dtype:
    # MPS has no float64; everywhere else the moments are accumulated in double precision.
    return torch.float32 if device.type == "mps" else torch.float64


class _BaseInceptionMetric(Metric):
    """A metric that maps each input batch through ``feature_extractor`` to ``(B, num_features)`` features."""

    def __init__(
        self,
        num_features: int | None,
        feature_extractor: Callable[[torch.Tensor], torch.Tensor] | None,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
    ) -> None:
        if num_features is None:
            raise ValueError(
                "Argument num_features should be the number of features returned by feature_extractor when "
                "feature_extractor is given, got None"
            )
        if isinstance(num_features, bool) or not isinstance(num_features, int):
            raise TypeError(f"Argument num_features should be an int, got {type(num_features).__name__}")
        if num_features <= 0:
            raise ValueError(f"Argument num_features should be greater than 0, got {num_features}")
        if feature_extractor is None:
            feature_extractor = torch.nn.Identity()
        if not callable(feature_extractor):
            raise TypeError(
                f"Argument feature_extractor should be a torch.nn.Module or a callable, "
                f"got {type(feature_extractor).__name__}"
            )
        if not isinstance(device, (str, torch.device)):
            raise TypeError(f"Argument device should be a str or torch.device, got {type(device).__name__}")
        if isinstance(feature_extractor, torch.nn.Module):
            feature_extractor = feature_extractor.to(device)
        self._num_features = num_features
        self._feature_extractor = feature_extractor
        self._double_dtype = _feature_dtype(torch.device(device))
        super().__init__(output_transform=output_transform, device=device)

    def _extract_features(self, name: str, inputs: torch.Tensor) -> torch.Tensor:
        """Features of ``inputs`` as ``(B, num_features)`` in the accumulation dtype, checked."""
        if not isinstance(inputs, torch.Tensor):
            raise TypeError(f"Argument {name} should be a torch.Tensor, got {type(inputs).__name__}")
        with torch.no_grad():
            outputs = self._feature_extractor(inputs.detach().to(self._device))
        if not isinstance(outputs, torch.Tensor):
            raise TypeError(f"feature_extractor should return a torch.Tensor for {name}, got {type(outputs).__name__}")
        if outputs.ndim != 2 or outputs.shape[0] == 0 or outputs.shape[1] != self._num_features:
            raise ValueError(
                f"feature_extractor should return a tensor of shape (B, num_features={self._num_features}) with "
                f"B > 0 for {name}, got {tuple(outputs.shape)}"
            )
        return outputs.to(self._device, self._double_dtype)

    @staticmethod
    def _check_finite(name: str, features: torch.Tensor, reduced: torch.Tensor) -> None:
        """Raise if ``features`` hold NaN or infinity, looking at them only when ``reduced`` (a sum or extremum
        of them, which any such value makes non-finite) is not finite: a clean batch costs no extra pass.
        """
        if not bool(torch.isfinite(reduced).all()) and not bool(torch.isfinite(features).all()):
            raise ValueError(f"The features of {name} should be finite, got NaN or infinite values")
