"""The maintenance tables: repair tickets and their journal, the health-event watermark, the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from qarauyl.store.models import Base, UtcDateTime, utcnow

# A ticket is "open" (blocks a second ticket for the same camera) until it is closed or cancelled.
FINAL_STATUSES = ("closed", "cancelled")
_ACTIVE = text("status NOT IN ('closed', 'cancelled')")


class Ticket(Base):
    """A repair ticket: for one camera (kind `camera`), or a root-cause incident (kind `node`: cameras
    behind one network node, or `district`: cameras in one district failing within one monitor cycle)."""

    __tablename__ = "maintenance_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="camera")
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id", ondelete="CASCADE"))
    node: Mapped[str | None] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    maintainer_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_ticket.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(24), default="open", index=True)
    priority: Mapped[str] = mapped_column(String(12), default="normal")
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(12), default="monitor")  # monitor | manual
    title: Mapped[str] = mapped_column(String(300), default="")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    recovered_since: Mapped[datetime | None] = mapped_column(UtcDateTime())  # health ok since (monitor)
    proposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # proposed for resolution
    sla_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution_code: Mapped[str | None] = mapped_column(String(40))
    closed_by_override: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who is repairing it: a user's name (the organisation is maintainer_id). Set by hand, or by the first
    # person who acknowledges or starts the ticket.
    assignee: Mapped[str | None] = mapped_column(String(100))
    members: Mapped[list[int]] = mapped_column(JSON, default=list)  # camera ids of an incident
    grouping: Mapped[str | None] = mapped_column(String(300))  # how an incident was grouped, for people
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # One open ticket per camera, enforced by the database so two monitor processes cannot race.
        Index(
            "uq_maintenance_ticket_open_camera",
            "camera_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )


class TicketEvent(Base):
    """The ticket's journal: status changes, faults that joined, comments, photos, SLA warnings."""

    __tablename__ = "maintenance_ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("maintenance_ticket.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str | None] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MaintenanceCursor(Base):
    """Named watermarks (the last health event turned into tickets), so a restart resumes exactly."""

    __tablename__ = "maintenance_cursor"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Base):
    """One notification to one destination, written in the same transaction as the change it reports;
    a delivery worker sends it at least once, retrying with exponential backoff."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # webhook | email | telegram
    target: Mapped[str] = mapped_column(String(500))  # URL, address, chat id
    route: Mapped[str] = mapped_column(String(80), default="")
    group_key: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | dead | merged
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    merged_into: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_notification_outbox_status_next", "status", "next_attempt_at"),)
