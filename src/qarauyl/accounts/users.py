"""Users: creating and changing them, signing in (throttled), API tokens, language preference."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from qarauyl.accounts._errors import AuthError, ThrottledError
from qarauyl.accounts.audit import record_audit
from qarauyl.accounts.models import ApiToken, LoginFailure, User, UserSession
from qarauyl.accounts.passwords import hash_password, needs_rehash, verify_password
from qarauyl.accounts.permissions import LANGUAGES, Principal
from qarauyl.domain.roles import ROLES
from qarauyl.errors import InputError, NotFoundError, Problem
from qarauyl.store.database import Database
from qarauyl.store.models import Organisation, utcnow

NAME_PATTERN = re.compile(r"^[\w.@\-]{1,80}$")
# Enough to catch a typo (a missing @, a space); the mail server is the judge of the rest.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]+$")
# A person's chat has a numeric id (Telegram's @userinfobot tells it), a group's a negative one. A bot
# cannot send to a @username, and can write to a person only after they press Start in a chat with it.
TELEGRAM_PATTERN = re.compile(r"^-?[0-9]{1,20}$")
# Five wrong passwords per name and address in fifteen minutes: enough for typos, far too few to guess.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
TOKEN_PREFIX = "qk_"
# A token's last use is written at most this often, so that a busy machine client does not turn every
# read into a write (SQLite allows one writer at a time).
_TOKEN_TOUCH = timedelta(minutes=1)


class NameTaken(InputError):
    """A user with that name already exists."""


class SelfLockout(InputError):
    """An administrator tried to disable themselves or drop their own admin role."""


def check_not_self_lockout(actor: Principal | None, name: str, role: str | None, active: bool | None) -> None:
    """An administrator locking themselves out leaves nobody to undo it from the console."""
    if actor is not None and actor.name == name and (active is False or role not in (None, "admin")):
        raise SelfLockout(
            "You cannot disable yourself or remove your own admin role; ask another administrator."
        )


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: str
    organisation: str | None
    organisation_id: int | None
    language: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    email: str | None = None
    telegram_chat_id: str | None = None

    def told_at(self) -> str:
        """Their addresses for the tickets given to them, for a listing: "a@b.kz, Telegram 12345"."""
        telegram = f"Telegram {self.telegram_chat_id}" if self.telegram_chat_id else None
        return ", ".join(filter(None, [self.email, telegram]))

    def audit_view(self) -> dict[str, Any]:
        """What the audit log records of a user: never the password hash."""
        return {
            "role": self.role,
            "organisation": self.organisation,
            "language": self.language,
            "active": self.active,
            "email": self.email,
            "telegram_chat_id": self.telegram_chat_id,
        }


def _principal(user: User) -> Principal:
    return Principal(user.id, user.name, user.role, user.organisation_id, user.language)


def _info(session: Session, user: User) -> UserInfo:
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return UserInfo(
        id=user.id,
        name=user.name,
        role=user.role,
        organisation=org.name if org else None,
        organisation_id=user.organisation_id,
        language=user.language,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        email=user.email,
        telegram_chat_id=user.telegram_chat_id,
    )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(
            f"Unknown role '{role}'; use one of {', '.join(ROLES)}.",
            [Problem("user", "role", f"unknown role '{role}'; use one of {', '.join(ROLES)}")],
        )


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InputError(
            f"Unknown language '{language}'; use one of {', '.join(LANGUAGES)}.",
            [
                Problem(
                    "user", "language", f"unknown language '{language}'; use one of {', '.join(LANGUAGES)}"
                )
            ],
        )


def contact_email(value: str | None) -> str | None:
    """An e-mail address as stored: trimmed, or None for an empty one (which removes it)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL_PATTERN.match(value):
        error = InputError(
            f"'{value}' is not an e-mail address: write it as name@example.kz.",
            [Problem("user", "email", "not an e-mail address: write it as name@example.kz")],
        )
        error.catalogue_key, error.catalogue_values = "contacts.bad_email", {"value": value}
        raise error
    return value


