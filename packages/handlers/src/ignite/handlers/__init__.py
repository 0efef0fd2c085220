"""`ignite.handlers` (distribution `ignite-handlers`)."""

__all__: list[str] = []
