"""Dependencies of the routes: the database, who is asking, and whether they may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from qarauyl.accounts import AuthError, Principal, principal_from_request, require
from qarauyl.monitor import SnapshotStore
from qarauyl.security import CredentialCipher
from qarauyl.store.database import Database

# The answers every protected route may give besides its own; documented so the OpenAPI spec is complete.
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {}


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_snapshots(request: Request) -> SnapshotStore:
    store: SnapshotStore = request.app.state.snapshots
    return store


def get_cipher(request: Request) -> CredentialCipher:
    cipher: CredentialCipher = request.app.state.cipher
    return cipher


def client_address(request: Request) -> str:
    """The peer address. Behind a reverse proxy this is the proxy: run uvicorn with --proxy-headers and
    --forwarded-allow-ips so Starlette puts the real client here (throttling and the audit log use it)."""
    return request.client.host if request.client else "unknown"


def current_principal(request: Request) -> Principal:
    principal = principal_from_request(request)
    if principal is None:
        raise AuthError("Sign in first: send a session cookie from /api/v1/auth/login or a bearer token.")
    return principal


def allow(action: str) -> Callable[[Principal], Principal]:
    """A dependency that lets the request through only if the principal's role permits `action`.
    The action is also recorded on the dependency so tests can read which action a route needs."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        require(principal, action)
        return principal

    dependency.action = action  # type: ignore[attr-defined]
    return dependency


Db = Annotated[Database, Depends(get_db)]
Snapshots = Annotated[SnapshotStore, Depends(get_snapshots)]
Cipher = Annotated[CredentialCipher, Depends(get_cipher)]
Client = Annotated[str, Depends(client_address)]
Me = Annotated[Principal, Depends(current_principal)]
