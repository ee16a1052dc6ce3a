"""Notifications: routing rules write outbox rows in the caller's transaction; a worker delivers them.

`enqueue(session, config, notice)` routes one `Notice` to outbox rows; `deliver_due(db, now, config)`
groups, rate-limits and sends what is due (webhook with HMAC, SMTP e-mail, Telegram) at least once.
"""

from qarauyl.maintenance.notifications.outbox import DeliveryReport, deliver_due, supersede
from qarauyl.maintenance.notifications.routing import Notice, enqueue, matches

__all__ = ["DeliveryReport", "Notice", "deliver_due", "enqueue", "matches", "supersede"]
