"""Time-driven checks: SLA warnings and breaches, proposals for resolution, incidents that recovered.

`sla_tick(db, now, config)` is idempotent (each warning, breach and proposal is stamped on the
ticket), so it can run after every monitor flush and on a timer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qarauyl.domain import Health
from qarauyl.domain.tickets import ACTIVE, WORKING
from qarauyl.maintenance._common import TicketChange, journal, notify
from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.models import Ticket
from qarauyl.store.database import Database
from qarauyl.store.models import Camera


def sla_state(ticket: Ticket, now: datetime, config: MaintenanceConfig) -> str:
    """`ok`, `warning` (the warning share of the time is spent), `breached`; `met`/`missed` once done."""
    if ticket.due_at is None:
        return "ok"
    done = ticket.resolved_at or (ticket.closed_at if ticket.status == "closed" else None)
    if done is not None:
        return "met" if done <= ticket.due_at else "missed"
    if now >= ticket.due_at:
        return "breached"
    if now >= warn_at(ticket, config):
        return "warning"
    return "ok"


def warn_at(ticket: Ticket, config: MaintenanceConfig) -> datetime:
    assert ticket.due_at is not None
    return ticket.opened_at + (ticket.due_at - ticket.opened_at) * config.warn_fraction


def sla_tick(db: Database, now: datetime, config: MaintenanceConfig) -> list[TicketChange]:
    with db.session() as session:
        return sla_pass(session, now, config)


def sla_pass(session: Session, now: datetime, config: MaintenanceConfig) -> list[TicketChange]:
    changes: list[TicketChange] = []
    tickets = session.scalars(select(Ticket).where(Ticket.status.in_(ACTIVE)).order_by(Ticket.id)).all()
    for ticket in tickets:
        if ticket.status in WORKING and ticket.due_at is not None:
            if ticket.sla_breached_at is None and now >= ticket.due_at:
                ticket.sla_breached_at = now
                ticket.sla_warned_at = ticket.sla_warned_at or now
                notice = notify(session, config, ticket, "sla_breach", now, values={"due_at": ticket.due_at})
                journal(session, ticket, "sla_breach", now, notice=notice)
                changes.append(TicketChange(ticket.id, ticket.camera_id, "sla_breach"))
            elif ticket.sla_warned_at is None and now >= warn_at(ticket, config) and now < ticket.due_at:
                ticket.sla_warned_at = now
                left = (ticket.due_at - now).total_seconds() / 3600
                notice = notify(session, config, ticket, "sla_warning", now, values={"hours": left})
                journal(session, ticket, "sla_warning", now, notice=notice)
                changes.append(TicketChange(ticket.id, ticket.camera_id, "sla_warning"))
        if (
            ticket.kind == "camera"
            and ticket.status in WORKING
            and ticket.proposed_at is None
            and ticket.recovered_since is not None
            and now - ticket.recovered_since >= timedelta(minutes=config.confirm_minutes)
            and _camera_ok(session, ticket.camera_id)
        ):
            ticket.proposed_at = now
            notice = notify(
                session,
                config,
                ticket,
                "proposed_resolution",
                now,
                values={"since_at": ticket.recovered_since},
            )
            journal(session, ticket, "proposed_resolution", now, notice=notice)
            changes.append(TicketChange(ticket.id, ticket.camera_id, "proposed"))
    return changes


def _camera_ok(session: Session, camera_id: int | None) -> bool:
    camera = session.get(Camera, camera_id) if camera_id is not None else None
    return camera is not None and camera.health == Health.OK.value


def monitor_confirms(session: Session, ticket: Ticket, now: datetime, config: MaintenanceConfig) -> bool:
    """The monitor's confirmation that the camera works: healthy now, and for the confirmation time."""
    camera = session.get(Camera, ticket.camera_id) if ticket.camera_id is not None else None
    return (
        camera is not None
        and camera.health == Health.OK.value
        and camera.health_since is not None
        and now - camera.health_since >= timedelta(minutes=config.confirm_minutes)
    )
