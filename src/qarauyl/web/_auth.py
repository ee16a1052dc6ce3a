"""Who is using the console and what they may do: a thin bridge to qarauyl.accounts.

The console never decides permissions itself: it asks `qarauyl.accounts.permitted`, signs people in
with `qarauyl.accounts.authenticate` (argon2, throttled) and writes the audit log through
`qarauyl.accounts.record_audit`, in the same transaction as the change it records.
"""

from __future__ import annotations

from typing import Any

from qarauyl import accounts
from qarauyl.accounts import Auditor as Auditor  # the pages' audit callback (one for API, CLI and console)
from qarauyl.accounts import AuthError, Principal
from qarauyl.store import Database
from qarauyl.web._data import Scope

ROLES = accounts.ROLES


class LoginError(Exception):
    """The name and password do not match, the account is disabled, or too many attempts were made."""


def authenticate(db: Database, name: str, password: str, *, client: str) -> Principal:
    try:
        return accounts.authenticate(db, name, password, client=client)
    except AuthError as exc:
        throttled = isinstance(exc, accounts.ThrottledError)
        raise LoginError("login.throttled" if throttled else "login.failed") from None


def to_storage(principal: Principal) -> dict[str, Any]:
    return {
        "id": principal.id,
        "name": principal.name,
        "role": principal.role,
        "organisation_id": principal.organisation_id,
        "language": principal.language,
    }


def from_storage(data: dict[str, Any]) -> Principal:
    return Principal(
        id=int(data["id"]),
        name=str(data["name"]),
        role=str(data["role"]),
        organisation_id=data.get("organisation_id"),
        language=str(data.get("language") or "en"),
    )


def permitted(principal: Principal, action: str) -> bool:
    return accounts.permitted(principal, action)


def scope_of(principal: Principal) -> Scope:
    """The console's hashable twin of accounts.camera_scope (engineers: their organisation's cameras)."""
    if accounts.camera_scope(principal) is None:
        return Scope()
    return Scope(maintainer_id=principal.organisation_id, restricted=True)


def remember_language(db: Database, principal: Principal, language: str) -> Principal:
    return accounts.set_language(db, principal, language)


def record_audit(
    db: Database,
    principal: Principal,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """For changes made by other capabilities' functions (e.g. retake_reference), right after them."""
    with db.session() as session:
        accounts.record_audit(session, principal, action, target, before, after)


def users(db: Database) -> list[accounts.UserInfo]:
    _, rows = accounts.list_users(db, limit=500)
    return rows


def audit_entries(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    with db.session() as session:
        _, rows = accounts.list_audit(session, accounts.AuditFilter(), limit=limit, offset=0)
        return [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "before": e.before,
                "after": e.after,
            }
            for e in rows
        ]
