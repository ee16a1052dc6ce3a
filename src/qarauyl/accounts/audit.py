"""The audit log: every change made by a person, with before and after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qarauyl.accounts.models import AuditEntry
from qarauyl.accounts.permissions import Principal
from qarauyl.store.models import utcnow


def record_audit(
    session: Session,
    principal: Principal | None,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    client: str | None = None,
) -> AuditEntry:
    """Adds one entry in the caller's transaction, so the change and its record commit together.
    `principal` None means the system (the CLI run by whoever holds the server)."""
    entry = AuditEntry(
        at=utcnow(),
        actor=principal.name if principal else None,
        actor_id=principal.id if principal else None,
        action=action,
        target=target[:300],
        before=before,
        after=after,
        client=client[:100] if client else None,
    )
    session.add(entry)
    return entry


class Auditor:
    """Records one change inside the transaction that makes it: a callback (session, before, after) for the
    capabilities that take one, by a person, or by the system when `principal` is None (the CLI)."""

    def __init__(
        self, principal: Principal | None, action: str, target: str, client: str | None = None
    ) -> None:
        self.principal, self.action, self.target, self.client = principal, action, target, client

    def __call__(self, session: Session, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        record_audit(session, self.principal, self.action, self.target, before, after, client=self.client)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_audit(
    session: Session, filters: AuditFilter, *, limit: int, offset: int
) -> tuple[int, Sequence[AuditEntry]]:
    """The newest entries first, with the total matching count for pagination."""
    query = select(AuditEntry)
    if filters.actor:
        query = query.where(AuditEntry.actor == filters.actor)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.target:
        query = query.where(AuditEntry.target == filters.target)
    if filters.since:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.at < filters.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    )
    return int(total), rows.all()
