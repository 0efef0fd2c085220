"""`ignite.metrics` (distribution `ignite-metrics`)."""

__all__: list[str] = []
