"""Remote probing: probe workers on other machines (`qarauyl worker`), fed through Celery.

A region's cameras sit on several networks (district nodes, a contractor's VPN); a worker inside each
network probes its cameras and only verdicts travel back. The monitor keeps deciding who is due and
recording results; `RemotePool` stands in for the local ProbePool. Jobs and results cross the broker
sealed (encrypted and authenticated with the installation's secret key): the broker never sees a camera
password or a snapshot, and nobody with broker access can make a worker probe a URL of their choosing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qarauyl._lazy import lazy_names

if TYPE_CHECKING:
    from qarauyl.remote.pool import NoWorkerAnswered, RemotePool
    from qarauyl.remote.wire import Sealer, WireError

__all__ = ["NoWorkerAnswered", "RemotePool", "Sealer", "WireError"]

# Loaded on first use: the CLI reads the queue's name (`remote.names`) without importing Celery.
__getattr__ = lazy_names(
    __name__,
    {
        "NoWorkerAnswered": "qarauyl.remote.pool",
        "RemotePool": "qarauyl.remote.pool",
        "Sealer": "qarauyl.remote.wire",
        "WireError": "qarauyl.remote.wire",
    },
)
