"""`ignite.base` (distribution `ignite-distributed`)."""

__all__: list[str] = []
