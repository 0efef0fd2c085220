"""`ignite.utils` (distribution `ignite-distributed`)."""

__all__: list[str] = []
