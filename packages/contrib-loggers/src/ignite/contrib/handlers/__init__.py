"""`ignite.contrib.handlers` (distribution `ignite-contrib-loggers`)."""

__all__: list[str] = []