def contact_telegram(value: str | None) -> str | None:
    """A Telegram chat id as stored: trimmed, or None for an empty one (which removes it)."""
    value = (value or "").strip()
    if not value:
        return None
    if not TELEGRAM_PATTERN.match(value):
        error = InputError(
            f"'{value}' is not a Telegram chat id: it is a number, such as 123456789 (Telegram's "
            "@userinfobot tells it).",
            [Problem("user", "telegram_chat_id", "not a Telegram chat id: a number, such as 123456789")],
        )
        error.catalogue_key, error.catalogue_values = "contacts.bad_telegram", {"value": value}
        raise error
    return value


def _organisation_id(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    org_id = session.scalar(select(Organisation.id).where(Organisation.name == name))
    if org_id is None:
        known = ", ".join(session.scalars(select(Organisation.name).order_by(Organisation.name)).all())
        raise InputError(
            f"No organisation named '{name}' (known: {known or 'none'}).",
            [Problem("user", "organisation", f"no organisation named '{name}'")],
        )
    return int(org_id)


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFoundError(f"No user named '{name}'.")
    return user


def create_user(
    db: Database,
    name: str,
    role: str,
    password: str,
    *,
    organisation: str | None = None,
    language: str = "en",
    email: str | None = None,
    telegram_chat_id: str | None = None,
    actor: Principal | None = None,
    client: str | None = None,
) -> UserInfo:
    if not NAME_PATTERN.match(name):
        raise InputError(
            f"The user name '{name}' is not valid: use 1 to 80 letters, digits, '.', '_', '@' or '-'.",
            [Problem("user", "name", "use 1 to 80 letters, digits, '.', '_', '@' or '-'")],
        )
    _check_role(role)
    _check_language(language)
    email, telegram_chat_id = contact_email(email), contact_telegram(telegram_chat_id)
    password_hash = hash_password(password)
    with db.session() as session:
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            raise NameTaken(
                f"A user named '{name}' already exists.", [Problem("user", "name", "already exists")]
            )
        user = User(
            name=name,
            role=role,
            organisation_id=_organisation_id(session, organisation),
            password_hash=password_hash,
            language=language,
            email=email,
            telegram_chat_id=telegram_chat_id,
            active=True,
            created_at=utcnow(),
        )
        session.add(user)
        session.flush()
        info = _info(session, user)
        record_audit(session, actor, "users.create", f"user:{name}", None, info.audit_view(), client=client)
        return info


def set_password(
    db: Database, name: str, password: str, *, actor: Principal | None = None, client: str | None = None
) -> None:
    """A new password also ends the user's open sessions (their cookies carry the old hash's fingerprint,
    and the sessions are marked ended, so they stay ended if the password is ever set back)."""
    password_hash = hash_password(password)
    with db.session() as session:
        user = _user(session, name)
        user.password_hash = password_hash
        session.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        session.execute(delete(LoginFailure).where(LoginFailure.name == name.lower()))
        record_audit(
            session, actor, "users.set_password", f"user:{name}", None, {"password": "changed"}, client=client
        )


_UNSET: Any = object()


def update_user(
    db: Database,
    name: str,
    *,
    role: str | None = None,
    organisation: str | None = _UNSET,
    language: str | None = None,
    active: bool | None = None,
    email: str | None = _UNSET,
    telegram_chat_id: str | None = _UNSET,
    actor: Principal | None = None,
    client: str | None = None,
) -> UserInfo:
    """Changes what is given; `organisation`, `email` and `telegram_chat_id` are removed with None."""
    check_not_self_lockout(actor, name, role, active)
    with db.session() as session:
        user = _user(session, name)
        before = _info(session, user).audit_view()
        if role is not None:
            _check_role(role)
            user.role = role
        if organisation is not _UNSET:
            user.organisation_id = _organisation_id(session, organisation)
        if language is not None:
            _check_language(language)
            user.language = language
        if active is not None:
            user.active = active
        if email is not _UNSET:
            user.email = contact_email(email)
        if telegram_chat_id is not _UNSET:
            user.telegram_chat_id = contact_telegram(telegram_chat_id)
        session.flush()
        info = _info(session, user)
        if info.audit_view() != before:
            record_audit(
                session, actor, "users.update", f"user:{name}", before, info.audit_view(), client=client
            )
        return info


def get_user(db: Database, name: str) -> UserInfo:
    with db.session() as session:
        return _info(session, _user(session, name))


def list_users(db: Database, *, limit: int | None = None, offset: int = 0) -> tuple[int, list[UserInfo]]:
    with db.session() as session:
        total = int(session.scalar(select(func.count(User.id))) or 0)
        users = session.scalars(select(User).order_by(User.name).limit(limit).offset(offset)).all()
        return total, [_info(session, user) for user in users]


def set_language(db: Database, principal: Principal, language: str) -> Principal:
    """A person's own preference: not an administrative change, so not audited."""
    _check_language(language)
    with db.session() as session:
        user = session.get(User, principal.id)
        if user is None:
            raise NotFoundError(f"No user named '{principal.name}'.")
        user.language = language
        return _principal(user)


# --- signing in -----------------------------------------------------------------------------------


def _throttle_check(session: Session, key: str, client: str, now: datetime) -> None:
    window_start = now - FAILURE_WINDOW
    failures = session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.name == key, LoginFailure.client == client, LoginFailure.at >= window_start)
        .order_by(LoginFailure.at)
    ).all()
    if len(failures) >= MAX_FAILURES:
        # Free again when the oldest failure that still counts leaves the window.
        oldest = failures[len(failures) - MAX_FAILURES]
        retry_after = max(1, int((oldest + FAILURE_WINDOW - now).total_seconds()) + 1)
        minutes = (retry_after + 59) // 60
        raise ThrottledError(
            f"Too many failed sign-ins for '{key}' from this address; try again in {minutes} minute(s).",
            retry_after,
        )


