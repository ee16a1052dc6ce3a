"""Users, tokens, organisations and the audit log as the API shows them. Passwords are write-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Role = Literal["admin", "operator", "engineer", "planner", "viewer"]
Language = Literal["kk", "ru", "en"]
_WRITE_ONLY: dict[str, Any] = {"writeOnly": True}


class UserOut(BaseModel):
    id: int
    name: str
    role: str
    organisation: str | None
    language: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80, pattern=r"^[\w.@\-]{1,80}$")
    role: Role
    password: SecretStr = Field(min_length=8, max_length=1024, json_schema_extra=_WRITE_ONLY)
    organisation: str | None = Field(None, max_length=200)
    language: Language = "en"


class UserUpdate(BaseModel):
    """Only the fields sent change; `organisation: null` removes the user from their organisation."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    organisation: str | None = Field(None, max_length=200)
    language: Language | None = None
    active: bool | None = None
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
