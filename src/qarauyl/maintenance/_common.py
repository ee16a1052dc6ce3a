"""Small pieces the ticket, SLA and grouping code share: statuses, the journal, notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qarauyl.domain.tickets import ACTIVE
from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.models import Ticket, TicketEvent
from qarauyl.maintenance.notifications import Notice, enqueue
from qarauyl.store.models import Camera, District, Organisation


@dataclass(frozen=True)
class TicketChange:
    """What process_transitions / sla_tick did to one ticket (for logs and the monitor's summary)."""

    ticket_id: int
    camera_id: int | None
    change: str  # opened, joined, reopened, recovered, proposed, sla_warning, sla_breach, incident_*, grouped


def journal(
    session: Session,
    ticket: Ticket,
    kind: str,
    at: datetime,
    *,
    actor: str | None = None,
    text: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        TicketEvent(ticket_id=ticket.id, at=at, kind=kind, actor=actor, text=text, detail=detail or {})
    )


def due_at(opened: datetime, priority: str, config: MaintenanceConfig) -> datetime:
    return opened + timedelta(hours=config.sla_hours.get(priority, config.sla_hours["normal"]))


def ticket_label(session: Session, ticket: Ticket) -> str:
    if ticket.camera_id is not None:
        camera = session.get(Camera, ticket.camera_id)
        return f"#{ticket.id} camera {camera.code if camera else ticket.camera_id}"
    return f"#{ticket.id} {ticket.kind} incident {ticket.node or ''}".rstrip()


def notify(
    session: Session, config: MaintenanceConfig, ticket: Ticket, event: str, text: str, at: datetime
) -> None:
    """Routes a notice about this ticket to the outbox, in the caller's transaction."""
    if not config.routes:
        return
    organisation = session.get(Organisation, ticket.maintainer_id) if ticket.maintainer_id else None
    district_id = ticket.district_id
    camera = session.get(Camera, ticket.camera_id) if ticket.camera_id is not None else None
    if camera is not None and district_id is None:
        district_id = camera.district_id
    district = session.get(District, district_id) if district_id else None
    enqueue(
        session,
        config,
        Notice(
            event=event,
            ticket_id=ticket.id,
            text=text,
            at=at,
            priority=ticket.priority,
            organisation=organisation.name if organisation else None,
            district=district.name if district else None,
            codes=tuple(ticket.codes or ()),
            camera=camera.code if camera else None,
        ),
    )


def active_ticket(session: Session, camera_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(Ticket.camera_id == camera_id, Ticket.status.in_(ACTIVE)).limit(1)
    )


def active_incidents(session: Session) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.kind != "camera", Ticket.status.in_(ACTIVE))))
