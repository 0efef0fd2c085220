"""One rank of the 2-process gloo pool of the metric tests (started by conftest.py, run as a script).

It joins the gloo group once, then serves cases sent over a local connection until told to stop. A case is
``(factory, batches, split)``: build ``factory()``, update it with the first ``split`` batches, compute, restore a
fresh metric from its ``state_dict()``, update that with the rest, compute; the reply is ``("ok", (first, second))``
or ``("error", text)``.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from datetime import timedelta
from multiprocessing.connection import Client
from typing import Any


def _serve(address: tuple[str, int], authkey: bytes) -> None:
    import ignite.distributed as idist

    idist.initialize("gloo", timeout=timedelta(seconds=60))
    conn = Client(address, authkey=authkey)
    # Plain pickle over bytes: the connection's own pickler would pass tensors as shared-memory handles.
    conn.send_bytes(pickle.dumps(("ready", idist.get_rank())))
    while True:
        message = pickle.loads(conn.recv_bytes())
        if message is None:
            break
        factory, batches, split = message
        try:
            metric = factory()
            for batch in batches[:split]:
                metric.update(batch)
            first: Any = metric.compute()
            # Continue in a fresh metric restored from the (collective, all-ranks) state_dict.
            state = metric.state_dict()
            metric = factory()
            metric.load_state_dict(state)
            for batch in batches[split:]:
                metric.update(batch)
            second: Any = metric.compute()
            conn.send_bytes(pickle.dumps(("ok", (first, second))))
        except Exception:
            conn.send_bytes(pickle.dumps(("error", traceback.format_exc())))
    conn.close()
    idist.finalize()


if __name__ == "__main__":
    rank, world_size, port, pool_port = (int(v) for v in sys.argv[1:5])
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world_size),
        LOCAL_WORLD_SIZE=str(world_size),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    _serve(("127.0.0.1", pool_port), os.environ["METRICS_POOL_KEY"].encode())
