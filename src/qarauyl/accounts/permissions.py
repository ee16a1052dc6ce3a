"""Who may do what: one table of actions to roles, and the engineer's camera scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false

from qarauyl.accounts._errors import Forbidden
from qarauyl.domain.roles import ROLES
from qarauyl.store.models import Camera

LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")

_ALL = frozenset(ROLES)
_OCC = frozenset({"admin", "operator"})
_FIELD = frozenset({"admin", "operator", "engineer"})

# The single source of truth for authorisation; the API, the console and the matrix test all read it.
ACTIONS: dict[str, frozenset[str]] = {
    "cameras.read": _ALL,
    "cameras.write": _OCC,  # create and edit
    "cameras.delete": frozenset({"admin"}),
    "cameras.import": _OCC,
    "cameras.lifecycle": _FIELD,  # an engineer marks a camera in repair / back in service
    "cameras.retake_reference": _FIELD,
    "events.read": _ALL,
    "events.ack": _FIELD,
    # Which findings alarm is the OCC's call: the contractor must not silence the faults it is paid to fix.
    "fault_rules.read": _ALL,
    "fault_rules.write": _OCC,
    "snapshots.read": _ALL,
    "summary.read": _ALL,
    "planning.read": frozenset({"admin", "operator", "planner", "viewer"}),
    "planning.run": frozenset({"admin", "planner"}),
    # Prometheus scrapes with a machine user's bearer token; fleet-wide numbers, so not the engineer's.
    "metrics.read": frozenset({"admin", "operator", "planner", "viewer"}),
    "users.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in person or a machine holding its user's token."""

    id: int
    name: str
    role: str
    organisation_id: int | None
    language: str


def permitted(principal: Principal, action: str) -> bool:
    """Unknown actions are a programming error, not a silent "no"."""
    try:
        roles = ACTIONS[action]
    except KeyError:
        raise ValueError(f"unknown action '{action}'; known: {', '.join(sorted(ACTIONS))}") from None
    return principal.role in roles


def require(principal: Principal, action: str) -> None:
    if not permitted(principal, action):
        raise Forbidden(f"Your role ({principal.role}) does not allow {action}.")


def camera_scope(principal: Principal) -> ColumnElement[bool] | None:
    """A WHERE clause limiting cameras to the principal's, or None for every camera.

    Engineers work for a maintenance contractor and see only the cameras it maintains; an engineer
    without an organisation sees none rather than all."""
    if principal.role != "engineer":
        return None
    if principal.organisation_id is None:
        return false()
    return Camera.maintainer_id == principal.organisation_id
