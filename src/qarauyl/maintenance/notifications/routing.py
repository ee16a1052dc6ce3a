"""Routing rules: which destinations hear about which ticket events."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from qarauyl.maintenance.config import MaintenanceConfig, Route
from qarauyl.maintenance.models import OutboxMessage


@dataclass(frozen=True)
class Notice:
    """One thing worth telling people: a ticket opened, an SLA about to break, an incident raised."""

    # opened, reopened, escalated, proposed_resolution, sla_warning, sla_breach, incident_opened,
    # incident_closed, resolved, closed, removed_for_repair
    event: str
    ticket_id: int
    text: str  # in English, as the journal keeps it; each destination is told in its language (wording)
    at: datetime
    priority: str = "normal"
    organisation: str | None = None
    district: str | None = None
    codes: tuple[str, ...] = ()
    camera: str | None = None
    kind: str = "camera"  # or the incident's: node, district
    node: str | None = None
    cause: str | None = None  # why the camera could not be read (probe.result.ProbeCause)
    key: str = ""  # the catalogue key of its words (notice.*), and their values
    values: dict[str, Any] = field(default_factory=dict)

    def item(self) -> dict[str, object]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        data["codes"] = list(self.codes)
        return data


def matches(route: Route, notice: Notice) -> bool:
    """Every non-empty filter of the route must accept the notice (faults: any code in common)."""
    if route.events and notice.event not in route.events:
        return False
    if route.organisations and notice.organisation not in route.organisations:
        return False
    if route.districts and notice.district not in route.districts:
        return False
    if route.priorities and notice.priority not in route.priorities:
        return False
    return not (route.faults and not set(route.faults) & set(notice.codes))


def enqueue(session: Session, config: MaintenanceConfig, notice: Notice) -> list[OutboxMessage]:
    """Adds one outbox row per matching route, in the caller's transaction: the change and its
    notification commit together or not at all. Rows wait `notify_group_seconds` so that a burst of
    events for one destination leaves as one message."""
    rows = []
    for route in config.routes:
        if not matches(route, notice):
            continue
        row = OutboxMessage(
            channel=route.channel,
            target=route.target,
            route=route.name,
            group_key=f"{route.channel}:{route.target}",
            subject=notice.text[:300],
            body={"language": route.language, "items": [notice.item()]},
            created_at=notice.at,
            next_attempt_at=notice.at + timedelta(seconds=config.notify_group_seconds),
            attempts=0,
            status="pending",
        )
        session.add(row)
        rows.append(row)
    return rows
