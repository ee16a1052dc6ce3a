"""Whether each route works: what its outbox holds, when it last delivered, why it last failed; and a test
message that an administrator sends to a new route before trusting it with a real fault."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, func, select

from qarauyl.errors import InputError, NotFoundError, RemoteRefused
from qarauyl.maintenance.config import MaintenanceConfig, Route
from qarauyl.maintenance.models import OutboxMessage
from qarauyl.maintenance.notifications.channels import (
    DeliveryError,
    send_email,
    send_telegram,
    send_webhook,
)
from qarauyl.maintenance.notifications.routing import (
    ASSIGNEE_ROUTE,
    contact,
    personal_channels,
    personal_destinations,
)
from qarauyl.maintenance.notifications.wording import translator
from qarauyl.store.database import Database


@dataclass(frozen=True)
class RouteStatus:
    name: str
    channel: str
    target: str  # a webhook's URL only up to its host: its path often holds the receiver's secret
    language: str
    filters: dict[str, list[str]]  # the route's non-empty filters (organisations, priorities, …)
    pending: int  # waiting for the grouping window, or retrying
    dead: int  # given up after max_attempts
    sent_24h: int
    last_sent_at: datetime | None
    last_error: str | None  # of the newest failed message still pending or dead, if none went through since
    # The line for the tickets' assignees, each at their own addresses in their own language (target and
    # language are empty; there is nothing to send a test message to).
    personal: bool = False


class RouteCheckFailed(RemoteRefused):
    """The destination did not take the test message; the sentence says what it answered."""


def shown_target(route: Route) -> str:
    if route.channel != "webhook":
        return route.target
    parts = urlsplit(route.target)
    rest = "/…" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{rest}"


def route_statuses(db: Database, config: MaintenanceConfig, now: datetime) -> list[RouteStatus]:
    """Every configured route with its outbox figures, in the configuration's order, then the line for
    the tickets' assignees when they are told (`assignee_events`)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    with db.session() as session:
        for route, status, n in session.execute(
            select(OutboxMessage.route, OutboxMessage.status, func.count()).group_by(
                OutboxMessage.route, OutboxMessage.status
            )
        ):
            counts[(route, status)] = n
        # What went through, per route: in the last day, when last, and the newest such message's id.
        recent: dict[str, int] = {}
        last_sent: dict[str, datetime | None] = {}
        newest_sent: dict[str, int] = {}
        day_ago = now - timedelta(days=1)
        for route, n, last, newest in session.execute(
            select(
                OutboxMessage.route,
                func.count(case((OutboxMessage.sent_at >= day_ago, 1))),
                func.max(OutboxMessage.sent_at),
                func.max(OutboxMessage.id),
            )
            .where(OutboxMessage.status == "sent")
            .group_by(OutboxMessage.route)
        ):
            recent[route], last_sent[route], newest_sent[route] = n, last, newest
        # The newest failure of each route, unless a message has gone through since: an error of last week
        # that a fixed token has long since cured is not news. One row per route, however many died.
        newest_failed = (
            select(func.max(OutboxMessage.id))
            .where(OutboxMessage.status.in_(("pending", "dead")), OutboxMessage.last_error.is_not(None))
            .group_by(OutboxMessage.route)
        )
        errors = {
            route: error or ""
            for id_, route, error in session.execute(
                select(OutboxMessage.id, OutboxMessage.route, OutboxMessage.last_error).where(
                    OutboxMessage.id.in_(newest_failed)
                )
            )
            if id_ > newest_sent.get(route, 0)
        }

    def figures(name: str) -> dict[str, Any]:
        return {
            "pending": counts[(name, "pending")],
            "dead": counts[(name, "dead")],
            "sent_24h": recent.get(name, 0),
            "last_sent_at": last_sent.get(name),
            "last_error": errors.get(name),
        }

    personal = []
    if config.assignee_events:
        personal.append(
            RouteStatus(
                name=ASSIGNEE_ROUTE,
                channel=", ".join(personal_channels(config)),
                target="",
                language="",
                filters={"events": list(config.assignee_events)},
                personal=True,
                **figures(ASSIGNEE_ROUTE),
            )
        )
    return [
        RouteStatus(
            name=route.name,
            channel=route.channel,
            target=shown_target(route),
            language=route.language,
            filters={
                key: list(value)
                for key in ("organisations", "districts", "priorities", "faults", "events")
                if (value := getattr(route, key))
            },
            **figures(route.name),
        )
        for route in config.routes
    ] + personal


def send_test(config: MaintenanceConfig, name: str, now: datetime) -> str:
    """Sends a test message to route `name` at once, outside the outbox, in the route's language; returns
    the text sent. A destination that refuses raises RouteCheckFailed with its answer."""
    route = next((r for r in config.routes if r.name == name), None)
    if route is None:
        known = ", ".join(r.name for r in config.routes) or "none is configured"
        raise NotFoundError(f"No notification route named '{name}' (routes: {known}).")
    tr = translator(route.language, config.zone())
    text = tr("notice.test", route=route.name)
    try:
        if route.channel == "webhook":
            payload = {
                "id": 0,
                "test": True,
                "sent_at": now.isoformat(),
                "language": tr.language,
                "text": text,
            }
            send_webhook(config.channels, route.target, 0, {**payload, "events": []}, now.isoformat())
        elif route.channel == "email":
            send_email(config.channels, route.target, text, text)
        else:
            send_telegram(config.channels, route.target, text)
    except DeliveryError as exc:
        raise RouteCheckFailed(f"The test message to route '{route.name}' did not arrive: {exc}.") from None
    return text


def send_personal_test(db: Database, config: MaintenanceConfig, name: str) -> list[str]:
    """Sends a test message at once to each of a person's own addresses (as saved on their account), in
    their language; returns where it went. One that refuses raises RouteCheckFailed with its answer."""
    with db.session() as session:
        person = contact(session, name)
    if person is None:
        raise NotFoundError(f"No active user named '{name}'.")
    destinations = personal_destinations(config, person)
    if not destinations:
        error = InputError(
            f"{name} has no address to send to: give them an e-mail address"
            + (" or a Telegram chat id." if "telegram" in personal_channels(config) else ".")
        )
        error.catalogue_key, error.catalogue_values = "contacts.no_address", {"name": name}
        raise error
    text = translator(person.language, config.zone())("notice.test_personal", name=person.name)
    for channel, target in destinations:
        try:
            if channel == "email":
                send_email(config.channels, target, text, text)
            else:
                send_telegram(config.channels, target, text)
        except DeliveryError as exc:
            raise RouteCheckFailed(f"The test message to {name} ({channel}) did not arrive: {exc}.") from None
    return [f"{channel}:{target}" for channel, target in destinations]
