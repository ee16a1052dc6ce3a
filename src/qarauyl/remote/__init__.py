"""Remote probing: probe workers on other machines (`qarauyl worker`), fed through Celery.

A region's cameras sit on several networks (district nodes, a contractor's VPN); a worker inside each
network probes its cameras and only verdicts travel back. The monitor keeps deciding who is due and
recording results; `RemotePool` stands in for the local ProbePool. Jobs and results cross the broker
sealed (encrypted and authenticated with the installation's secret key): the broker never sees a camera
password or a snapshot, and nobody with broker access can make a worker probe a URL of their choosing.
"""

from qarauyl.remote.pool import NoWorkerAnswered, RemotePool
from qarauyl.remote.wire import Sealer, WireError

__all__ = ["NoWorkerAnswered", "RemotePool", "Sealer", "WireError"]
