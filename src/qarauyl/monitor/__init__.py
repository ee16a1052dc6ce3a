"""The monitor: schedules probes of every connected camera and records health, events and history.

The package's names are loaded on first use: a probe worker imports `qarauyl.monitor.job` alone, and
importing the service with it (SQLAlchemy, Pydantic, the Starlette app's pieces) cost every worker 31 MiB
of memory it never used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qarauyl._lazy import lazy_names

if TYPE_CHECKING:
    from qarauyl.monitor.service import CycleSummary, Monitor, MonitorOptions
    from qarauyl.monitor.snapshots import SnapshotStore

__all__ = ["CycleSummary", "Monitor", "MonitorOptions", "SnapshotStore"]

_HOMES = {
    "CycleSummary": "qarauyl.monitor.service",
    "Monitor": "qarauyl.monitor.service",
    "MonitorOptions": "qarauyl.monitor.service",
    "SnapshotStore": "qarauyl.monitor.snapshots",
}

__getattr__ = lazy_names(__name__, _HOMES)
