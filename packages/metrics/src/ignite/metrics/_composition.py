"""Arithmetic, indexing and tensor-method composition of metrics, each building a ``MetricsLambda``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from ignite.metrics.metrics_lambda import MetricsLambda

__all__ = ["Composable"]


class Composable:
    """Mixin of :class:`~ignite.metrics.Metric`: ``a + b``, ``2 * a``, ``a[0]``, ``a.mean()`` ... are lazy
    metrics computed from the values of their operands.
    """

    def _lambda(self, fn: Callable[..., Any], *args: Any) -> MetricsLambda:
        from ignite.metrics.metrics_lambda import MetricsLambda

        return MetricsLambda(fn, *args)

    def __add__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x + y, self, other)

    def __radd__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x + y, other, self)

    def __sub__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x - y, self, other)

    def __rsub__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x - y, other, self)

    def __mul__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x * y, self, other)

    def __rmul__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x * y, other, self)

    def __pow__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x**y, self, other)

    def __rpow__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x**y, other, self)

    def __mod__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x % y, self, other)

    def __rmod__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x % y, other, self)

    def __truediv__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x / y, self, other)

    def __rtruediv__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x / y, other, self)

    def __floordiv__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x // y, self, other)

    def __rfloordiv__(self, other: Any) -> MetricsLambda:
        return self._lambda(lambda x, y: x // y, other, self)

    def __neg__(self) -> MetricsLambda:
        return self._lambda(lambda x: -x, self)

    def __abs__(self) -> MetricsLambda:
        return self._lambda(lambda x: abs(x), self)

    def __getitem__(self, index: Any) -> MetricsLambda:
        return self._lambda(lambda x: x[index], self)

    def __getattr__(self, attr: str) -> Callable[..., MetricsLambda]:
        # Only real torch.Tensor methods are forwarded (f1.mean(), cm.diag()); anything else is a plain typo.
        if attr.startswith("_") or not callable(getattr(torch.Tensor, attr, None)):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

        def method(*args: Any, **kwargs: Any) -> MetricsLambda:
            return self._lambda(lambda x: getattr(x, attr)(*args, **kwargs), self)

        return method
