"""`ignite.exceptions` (distribution `ignite-distributed`)."""

__all__: list[str] = []
