"""Notifications: routing rules write outbox rows in the caller's transaction; a worker delivers them.

`enqueue(session, config, notice)` routes one `Notice` to outbox rows, `enqueue_personal` to the
addresses of the person the ticket is assigned to; `deliver_due(db, now, config)`
groups, rate-limits and sends what is due (webhook with HMAC, SMTP e-mail, Telegram) at least once.
"""

from qarauyl.maintenance.notifications.outbox import DeliveryReport, deliver_due, supersede
from qarauyl.maintenance.notifications.routing import (
    ASSIGNEE_ROUTE,
    Contact,
    Notice,
    contact,
    enqueue,
    enqueue_personal,
    matches,
    personal_destinations,
)

__all__ = [
    "ASSIGNEE_ROUTE",
    "Contact",
    "DeliveryReport",
    "Notice",
    "contact",
    "deliver_due",
    "enqueue",
    "enqueue_personal",
    "matches",
    "personal_destinations",
    "supersede",
]
