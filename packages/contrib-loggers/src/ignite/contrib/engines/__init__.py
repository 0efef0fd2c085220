"""`ignite.contrib.engines` (distribution `ignite-contrib-loggers`): ready-made trainers and handler setups.

``common`` holds the ``setup_*`` helpers; the truncated-BPTT trainer and its events are exported here as in Ignite 0.5.
"""

from __future__ import annotations

from ignite.contrib.engines.tbptt import Tbptt_Events, create_supervised_tbptt_trainer

__all__ = ["Tbptt_Events", "create_supervised_tbptt_trainer"]
