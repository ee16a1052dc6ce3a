"""The accounts tables: people and machines that sign in, their tokens, the audit log, failed sign-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from qarauyl.store.models import Base, UtcDateTime, utcnow


class User(Base):
    """A person (or a service account) who signs in. `app_user` because `user` is reserved in PostgreSQL."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="en")
    # Where the person hears of the tickets given to them (maintenance.notifications.routing.contact).
    email: Mapped[str | None] = mapped_column(String(254))
    telegram_chat_id: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ApiToken(Base):
    """A bearer token for a machine, acting as its user. Only a SHA-256 digest is stored: tokens are
    256-bit random strings, so a fast hash is enough (argon2 is for low-entropy human passwords)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in listings so people can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class UserSession(Base):
    """A signed-in browser: the session cookie carries a random secret whose digest is here, so that signing
    out ends the session on the server and a copied cookie stops working with it (the signature alone
    would keep it valid until it expired)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    client: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """One change made by a person: who, when, what, before and after. The actor's name is copied so the
    history survives the user's deletion (hence no foreign key)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(80), index=True)
    actor_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client: Mapped[str | None] = mapped_column(String(100))


class LoginFailure(Base):
    """A failed sign-in, kept for the throttling window. In the database rather than in memory so that
    every worker process (and a restart) sees the same count."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    client: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index("ix_login_failure_name_client_at", "name", "client", "at"),)
