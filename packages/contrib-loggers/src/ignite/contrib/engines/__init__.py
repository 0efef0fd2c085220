"""`ignite.contrib.engines` (distribution `ignite-contrib-loggers`)."""

__all__: list[str] = []
