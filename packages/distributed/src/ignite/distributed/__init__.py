"""`ignite.distributed` (distribution `ignite-distributed`)."""

__all__: list[str] = []