def authenticate(db: Database, name: str, password: str, *, client: str) -> Principal:
    """The principal for a correct name and password of an active user; AuthError otherwise.

    After MAX_FAILURES wrong attempts for one name from one client address within FAILURE_WINDOW, every
    attempt (even a correct one) raises ThrottledError until the window moves on. The failures are kept
    in the database, so all server processes share them."""
    key = name.strip().lower()[:80]
    client = (client or "unknown")[:100]
    now = utcnow()
    with db.session() as session:
        _throttle_check(session, key, client, now)
    with db.session() as session:
        user = session.scalar(select(User).where(User.name == name))
        ok = verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.active:
            session.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURE_WINDOW))
            session.add(LoginFailure(name=key, client=client, at=now))
            # The same words for every reason, so the answer does not tell a guesser which names exist.
            failed = AuthError("Wrong user name or password, or the account is disabled.")
        else:
            session.execute(
                delete(LoginFailure).where(LoginFailure.name == key, LoginFailure.client == client)
            )
            user.last_login_at = now
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            return _principal(user)
    raise failed


def session_fingerprint(password_hash: str) -> str:
    """A short digest of the password hash carried by session cookies: a new password voids old cookies."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


SESSION_LIFETIME = timedelta(hours=12)  # one working shift; then sign in again


def _session_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def begin_session(db: Database, principal: Principal, *, client: str | None = None) -> dict[str, Any]:
    """Records a new signed-in session and returns what its cookie carries: the user, the fingerprint of
    their password hash (a new password ends every session) and the session's own random secret, whose
    digest alone is stored. Sessions that have ended or expired are pruned here, so the table stays small."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    with db.session() as session:
        user = session.get(User, principal.id)
        if user is None:
            raise AuthError("The account no longer exists.")
        session.execute(
            delete(UserSession).where(
                (UserSession.expires_at < now) | (UserSession.ended_at < now - SESSION_LIFETIME)
            )
        )
        session.add(
            UserSession(
                user_id=user.id,
                digest=_session_digest(secret),
                client=(client or None) and client[:100],
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        return {"u": user.id, "f": session_fingerprint(user.password_hash), "s": secret}


def principal_for_session(db: Database, user_id: int, fingerprint: str, secret: str) -> Principal | None:
    """The user behind a session cookie, if the user is active, the password unchanged and the session
    neither ended (signed out, or ended by an administrator) nor expired."""
    with db.session() as session:
        user = session.get(User, user_id)
        if user is None or not user.active or session_fingerprint(user.password_hash) != fingerprint:
            return None
        live = session.scalar(
            select(UserSession.id).where(
                UserSession.digest == _session_digest(secret),
                UserSession.user_id == user_id,
                UserSession.ended_at.is_(None),
                UserSession.expires_at > utcnow(),
            )
        )
        return _principal(user) if live is not None else None


def end_session(db: Database, secret: str) -> None:
    """Signing out: the session ends for every copy of its cookie."""
    with db.session() as session:
        row = session.scalar(select(UserSession).where(UserSession.digest == _session_digest(secret)))
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()


def end_sessions(
    db: Database, name: str, *, actor: Principal | None = None, client: str | None = None
) -> int:
    """Ends every open session of user `name` (a lost phone, a shared computer left signed in); returns
    how many. API tokens are not sessions: `qarauyl users set NAME --inactive` stops those too."""
    now = utcnow()
    with db.session() as session:
        user = _user(session, name)
        rows = session.scalars(
            select(UserSession).where(
                UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > now
            )
        ).all()
        for row in rows:
            row.ended_at = now
        record_audit(
            session,
            actor,
            "users.sign_out",
            f"user:{name}",
            None,
            {"sessions_ended": len(rows)},
            client=client,
        )
        return len(rows)


# --- API tokens -----------------------------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    db: Database, name: str, label: str = "", *, actor: Principal | None = None, client: str | None = None
) -> str:
    """A new bearer token acting as user `name`; shown once, only its digest is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as session:
        user = _user(session, name)
        session.add(
            ApiToken(user_id=user.id, label=label[:120], digest=_token_digest(token), prefix=token[:10])
        )
        record_audit(
            session,
            actor,
            "users.token",
            f"user:{name}",
            None,
            {"token": token[:10] + "…", "label": label},
            client=client,
        )
    return token


@dataclass(frozen=True)
class TokenInfo:
    """A token as listings show it: never the token, only the prefix that tells tokens apart."""

    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


def _token_info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.id, row.label, row.prefix + "…", row.created_at, row.last_used_at)


def list_tokens(db: Database, name: str) -> list[TokenInfo]:
    """User `name`'s API tokens, oldest first, with when each was last used (to the nearest minute or so)."""
    with db.session() as session:
        user = _user(session, name)
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
        return [_token_info(row) for row in rows]


def revoke_token(
    db: Database, name: str, token_id: int, *, actor: Principal | None = None, client: str | None = None
) -> TokenInfo:
    """Deletes one of user `name`'s tokens (a leaked scraper token): it stops working at once, and the user
    and their other tokens are untouched."""
    with db.session() as session:
        user = _user(session, name)
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != user.id:
            raise NotFoundError(f"User '{name}' has no API token #{token_id}.")
        info = _token_info(row)
        session.delete(row)
        record_audit(
            session,
            actor,
            "users.revoke_token",
            f"user:{name}",
            {"token": info.prefix, "label": info.label},
            None,
            client=client,
        )
        return info


def principal_for_token(db: Database, token: str) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = utcnow()
    with db.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.digest == _token_digest(token)))
        if row is None:
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        if row.last_used_at is None or now - row.last_used_at > _TOKEN_TOUCH:
            row.last_used_at = now
        return _principal(user)
