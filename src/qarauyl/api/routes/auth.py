"""Signing in and out: /api/v1/auth/* (JSON, for scripts and the console) and /login, /logout (HTML forms)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from qarauyl.accounts import (
    ACTIONS,
    SESSION_COOKIE,
    AuthError,
    Principal,
    SessionCodec,
    ThrottledError,
    authenticate,
    cookie_options,
    end_sessions,
    get_user,
    permitted,
    principal_from_request,
    set_language,
    update_user,
)
from qarauyl.api._deps import Client, Db, Me
from qarauyl.api.routes._responses import errors
from qarauyl.api.schemas.users import ContactsIn, ContactsOut, LanguageIn, LoginIn, MeOut, TestNoticeOut
from qarauyl.store.database import Database

router = APIRouter(prefix="/auth", tags=["auth"])
forms = APIRouter(include_in_schema=False)


def me_view(principal: Principal) -> dict[str, Any]:
    return {
        "id": principal.id,
        "name": principal.name,
        "role": principal.role,
        "organisation_id": principal.organisation_id,
        "language": principal.language,
        "permissions": sorted(action for action in ACTIONS if permitted(principal, action)),
    }


def start_session(
    request: Request, response: Response, db: Database, principal: Principal, client: str
) -> None:
    codec: SessionCodec = request.app.state.sessions
    cookie = codec.issue(db, principal, client=client)
    response.set_cookie(value=cookie, **cookie_options(request.url.scheme == "https"))


def end_session(request: Request, response: Response) -> None:
    """Ends the session on the server (a copy of the cookie stops working too) and clears the cookie."""
    codec: SessionCodec = request.app.state.sessions
    codec.end(request.app.state.db, request.cookies.get(SESSION_COOKIE))
    options = cookie_options(request.url.scheme == "https")
    options.pop("max_age")
    response.delete_cookie(**options)


@router.post(
    "/login", response_model=MeOut, summary="Sign in; sets the session cookie", responses=errors(401, 429)
)
def login(body: LoginIn, request: Request, response: Response, db: Db, client: Client) -> dict[str, Any]:
    principal = authenticate(db, body.name, body.password.get_secret_value(), client=client)
    start_session(request, response, db, principal, client)
    return me_view(principal)


@router.post(
    "/logout",
    status_code=204,
    summary="Sign out: ends this session on the server and clears the cookie",
    description="With `everywhere=true`, the signed-in person's other sessions end too (a phone left "
    "signed in, a shared computer). API tokens are not sessions and keep working.",
)
def logout(request: Request, db: Db, client: Client, everywhere: bool = False) -> Response:
    if everywhere:
        principal = principal_from_request(request)
        if principal is not None:
            end_sessions(db, principal.name, actor=principal, client=client)
    response = Response(status_code=204)
    end_session(request, response)
    return response


@router.get(
    "/me", response_model=MeOut, summary="Who is signed in, and what they may do", responses=errors(401)
)
def me(principal: Me) -> dict[str, Any]:
    return me_view(principal)


@router.put(
    "/me/language", response_model=MeOut, summary="Set my language (kk, ru, en)", responses=errors(401)
)
def language(body: LanguageIn, principal: Me, db: Db) -> dict[str, Any]:
    return me_view(set_language(db, principal, body.language))


@router.get(
    "/me/contacts",
    response_model=ContactsOut,
    summary="Where I am told of the tickets given to me",
    responses=errors(401),
)
def my_contacts(principal: Me, db: Db) -> dict[str, Any]:
    info = get_user(db, principal.name)
    return {"email": info.email, "telegram_chat_id": info.telegram_chat_id}


@router.put(
    "/me/contacts",
    response_model=ContactsOut,
    summary="Set where I am told of the tickets given to me (audited)",
    responses=errors(401),
)
def set_my_contacts(body: ContactsIn, principal: Me, db: Db, client: Client) -> dict[str, Any]:
    changes = {field: getattr(body, field) for field in body.model_fields_set}
    info = update_user(db, principal.name, actor=principal, client=client, **changes)
    return {"email": info.email, "telegram_chat_id": info.telegram_chat_id}


@router.post(
    "/me/contacts/test",
    response_model=TestNoticeOut,
    summary="Send a test message to my saved addresses now, in my language",
    responses=errors(401, 422, 502),
)
def test_my_contacts(principal: Me, db: Db) -> dict[str, Any]:
    from qarauyl.maintenance.config import load_config
    from qarauyl.maintenance.notifications.status import send_personal_test

    return {"sent_to": send_personal_test(db, load_config(), principal.name)}


def safe_next(target: str | None) -> str:
    """Only same-site paths: `//evil.example` or `https://...` would turn the form into an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@forms.post("/login")
def login_form(
    request: Request,
    db: Db,
    client: Client,
    name: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """The console's sign-in form posts here; failures go back to /login?error=invalid|throttled."""
    target = safe_next(next)
    if "\x00" in name + password:  # PostgreSQL cannot even look such a name up
        return RedirectResponse("/login?" + urlencode({"error": "invalid", "next": target}), status_code=303)
    try:
        principal = authenticate(db, name, password, client=client)
    except ThrottledError:
        return RedirectResponse(
            "/login?" + urlencode({"error": "throttled", "next": target}), status_code=303
        )
    except AuthError:
        return RedirectResponse("/login?" + urlencode({"error": "invalid", "next": target}), status_code=303)
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, db, principal, client)
    return response


@forms.api_route("/logout", methods=["GET", "POST"])
def logout_form(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    end_session(request, response)
    return response


__all__ = ["SESSION_COOKIE", "forms", "router"]
