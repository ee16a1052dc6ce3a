"""Who is asking, from an HTTP request: a bearer token (machines) or a signed session cookie (people)."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection

from qarauyl.accounts.permissions import Principal
from qarauyl.accounts.users import (
    SESSION_LIFETIME,
    begin_session,
    end_session,
    principal_for_session,
    principal_for_token,
)
from qarauyl.store.database import Database

SESSION_COOKIE = "qarauyl_session"
SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())


class SessionCodec:
    """Signs and checks session cookies with the installation's secret (qarauyl.security.load_secret_key)."""

    def __init__(self, secret: bytes) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="qarauyl-session")

    def issue(self, db: Database, principal: Principal, *, client: str | None = None) -> str:
        """A cookie for a new session of `principal`, recorded on the server (users.begin_session)."""
        return self._serializer.dumps(begin_session(db, principal, client=client))

    def end(self, db: Database, cookie: str | None) -> None:
        """Ends the session a cookie names, if it is a valid one: a copy of the cookie stops working too."""
        data = self.load(cookie) if cookie else None
        if data is not None:
            end_session(db, data["s"])

    def load(self, cookie: str) -> dict[str, Any] | None:
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:  # also covers SignatureExpired
            return None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("u"), int)
            or not isinstance(data.get("f"), str)
            or not isinstance(data.get("s"), str)  # cookies of a release without server-side sessions
        ):
            return None
        return data


def cookie_options(secure: bool) -> dict[str, Any]:
    """HttpOnly (no script can read it), SameSite=Lax (no cross-site POST carries it), Secure over HTTPS."""
    return {
        "key": SESSION_COOKIE,
        "max_age": SESSION_MAX_AGE,
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": secure,
    }


def principal_from_request(request: HTTPConnection, *, again: bool = False) -> Principal | None:
    """The principal behind a request (or websocket), or None. Needs `app.state.db` and
    `app.state.sessions` (a SessionCodec), as qarauyl.api.create_app sets them up. The answer is kept on
    the request; `again` asks the database anew (a console page still open after its session ended)."""
    cached = getattr(request.state, "principal", _MISSING)
    if not again and (cached is None or isinstance(cached, Principal)):
        return cached
    db: Database = request.app.state.db
    codec: SessionCodec = request.app.state.sessions
    principal: Principal | None = None
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        principal = principal_for_token(db, credentials.strip())
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        data = codec.load(cookie) if cookie else None
        if data is not None:
            principal = principal_for_session(db, data["u"], data["f"], data["s"])
    request.state.principal = principal
    return principal


_MISSING = object()
