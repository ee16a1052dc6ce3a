"""The durable outbox worker: grouping, rate limits, at-least-once delivery with exponential backoff.

A row is sent only after it is committed, and marked sent only after the destination took it: a crash
between the two sends it again (at least once; webhooks carry a delivery id for de-duplication).
Before sending, a claim moves `next_attempt_at` past the send timeout, so two workers (or a worker
that died mid-send) never hold a message for good.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.models import OutboxMessage
from qarauyl.maintenance.notifications.channels import DeliveryError, send_email, send_telegram, send_webhook
from qarauyl.maintenance.notifications.wording import message_text, notice_text, ticket_url, translator
from qarauyl.store.database import Database


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    merged: int = 0
    deferred: int = 0  # held back by the rate limit


def backoff(attempts: int, config: MaintenanceConfig) -> timedelta:
    """30 s, 60 s, 2 min, … capped at an hour: an endpoint that is down for a day is not hammered."""
    seconds = config.retry_base_seconds * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, config.retry_max_seconds))


def supersede(session: Any, ticket_ids: set[int]) -> int:
    """Drops not-yet-attempted messages that only speak of these tickets (camera tickets folded into
    an incident): the incident's own message says it all."""
    count = 0
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.attempts == 0)
    )
    for row in rows:
        items = row.body.get("items", [])
        if items and all(
            item.get("ticket_id") in ticket_ids and item.get("event") == "opened" for item in items
        ):
            row.status = "superseded"
            count += 1
    return count


def _claim(db: Database, now: datetime, config: MaintenanceConfig, limit: int) -> tuple[list[int], int, int]:
    """Merges each destination's pending rows into its oldest due one and claims the carriers."""
    claimed: list[int] = []
    merged = deferred = 0
    lease = timedelta(seconds=config.channels.timeout_seconds * 3 + 30)
    with db.session() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .with_for_update(skip_locked=True)
        )
        by_destination: dict[str, list[OutboxMessage]] = defaultdict(list)
        for row in session.scalars(query):
            by_destination[row.group_key].append(row)
        for key, rows in by_destination.items():
            due = [r for r in rows if r.next_attempt_at <= now]
            if not due or len(claimed) >= limit:
                continue
            carrier = due[0]
            # Never-attempted rows join the carrier; rows already tried keep their own retry schedule
            # unless the carrier is one of them (then new items ride along with the retry).
            for other in rows:
                if other is carrier or other.attempts > 0:
                    continue
                # The carrier's language says them all (two routes to one address in two languages are
                # a configuration to fix, not a reason to split one destination's digest).
                carrier.body = {
                    **carrier.body,
                    "items": [*carrier.body.get("items", []), *other.body.get("items", [])],
                }
                other.status = "merged"
                other.merged_into = carrier.id
                merged += 1
            window_start = now - timedelta(hours=1)
            sent_recently = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.group_key == key,
                    OutboxMessage.status == "sent",
                    OutboxMessage.sent_at >= window_start,
                )
            )
            if (sent_recently or 0) >= config.rate_limit_per_hour:
                oldest = session.scalar(
                    select(func.min(OutboxMessage.sent_at)).where(
                        OutboxMessage.group_key == key,
                        OutboxMessage.status == "sent",
                        OutboxMessage.sent_at >= window_start,
                    )
                )
                carrier.next_attempt_at = (oldest or now) + timedelta(hours=1)
                deferred += 1
                continue
            carrier.attempts += 1
            carrier.next_attempt_at = now + lease
            claimed.append(carrier.id)
    return claimed, merged, deferred


def _send(row: OutboxMessage, config: MaintenanceConfig, now: datetime) -> None:
    items: list[dict[str, Any]] = row.body.get("items", [])
    # Rows written before routes had a language were English.
    tr = translator(row.body.get("language") or "en", config.zone())
    subject, text = message_text(items, tr, config.console_url)
    if row.channel == "webhook":
        # Machines read the fields; `text` is for whatever shows the event to a person, `url` its ticket.
        events = [
            {**item, "text": notice_text(item, tr), "url": ticket_url(item, config.console_url)}
            for item in items
        ]
        payload = {"id": row.id, "sent_at": now.isoformat(), "language": tr.language, "events": events}
        send_webhook(config.channels, row.target, row.id, payload, now.isoformat())
    elif row.channel == "email":
        send_email(config.channels, row.target, subject, text)
    elif row.channel == "telegram":
        send_telegram(config.channels, row.target, text)
    else:
        raise DeliveryError(f"unknown channel {row.channel!r}")


def deliver_due(db: Database, now: datetime, config: MaintenanceConfig, limit: int = 100) -> DeliveryReport:
    """Sends every message that is due (at most `limit` destinations per call); call it periodically."""
    claimed, merged, deferred = _claim(db, now, config, limit)
    sent = failed = dead = 0
    for message_id in claimed:
        with db.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                continue
            session.expunge(row)
        error: str | None = None
        try:
            _send(row, config, now)
        except DeliveryError as exc:
            error = str(exc)
        with db.session() as session:
            stored = session.get(OutboxMessage, message_id)
            if stored is None:
                continue
            if error is None:
                stored.status, stored.sent_at, stored.last_error = "sent", now, None
                sent += 1
            elif stored.attempts >= config.max_attempts:
                stored.status, stored.last_error = "dead", error[:2000]
                dead += 1
            else:
                stored.next_attempt_at = now + backoff(stored.attempts, config)
                stored.last_error = error[:2000]
                failed += 1
    return DeliveryReport(sent=sent, failed=failed, dead=dead, merged=merged, deferred=deferred)
