"""Helpers that adapt a data loader, a model and an optimizer to the current distributed configuration."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch.optim import Optimizer
from torch.utils.data import DataLoader, Dataset, IterableDataset, Sampler
from torch.utils.data.distributed import DistributedSampler

from ignite.distributed import utils as idist_utils
from ignite.utils import setup_logger

__all__ = ["DistributedProxySampler", "auto_dataloader", "auto_model", "auto_optim"]

_NATIVE_BACKENDS = ("nccl", "gloo", "mpi")


def auto_dataloader(dataset: Dataset[Any], **kwargs: Any) -> DataLoader[Any] | Any:
    """Build a ``DataLoader`` of ``dataset`` for this process, with ``kwargs`` given for the whole job.

    With several processes, ``batch_size`` and ``num_workers`` are global values: each process gets
    ``batch_size // world_size`` samples per batch and ``ceil(num_workers / nproc_per_node)`` workers. Without a
    ``sampler`` a :class:`~torch.utils.data.distributed.DistributedSampler` shards the dataset (shuffling unless
    ``shuffle=False``); a non-distributed ``sampler`` is wrapped in :class:`DistributedProxySampler`. Iterable
    datasets and ``batch_sampler`` are passed through untouched (the dataset must shard itself). ``pin_memory``
    defaults to True on CUDA devices. On XLA the loader is wrapped in ``MpDeviceLoader``.

    >>> import torch, ignite.distributed as idist
    >>> loader = idist.auto_dataloader(list(range(10)), batch_size=4)
    >>> [batch.tolist() for batch in loader]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    """
    rank, world_size = idist_utils.get_rank(), idist_utils.get_world_size()
    logger = setup_logger(__name__ + ".auto_dataloader")
    if world_size > 1:
        if "batch_size" in kwargs and kwargs["batch_size"] >= world_size:
            kwargs["batch_size"] //= world_size
        nproc = idist_utils.get_nproc_per_node()
        if "num_workers" in kwargs and kwargs["num_workers"] >= nproc:
            kwargs["num_workers"] = (kwargs["num_workers"] + nproc - 1) // nproc
        if "batch_sampler" in kwargs:
            warnings.warn(
                "auto_dataloader got a batch_sampler: it is used as given; make sure it yields different batches "
                "on each of the processes",
                stacklevel=2,
            )
        elif isinstance(dataset, IterableDataset):
            logger.info("Iterable dataset: no distributed sampler; the dataset should give each rank its own data")
        else:
            kwargs["sampler"] = _distributed_sampler(dataset, kwargs, rank, world_size)
    backend = idist_utils.backend()
    if backend == "xla-tpu" and kwargs.get("pin_memory", False):
        warnings.warn("pin_memory=True is not supported with XLA: using pin_memory=False", stacklevel=2)
        kwargs["pin_memory"] = False
    else:
        kwargs.setdefault("pin_memory", idist_utils.device().type == "cuda")
    logger.info(f"Data loader kwargs for dataset {repr(dataset)[:20].strip()!r}: {kwargs}")
    loader: DataLoader[Any] = DataLoader(dataset, **kwargs)
    if backend == "xla-tpu" and world_size > 1:
        from ignite.distributed.comp_models.xla import wrap_loader

        return wrap_loader(loader)
    return loader


def _distributed_sampler(dataset: Any, kwargs: dict[str, Any], rank: int, world_size: int) -> Sampler[Any]:
    sampler = kwargs.get("sampler")
    if isinstance(sampler, DistributedSampler):
        if sampler.rank != rank:
            warnings.warn(f"DistributedSampler has rank={sampler.rank}, but this process has rank {rank}", stacklevel=3)
        if sampler.num_replicas != world_size:
            warnings.warn(
                f"DistributedSampler has num_replicas={sampler.num_replicas}, but the world size is {world_size}",
                stacklevel=3,
            )
        return sampler
    if sampler is None:
        # DataLoader refuses shuffle together with a sampler: the sampler does the shuffling.
        shuffle = kwargs.pop("shuffle", True)
        return DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=shuffle)
    return DistributedProxySampler(sampler, num_replicas=world_size, rank=rank)


def auto_model(model: nn.Module, sync_bn: bool = False, **kwargs: Any) -> nn.Module:
    """Move ``model`` to :func:`~ignite.distributed.device` and wrap it for the current configuration.

    Native backends with several processes: ``DistributedDataParallel`` (``device_ids=[local_rank]`` on CUDA; with
    ``sync_bn=True`` batch norms become ``SyncBatchNorm`` first). Horovod: parameters are broadcast from rank 0.
    One process seeing several GPUs: ``DataParallel``. ``kwargs`` go to the wrapper.

    >>> import torch, ignite.distributed as idist
    >>> idist.auto_model(torch.nn.Linear(2, 1)).weight.device
    device(type='cpu')
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"Argument model should be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(sync_bn, bool):
        raise TypeError(f"Argument sync_bn should be a bool, got {type(sync_bn).__name__}")
    logger = setup_logger(__name__ + ".auto_model")
    device = idist_utils.device()
    if any(p.device != device for p in model.parameters()):
        model.to(device)
    backend = idist_utils.backend()
    if idist_utils.get_world_size() > 1:
        if backend in _NATIVE_BACKENDS:
            if sync_bn:
                logger.info("Converting batch norm layers to SyncBatchNorm")
                model = nn.SyncBatchNorm.convert_sync_batchnorm(model)  # type: ignore[no-untyped-call]
            if device.type == "cuda":
                if "device_ids" in kwargs:
                    raise ValueError(
                        f"Argument kwargs should not hold device_ids (set from the local rank), got {kwargs}"
                    )
                kwargs["device_ids"] = [idist_utils.get_local_rank()]
            logger.info(f"Wrapping the model in DistributedDataParallel with {kwargs}")
            return nn.parallel.DistributedDataParallel(model, **kwargs)
        if backend == "horovod":
            from ignite.distributed.comp_models.horovod import broadcast_model

            logger.info("Broadcasting the initial model state from rank 0")
            broadcast_model(model)
        return model
    if torch.cuda.device_count() > 1 and device.type == "cuda":
        logger.info("Wrapping the model in DataParallel")
        return nn.parallel.DataParallel(model, **kwargs)
    return model


