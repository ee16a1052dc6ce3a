"""The monitor: schedules probes of every connected camera and records health, events and history."""

from qarauyl.monitor.service import CycleSummary, Monitor, MonitorOptions
from qarauyl.monitor.snapshots import SnapshotStore

__all__ = ["CycleSummary", "Monitor", "MonitorOptions", "SnapshotStore"]
