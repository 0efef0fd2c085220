"""auto_dataloader / auto_model / auto_optim / DistributedProxySampler, serially and in a pretend 4-process world."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
import torch
from torch import nn
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
    WeightedRandomSampler,
)
from torch.utils.data.distributed import DistributedSampler

import ignite.distributed as idist
import ignite.distributed.utils as idist_utils
from ignite.distributed.comp_models import _SerialModel


class _PretendWorld(_SerialModel):
    """Answers the queries of a rank in a bigger world; the helpers under test only ask, never communicate."""

    name: ClassVar[str] = "pretend"

    def __init__(self, rank: int = 1, world_size: int = 4, nproc_per_node: int = 2, backend: str = "gloo") -> None:
        self._rank, self._world_size, self._nproc, self._backend = rank, world_size, nproc_per_node, backend

    def get_rank(self) -> int:
        return self._rank

    def get_local_rank(self) -> int:
        return self._rank % self._nproc

    def get_world_size(self) -> int:
        return self._world_size

    def get_nproc_per_node(self) -> int:
        return self._nproc

    def device(self) -> torch.device:
        return torch.device("cpu")

    def backend(self) -> str | None:
        return self._backend


def _dataset(n: int = 20) -> TensorDataset:
    return TensorDataset(torch.arange(n))


def test_serial_dataloader_is_plain() -> None:
    loader = idist.auto_dataloader(_dataset(), batch_size=8, num_workers=0, shuffle=False)
    assert isinstance(loader, DataLoader)
    assert loader.batch_size == 8
    assert isinstance(loader.sampler, SequentialSampler)
    assert loader.pin_memory is False


def test_dataloader_splits_batch_and_workers_and_shards() -> None:
    idist_utils._set_model(_PretendWorld(rank=1, world_size=4, nproc_per_node=2))
    loader = idist.auto_dataloader(_dataset(), batch_size=32, num_workers=3, shuffle=False)
    assert loader.batch_size == 8
    assert loader.num_workers == 2
    sampler = loader.sampler
    assert isinstance(sampler, DistributedSampler)
    assert (sampler.rank, sampler.num_replicas, sampler.shuffle) == (1, 4, False)
    assert list(sampler) == [1, 5, 9, 13, 17]
    # Global values smaller than the world are kept as they are.
    small = idist.auto_dataloader(_dataset(), batch_size=2, num_workers=1)
    assert small.batch_size == 2 and small.num_workers == 1
    assert isinstance(small.sampler, DistributedSampler) and small.sampler.shuffle


def test_dataloader_wraps_a_plain_sampler_in_the_proxy() -> None:
    idist_utils._set_model(_PretendWorld(rank=0, world_size=2))
    loader = idist.auto_dataloader(_dataset(6), batch_size=2, sampler=SequentialSampler(range(6)))
    assert isinstance(loader.sampler, idist.DistributedProxySampler)
    assert list(loader.sampler) == [0, 2, 4]


def test_dataloader_warns_about_a_foreign_distributed_sampler() -> None:
    idist_utils._set_model(_PretendWorld(rank=1, world_size=4))
    sampler: DistributedSampler[Any] = DistributedSampler(_dataset(), num_replicas=2, rank=0)
    with pytest.warns(UserWarning) as records:
        loader = idist.auto_dataloader(_dataset(), batch_size=4, sampler=sampler)
    messages = [str(r.message) for r in records]
    assert "DistributedSampler has rank=0, but this process has rank 1" in messages
    assert "DistributedSampler has num_replicas=2, but the world size is 4" in messages
    assert loader.sampler is sampler


def test_dataloader_passes_batch_sampler_and_iterable_datasets_through() -> None:
    idist_utils._set_model(_PretendWorld())
    batch_sampler = BatchSampler(SequentialSampler(range(8)), batch_size=2, drop_last=False)
    with pytest.warns(UserWarning, match=r"auto_dataloader got a batch_sampler"):
        loader = idist.auto_dataloader(_dataset(8), batch_sampler=batch_sampler)
    assert loader.batch_sampler is batch_sampler

    class Stream(IterableDataset[int]):
        def __iter__(self) -> Any:
            return iter(range(4))

    stream_loader = idist.auto_dataloader(Stream(), batch_size=8)
    assert stream_loader.batch_size == 2
    assert [b.tolist() for b in stream_loader] == [[0, 1], [2, 3]]


def test_auto_model_serial_and_argument_checks() -> None:
    model = nn.Linear(2, 1)
    assert idist.auto_model(model) is model
    with pytest.raises(TypeError, match=r"Argument model should be a torch.nn.Module, got str"):
        idist.auto_model("model")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Argument sync_bn should be a bool, got int"):
        idist.auto_model(model, sync_bn=1)  # type: ignore[arg-type]


class _RecordingDDP(nn.Module):
    def __init__(self, module: nn.Module, **kwargs: Any) -> None:
        super().__init__()
        self.module = module
        self.kwargs = kwargs


def test_auto_model_wraps_in_ddp_with_sync_bn_and_kwargs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nn.parallel, "DistributedDataParallel", _RecordingDDP)
    idist_utils._set_model(_PretendWorld(backend="gloo"))
    wrapped = idist.auto_model(nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)), sync_bn=True, bucket_cap_mb=5)
    assert isinstance(wrapped, _RecordingDDP)
    assert wrapped.kwargs == {"bucket_cap_mb": 5}
    assert isinstance(wrapped.module, nn.Sequential) and isinstance(wrapped.module[1], nn.SyncBatchNorm)
    plain = idist.auto_model(nn.Sequential(nn.BatchNorm1d(3)))
    assert isinstance(plain, _RecordingDDP)
    assert isinstance(plain.module, nn.Sequential) and type(plain.module[0]) is nn.BatchNorm1d


def test_auto_model_under_horovod_without_horovod_names_the_extra() -> None:
    idist_utils._set_model(_PretendWorld(backend="horovod"))
    with pytest.raises(ImportError, match=r'pip install "ignite-distributed\[horovod\]"'):
        idist.auto_model(nn.Linear(2, 1))


def test_auto_optim() -> None:
    optimizer = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    assert idist.auto_optim(optimizer) is optimizer
    with pytest.raises(TypeError, match=r"Argument optimizer should be a torch.optim.Optimizer, got str"):
        idist.auto_optim("sgd")  # type: ignore[arg-type]
    idist_utils._set_model(_PretendWorld(backend="gloo"))
    assert idist.auto_optim(optimizer) is optimizer
    idist_utils._set_model(_PretendWorld(backend="horovod"))
    with pytest.raises(ImportError, match=r'pip install "ignite-distributed\[horovod\]"'):
        idist.auto_optim(optimizer)
    idist_utils._set_model(_PretendWorld(backend="xla-tpu"))
    with pytest.raises(ImportError, match=r'pip install "ignite-distributed\[xla\]"'):
        idist.auto_optim(optimizer)


def test_proxy_sampler_shards_cover_the_draw_and_keep_global_rng() -> None:
    weights = [0.1, 0.5, 0.2, 0.9, 0.3, 0.4, 0.8]
    base = WeightedRandomSampler(weights, num_samples=7)
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    shards = [list(idist.DistributedProxySampler(base, num_replicas=3, rank=r)) for r in range(3)]
    # The global random state is untouched by the draws.
    assert torch.equal(torch.rand(1), expected_next)
    assert [len(s) for s in shards] == [3, 3, 3]
    with torch.random.fork_rng():
        torch.manual_seed(0)
        full = list(base)
    interleaved = [shards[i % 3][i // 3] for i in range(7)]
    assert interleaved == full
    sampler = idist.DistributedProxySampler(base, num_replicas=3, rank=0)
    sampler.set_epoch(0)
    first = list(sampler)
    assert list(sampler) == first
    draws = set()
    for epoch in range(1, 6):
        sampler.set_epoch(epoch)
        draws.add(tuple(sampler))
    assert len(draws) > 1


def test_proxy_sampler_argument_checks() -> None:
    with pytest.raises(TypeError, match=r"Argument sampler should be a torch.utils.data.Sampler, got list"):
        idist.DistributedProxySampler([1, 2], num_replicas=2, rank=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"should not be a DistributedSampler already"):
        idist.DistributedProxySampler(DistributedSampler(_dataset(), num_replicas=2, rank=0), num_replicas=2, rank=0)

    class Endless(torch.utils.data.Sampler[int]):
        def __iter__(self) -> Any:
            return iter(range(3))

    with pytest.raises(TypeError, match=r"Argument sampler should have a length, got Endless without __len__"):
        idist.DistributedProxySampler(Endless(), num_replicas=2, rank=0)
