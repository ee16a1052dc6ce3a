"""Routing rules: which destinations hear about which ticket events. Routes are the configuration's
(an OCC duty chat, a contractor's mailbox); beside them, the person a ticket is assigned to hears what
changes their day at their own address, in their own language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qarauyl.accounts.models import User
from qarauyl.maintenance.config import MaintenanceConfig, Route
from qarauyl.maintenance.models import OutboxMessage

# The outbox's route name for messages to a ticket's assignee ('@': no configured route may take it).
ASSIGNEE_ROUTE = "@assignee"
# Events about one person: a route hears of them only if its `events` name them.
PERSONAL_EVENTS = ("assigned", "unassigned")


@dataclass(frozen=True)
class Contact:
    """Where one person is told: their own addresses and language (the account's)."""

    name: str
    language: str
    email: str | None = None
    telegram_chat_id: str | None = None


@dataclass(frozen=True)
class Notice:
    """One thing worth telling people: a ticket opened, an SLA about to break, an incident raised."""

    # opened, reopened, escalated, proposed_resolution, sla_warning, sla_breach, incident_opened,
    # incident_closed, resolved, closed, removed_for_repair, assigned, unassigned
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
    if not route.events and notice.event in PERSONAL_EVENTS:
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
    rows = [
        _row(config, notice, route.channel, route.target, route.name, route.language)
        for route in config.routes
        if matches(route, notice)
    ]
    session.add_all(rows)
    return rows


def enqueue_personal(
    session: Session,
    config: MaintenanceConfig,
    notice: Notice,
    person: Contact,
    taken: Iterable[OutboxMessage] = (),
) -> list[OutboxMessage]:
    """Adds the person's own rows: to their e-mail, and to their Telegram chat when a bot is configured.
    An address a route already tells of this notice (`taken`) is not told twice."""
    told = {(row.channel, row.target) for row in taken}
    rows = [
        _row(config, notice, channel, target, ASSIGNEE_ROUTE, person.language)
        for channel, target in personal_destinations(config, person)
        if (channel, target) not in told
    ]
    session.add_all(rows)
    return rows


def personal_channels(config: MaintenanceConfig) -> tuple[str, ...]:
    """The channels a person can be told on: e-mail, and Telegram when a bot token is set."""
    return ("email", "telegram") if config.channels.telegram_token.get_secret_value() else ("email",)


def personal_destinations(config: MaintenanceConfig, person: Contact) -> list[tuple[str, str]]:
    """A person's own (channel, address) pairs on `personal_channels`, for the addresses they saved."""
    saved = {"email": person.email, "telegram": person.telegram_chat_id}
    return [(channel, target) for channel in personal_channels(config) if (target := saved[channel])]


def contact(session: Session, name: str) -> Contact | None:
    """Where an active person is told, or None for a disabled or unknown one."""
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None:
        return None
    return Contact(user.name, user.language, user.email, user.telegram_chat_id)


def _row(
    config: MaintenanceConfig, notice: Notice, channel: str, target: str, route: str, language: str
) -> OutboxMessage:
    return OutboxMessage(
        channel=channel,
        target=target,
        route=route,
        group_key=f"{channel}:{target}",
        subject=notice.text[:300],
        body={"language": language, "items": [notice.item()]},
        created_at=notice.at,
        next_attempt_at=notice.at + timedelta(seconds=config.notify_group_seconds),
        attempts=0,
        status="pending",
    )
