"""`ignite.engine` (distribution `ignite-engine`)."""

__all__: list[str] = []
