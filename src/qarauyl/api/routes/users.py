"""/api/v1/users, /api/v1/organisations, /api/v1/audit: administration."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import func, select

from qarauyl import accounts
from qarauyl.accounts import AuditFilter, Principal, list_audit
from qarauyl.api._deps import Client, Db, allow
from qarauyl.api.routes._responses import PROTECTED, errors
from qarauyl.api.schemas.common import MAX_LIMIT, Page
from qarauyl.api.schemas.users import (
    AuditOut,
    OrganisationOut,
    SignOutOut,
    TestNoticeOut,
    TokenIn,
    TokenInfoOut,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from qarauyl.store.models import Organisation

router = APIRouter(tags=["administration"], responses=PROTECTED)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


# Fields that null removes, so that only a field sent changes.
NULLABLE = {"organisation", "email", "telegram_chat_id"}


def _user_view(info: accounts.UserInfo) -> dict[str, Any]:
    view = asdict(info)
    view.pop("organisation_id")
    return view


@router.get("/users", response_model=Page[UserOut], summary="Users")
def list_users(
    db: Db, _: Annotated[Principal, Depends(allow("users.manage"))], limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    total, users = accounts.list_users(db, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "items": [_user_view(u) for u in users]}


@router.post(
    "/users", response_model=UserOut, status_code=201, summary="Create a user", responses=errors(409)
)
def create_user(
    body: UserCreate, db: Db, client: Client, principal: Annotated[Principal, Depends(allow("users.manage"))]
) -> dict[str, Any]:
    info = accounts.create_user(
        db,
        body.name,
        body.role,
        body.password.get_secret_value(),
        organisation=body.organisation,
        language=body.language,
        email=body.email,
        telegram_chat_id=body.telegram_chat_id,
        actor=principal,
        client=client,
    )
    return _user_view(info)


@router.get("/users/{name}", response_model=UserOut, summary="One user", responses=errors(404))
def get_user(name: str, db: Db, _: Annotated[Principal, Depends(allow("users.manage"))]) -> dict[str, Any]:
    return _user_view(accounts.get_user(db, name))


@router.patch("/users/{name}", response_model=UserOut, summary="Change a user", responses=errors(404, 409))
def update_user(
    name: str,
    body: UserUpdate,
    db: Db,
    client: Client,
    principal: Annotated[Principal, Depends(allow("users.manage"))],
) -> dict[str, Any]:
    sent = body.model_fields_set
    accounts.check_not_self_lockout(principal, name, body.role, body.active)  # before any change
    kwargs: dict[str, Any] = {"role": body.role, "language": body.language, "active": body.active}
    kwargs.update({field: getattr(body, field) for field in NULLABLE & sent})
    # The other fields first: a refused one (an address with a typo) leaves the password as it was.
    info = accounts.update_user(db, name, actor=principal, client=client, **kwargs)
    if body.password is not None:
        accounts.set_password(db, name, body.password.get_secret_value(), actor=principal, client=client)
    return _user_view(info)


@router.post(
    "/users/{name}/tokens",
    response_model=TokenOut,
    status_code=201,
    summary="Create an API token acting as this user (shown once)",
    responses=errors(404),
)
def create_token(
    name: str,
    body: TokenIn,
    db: Db,
    client: Client,
    principal: Annotated[Principal, Depends(allow("users.manage"))],
) -> dict[str, Any]:
    token = accounts.create_token(db, name, body.label, actor=principal, client=client)
    return {"token": token, "user": name, "label": body.label}


@router.get(
    "/users/{name}/tokens",
    response_model=list[TokenInfoOut],
    summary="This user's API tokens (their prefixes, never the tokens)",
    responses=errors(404),
)
def list_tokens(
    name: str, db: Db, _: Annotated[Principal, Depends(allow("users.manage"))]
) -> list[dict[str, Any]]:
    return [asdict(t) for t in accounts.list_tokens(db, name)]


@router.delete(
    "/users/{name}/tokens/{token_id}",
    status_code=204,
    summary="Revoke one API token: it stops working at once",
    responses=errors(404),
)
def revoke_token(
    name: str,
    token_id: int,
    db: Db,
    client: Client,
    principal: Annotated[Principal, Depends(allow("users.manage"))],
) -> Response:
    accounts.revoke_token(db, name, token_id, actor=principal, client=client)
    return Response(status_code=204)


@router.post(
    "/users/{name}/test-notice",
    response_model=TestNoticeOut,
    summary="Send a test message to this user's saved addresses now, in their language",
    responses=errors(404, 422, 502),
)
def test_notice(name: str, db: Db, _: Annotated[Principal, Depends(allow("users.manage"))]) -> dict[str, Any]:
    from qarauyl.maintenance.config import load_config
    from qarauyl.maintenance.notifications.status import send_personal_test

    return {"sent_to": send_personal_test(db, load_config(), name)}


@router.post(
    "/users/{name}/sign-out",
    response_model=SignOutOut,
    summary="End every open session of this user (their API tokens keep working)",
    responses=errors(404),
)
def sign_out(
    name: str, db: Db, client: Client, principal: Annotated[Principal, Depends(allow("users.manage"))]
) -> dict[str, Any]:
    return {"user": name, "sessions_ended": accounts.end_sessions(db, name, actor=principal, client=client)}


@router.get("/organisations", response_model=Page[OrganisationOut], summary="Organisations")
def list_organisations(
    db: Db, _: Annotated[Principal, Depends(allow("cameras.read"))], limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    with db.session() as session:
        total = session.scalar(select(func.count(Organisation.id))) or 0
        rows = session.scalars(select(Organisation).order_by(Organisation.name).limit(limit).offset(offset))
        items = [{"id": o.id, "name": o.name, "kind": o.kind} for o in rows]
    return {"total": int(total), "limit": limit, "offset": offset, "items": items}


@router.get("/audit", response_model=Page[AuditOut], summary="The audit log, newest first")
def audit_log(
    db: Db,
    _: Annotated[Principal, Depends(allow("audit.read"))],
    actor: Annotated[str | None, Query(max_length=80)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    target: Annotated[str | None, Query(max_length=300)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    def aware(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value

    filters = AuditFilter(actor=actor, action=action, target=target, since=aware(since), until=aware(until))
    with db.session() as session:
        total, rows = list_audit(session, filters, limit=limit, offset=offset)
        items = [
            {
                "id": r.id,
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "target": r.target,
                "before": r.before,
                "after": r.after,
                "client": r.client,
            }
            for r in rows
        ]
    return {"total": total, "limit": limit, "offset": offset, "items": items}