def auto_optim(optimizer: Optimizer, **kwargs: Any) -> Optimizer:
    """Adapt ``optimizer`` to the backend: Horovod's ``DistributedOptimizer`` (``kwargs`` go to it, the state is
    broadcast from rank 0) or, on XLA, an optimizer whose ``step`` goes through ``xm.optimizer_step``. Other
    configurations get ``optimizer`` back unchanged.

    >>> import torch, ignite.distributed as idist
    >>> optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    >>> idist.auto_optim(optimizer) is optimizer
    True
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"Argument optimizer should be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    backend = idist_utils.backend()
    if backend == "xla-tpu":
        from ignite.distributed.comp_models.xla import wrap_optimizer

        return wrap_optimizer(optimizer)
    if backend == "horovod":
        from ignite.distributed.comp_models.horovod import wrap_optimizer as hvd_wrap_optimizer

        return hvd_wrap_optimizer(optimizer, **kwargs)
    return optimizer


class DistributedProxySampler(DistributedSampler[Any]):
    """Shard the indices of any sampler (e.g. ``WeightedRandomSampler``) between the processes.

    Every rank draws the full sequence of ``sampler`` with the same seed (``seed + epoch``, inside a forked RNG so
    the global random state is untouched), repeats it up to ``total_size`` and keeps every ``num_replicas``-th index
    from position ``rank``. Call ``set_epoch`` each epoch for a new draw.

    >>> from torch.utils.data import SequentialSampler
    >>> list(DistributedProxySampler(SequentialSampler(range(5)), num_replicas=2, rank=1))
    [1, 3, 0]
    """

    def __init__(self, sampler: Sampler[Any], num_replicas: int | None = None, rank: int | None = None) -> None:
        if not isinstance(sampler, Sampler):
            raise TypeError(f"Argument sampler should be a torch.utils.data.Sampler, got {type(sampler).__name__}")
        if isinstance(sampler, DistributedSampler):
            raise TypeError("Argument sampler should not be a DistributedSampler already, got one")
        if not hasattr(sampler, "__len__"):
            raise TypeError(f"Argument sampler should have a length, got {type(sampler).__name__} without __len__")
        super().__init__(sampler, num_replicas=num_replicas, rank=rank, shuffle=False)  # type: ignore[arg-type]
        self.sampler = sampler

    def __iter__(self) -> Iterator[Any]:
        indices: list[Any] = []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed + self.epoch)
            while len(indices) < self.total_size:
                indices.extend(self.sampler)
        shard = indices[: self.total_size][self.rank : self.total_size : self.num_replicas]
        if len(shard) != self.num_samples:
            raise RuntimeError(f"DistributedProxySampler produced {len(shard)} indices, expected {self.num_samples}")
        return iter(shard)
