"""Root-cause grouping: many cameras failing together are one incident, not dozens of tickets.

Pure functions over plain data. With node data (the inventory's `network_node`), a node is down when
at least `node_min_cameras` and `node_fraction` of the cameras behind it failed with an outage code
within `group_window_seconds` of each other. Without node data, cameras of one district whose
outages were confirmed within `district_window_seconds` are grouped "by time and district". Both windows
are a monitor cycle long: each camera is probed at its own moment of the cycle, so cameras that fail in
the same second are found up to a cycle apart.

A camera never seen working (the monitor's first probes of a new deployment, or of a camera just
connected) was broken for who knows how long: the minute it was found says nothing about when it failed,
so it is no evidence of a shared cause in time, and the district grouping leaves it to its own ticket. A
node still groups it: most cameras dead behind one cabinet point at the cabinet, whenever they died.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from qarauyl.maintenance.config import MaintenanceConfig


@dataclass(frozen=True)
class Outage:
    """One camera's current outage: when it began and the codes."""

    camera_id: int
    at: datetime
    node: str | None
    district_id: int | None
    began_known: bool = True  # False: never seen working, so `at` is when it was found, not when it failed


@dataclass(frozen=True)
class Group:
    kind: str  # node | district
    key: str  # the node name, or the district id as text
    camera_ids: tuple[int, ...]
    started: datetime
    explanation: str
    size: int = 0  # every camera behind the node (a node group)
    window_seconds: int = 0  # how close together the outages began


def node_groups(
    outages: Iterable[Outage], node_sizes: dict[str, int], config: MaintenanceConfig
) -> list[Group]:
    """Nodes where most cameras are out together. `node_sizes` counts every camera behind each node."""
    by_node: dict[str, list[Outage]] = defaultdict(list)
    for outage in outages:
        if outage.node:
            by_node[outage.node].append(outage)
    window = timedelta(seconds=config.group_window_seconds)
    groups = []
    for node, items in sorted(by_node.items()):
        items.sort(key=lambda o: o.at)
        size = node_sizes.get(node, len(items))
        # The largest set of outages starting within one window of each other (two-pointer sweep).
        best: list[Outage] = []
        left = 0
        for right in range(len(items)):
            while items[right].at - items[left].at > window:
                left += 1
            if right - left + 1 > len(best):
                best = items[left : right + 1]
        if len(best) >= config.node_min_cameras and len(best) >= config.node_fraction * size:
            groups.append(
                Group(
                    "node",
                    node,
                    tuple(sorted(o.camera_id for o in best)),
                    best[0].at,
                    f"{len(best)} of {size} cameras behind node {node} went offline together",
                    size=size,
                    window_seconds=int(config.group_window_seconds),
                )
            )
    return groups


def district_groups(outages: Iterable[Outage], config: MaintenanceConfig) -> list[Group]:
    """Cameras without node data, in one district, whose outages were confirmed within one window (and
    began while the monitor watched: see the module's note on cameras never seen working)."""
    by_district: dict[int, list[Outage]] = defaultdict(list)
    for outage in outages:
        if not outage.node and outage.district_id is not None and outage.began_known:
            by_district[outage.district_id].append(outage)
    window = timedelta(seconds=config.district_window_seconds)
    groups = []
    for district_id, items in sorted(by_district.items()):
        items.sort(key=lambda o: o.at)
        best: list[Outage] = []
        left = 0
        for right in range(len(items)):
            while items[right].at - items[left].at > window:
                left += 1
            if right - left + 1 > len(best):
                best = items[left : right + 1]
        if len(best) >= config.district_min_cameras:
            groups.append(
                Group(
                    "district",
                    str(district_id),
                    tuple(sorted(o.camera_id for o in best)),
                    best[0].at,
                    f"grouped by time and district (no node data): {len(best)} cameras failed within "
                    f"{int(config.district_window_seconds)} s",
                    size=len(best),
                    window_seconds=int(config.district_window_seconds),
                )
            )
    return groups
