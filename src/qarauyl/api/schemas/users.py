"""Users, tokens, organisations and the audit log as the API shows them. Passwords are write-only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Role = Literal["admin", "operator", "engineer", "planner", "viewer"]
Language = Literal["kk", "ru", "en"]
_WRITE_ONLY: dict[str, Any] = {"writeOnly": True}
# Checked again by qarauyl.accounts, which names the problem ("write it as name@example.kz").
Email = Annotated[str | None, Field(None, max_length=254, description="An e-mail address; empty removes it.")]
TelegramChat = Annotated[
    str | None,
    Field(
        None,
        max_length=32,
        description="A Telegram chat id, a number (Telegram's @userinfobot tells it); the person presses "
        "Start in a chat with the notifications bot first. Empty removes it.",
    ),
]


class UserOut(BaseModel):
    id: int
    name: str
    role: str
    organisation: str | None
    language: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    email: str | None = Field(description="Where they are told of the tickets given to them.")
    telegram_chat_id: str | None = Field(description="Their chat with the notifications bot.")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80, pattern=r"^[\w.@\-]{1,80}$")
    role: Role
    password: SecretStr = Field(min_length=8, max_length=1024, json_schema_extra=_WRITE_ONLY)
    organisation: str | None = Field(None, max_length=200)
    language: Language = "en"
    email: Email = None
    telegram_chat_id: TelegramChat = None


class UserUpdate(BaseModel):
    """Only the fields sent change; `organisation: null` removes the user from their organisation, and
    `email: null` or `telegram_chat_id: null` (or an empty string) removes that address."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    organisation: str | None = Field(None, max_length=200)
    language: Language | None = None
    active: bool | None = None
    email: Email = None
    telegram_chat_id: TelegramChat = None
    password: SecretStr | None = Field(None, min_length=8, max_length=1024, json_schema_extra=_WRITE_ONLY)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field("", max_length=120)


class TokenOut(BaseModel):
    token: str = Field(description="Shown once; send it as `Authorization: Bearer <token>`.")
    user: str
    label: str


class TokenInfoOut(BaseModel):
    id: int
    label: str
    prefix: str = Field(description="The token's first characters and an ellipsis: enough to tell it apart.")
    created_at: datetime
    last_used_at: datetime | None


class SignOutOut(BaseModel):
    user: str
    sessions_ended: int = Field(
        description="How many signed-in sessions ended; their cookies now sign no one in."
    )


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: str


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str | None
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    client: str | None


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    password: SecretStr = Field(min_length=1, max_length=1024, json_schema_extra=_WRITE_ONLY)


class MeOut(BaseModel):
    id: int
    name: str
    role: str
    organisation_id: int | None
    language: str
    permissions: list[str] = Field(description="The actions this user may perform.")


class LanguageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language


class ContactsIn(BaseModel):
    """Only the addresses sent change; null or an empty string removes one."""

    model_config = ConfigDict(extra="forbid")

    email: Email = None
    telegram_chat_id: TelegramChat = None


class ContactsOut(BaseModel):
    email: str | None
    telegram_chat_id: str | None


class TestNoticeOut(BaseModel):
    sent_to: list[str] = Field(
        description="Each address that took the test message, as `channel:address` (e-mail, then Telegram)."
    )
