"""Several metrics updated and computed together as one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ignite.base import Serializable
from ignite.metrics.metric import Metric, _identity

__all__ = ["MetricGroup"]


class MetricGroup(Metric):
    """Holds named metrics; ``update`` feeds all of them and ``compute`` returns ``{name: value}``.

    When attached, each value is also stored under its own key in ``engine.state.metrics``. Computing syncs all
    the members across ranks in one coalesced collective.

    >>> import torch
    >>> from ignite.metrics import Accuracy, Precision
    >>> group = MetricGroup({"acc": Accuracy(), "prec": Precision(average="macro")})
    >>> group.update((torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0])))
    >>> group.compute()
    {'acc': 0.5, 'prec': 0.5}
    """

    _state_dict_all_req_keys = ("metrics",)

    def __init__(
        self, metrics: dict[str, Metric], output_transform: Callable[..., Any] = _identity, skip_unrolling: bool = False
    ) -> None:
        if not isinstance(metrics, dict) or not all(isinstance(m, Metric) for m in metrics.values()):
            raise TypeError(f"Argument metrics should be a dict of Metric, got {metrics!r}")
        self.metrics = metrics
        self._ready = False
        super().__init__(output_transform=output_transform, skip_unrolling=skip_unrolling)
        self._ready = True

    def _sync_leaves(self) -> list[Metric]:
        return [leaf for m in self.metrics.values() for leaf in m._sync_leaves()]

    def reset(self) -> None:
        # Grouping metrics must not wipe what they accumulated already.
        if not self.__dict__.get("_ready", False):
            return
        for metric in self.metrics.values():
            metric.reset()

    def update(self, output: Any) -> None:
        for metric in self.metrics.values():
            metric.update(output)

    def compute(self) -> dict[str, Any]:
        return {name: metric.compute() for name, metric in self.metrics.items()}

    def state_dict(self) -> Any:
        from collections import OrderedDict

        return OrderedDict(metrics={name: m.state_dict() for name, m in self.metrics.items()})

    def load_state_dict(self, state_dict: Any) -> None:
        Serializable.load_state_dict(self, state_dict)
        for name, metric in self.metrics.items():
            metric.load_state_dict(state_dict["metrics"][name])
