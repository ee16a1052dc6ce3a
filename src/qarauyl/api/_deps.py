"""Dependencies of the routes: the database, who is asking, and whether they may.

The ones that do no I/O are `async def` so FastAPI calls them inline: a plain `def` dependency costs a
hop through the thread pool on every request. `current_principal` reads the database, so it stays sync."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from qarauyl.accounts import AuthError, Principal, principal_from_request, require
from qarauyl.errors import InputError, Problem
from qarauyl.monitor import SnapshotStore
from qarauyl.security import CredentialCipher
from qarauyl.store.database import Database


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_snapshots(request: Request) -> SnapshotStore:
    store: SnapshotStore = request.app.state.snapshots
    return store


async def get_cipher(request: Request) -> CredentialCipher:
    cipher: CredentialCipher = request.app.state.cipher
    return cipher


async def client_address(request: Request) -> str:
    """The peer address. Behind a reverse proxy this is the proxy: run uvicorn with --proxy-headers and
    --forwarded-allow-ips so Starlette puts the real client here (throttling and the audit log use it)."""
    return request.client.host if request.client else "unknown"


async def reject_nul(request: Request) -> None:
    """PostgreSQL text cannot hold NUL characters; refuse them with a 422 here rather than let the
    database fail with a 500 (SQLite would store them, so both backends now answer alike)."""
    where = None
    if "\x00" in request.scope.get("path", ""):
        where = "path"
    elif "%00" in request.url.query or "\x00" in request.url.query:
        where = "query"
    elif request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()  # already read and cached by FastAPI for JSON routes
        if b"\\u0000" in body or b"\x00" in body:
            where = "body"
    if where:
        raise InputError(
            f"The request {where} contains a NUL character, which no text field may hold.",
            [Problem(where, where, "contains a NUL character")],
        )


def current_principal(request: Request) -> Principal:
    principal = principal_from_request(request)
    if principal is None:
        raise AuthError("Sign in first: send a session cookie from /api/v1/auth/login or a bearer token.")
    return principal


def allow(action: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets the request through only if the principal's role permits `action`.
    The action is also recorded on the dependency so tests can read which action a route needs."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        require(principal, action)
        return principal

    dependency.action = action  # type: ignore[attr-defined]
    return dependency


Db = Annotated[Database, Depends(get_db)]
Snapshots = Annotated[SnapshotStore, Depends(get_snapshots)]
Cipher = Annotated[CredentialCipher, Depends(get_cipher)]
Client = Annotated[str, Depends(client_address)]
Me = Annotated[Principal, Depends(current_principal)]
