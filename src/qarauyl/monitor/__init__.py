"""The monitor: schedules probes of every connected camera and records health, events and history.

The package's names are loaded on first use: a probe worker imports `qarauyl.monitor.job` alone, and
importing the service with it (SQLAlchemy, Pydantic, the Starlette app's pieces) cost every worker 31 MiB
of memory it never used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
