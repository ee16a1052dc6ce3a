"""Small pieces the ticket, SLA and grouping code share: statuses, the journal, notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qarauyl.domain.tickets import ACTIVE
from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.models import Ticket, TicketEvent
from qarauyl.maintenance.notifications import Notice, contact, enqueue, enqueue_personal
from qarauyl.maintenance.notifications.wording import notice_text, translator
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
    notice: Notice | None = None,
) -> None:
    """One line of the ticket's history. `text` is English (the API and the CLI show it as it is); a
    `notice` (what `notify` returned) gives the text when there is none and keeps the notice's key and
    values in `detail`, so that the console can say the line in its reader's language."""
    detail = dict(detail or {})
    if notice is not None:
        text = text or notice.text
        detail["notice"] = notice.item()
    session.add(TicketEvent(ticket_id=ticket.id, at=at, kind=kind, actor=actor, text=text, detail=detail))


def due_at(opened: datetime, priority: str, config: MaintenanceConfig) -> datetime:
    return opened + timedelta(hours=config.sla_hours.get(priority, config.sla_hours["normal"]))


def notify(
    session: Session,
    config: MaintenanceConfig,
    ticket: Ticket,
    event: str,
    at: datetime,
    *,
    key: str | None = None,
    values: Mapping[str, Any] | None = None,
    codes: Sequence[str] | None = None,
    cause: str | None = None,
    actor: str | None = None,
    person: str | None = None,
) -> Notice:
    """Routes a notice about this ticket to the outbox, in the caller's transaction, and returns it (its
    `text` in English) for the journal. Its words are the catalogue's `key` (default `notice.<event>`)
    with `values` (see notifications.wording); `codes` default to the ticket's. The ticket's assignee (or
    `person`, for a notice about someone else) is told too (`assignee_events`), unless they are the
    `actor`, who made the change."""
    organisation = session.get(Organisation, ticket.maintainer_id) if ticket.maintainer_id else None
    district_id = ticket.district_id
    camera = session.get(Camera, ticket.camera_id) if ticket.camera_id is not None else None
    if camera is not None and district_id is None:
        district_id = camera.district_id
    district = session.get(District, district_id) if district_id else None
    stored = {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in (values or {}).items()
    }
    notice = Notice(
        event=event,
        ticket_id=ticket.id,
        text="",
        at=at,
        priority=ticket.priority,
        organisation=organisation.name if organisation else None,
        district=district.name if district else None,
        codes=tuple(ticket.codes or () if codes is None else codes),
        camera=camera.code if camera else None,
        kind=ticket.kind,
        node=ticket.node,
        cause=cause,
        key=key or f"notice.{event}",
        values=stored,
    )
    notice = replace(notice, text=notice_text(notice.item(), translator("en", config.zone())))
    rows = enqueue(session, config, notice) if config.routes else []
    told = person or ticket.assignee
    if told and told != actor and event in config.assignee_events:
        address = contact(session, told)
        if address is not None:
            enqueue_personal(session, config, notice, address, rows)
    return notice


def active_ticket(session: Session, camera_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(Ticket.camera_id == camera_id, Ticket.status.in_(ACTIVE)).limit(1)
    )


def active_incidents(session: Session) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.kind != "camera", Ticket.status.in_(ACTIVE))))
