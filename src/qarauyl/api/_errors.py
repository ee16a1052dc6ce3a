"""The one place where Qarauyl errors become HTTP answers, each with a sentence for a person."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from qarauyl.accounts import AuthError, Forbidden, NameTaken, SelfLockout, ThrottledError
from qarauyl.api.schemas.common import ErrorOut
from qarauyl.errors import InputError, NotFoundError, QarauylError, RemoteRefused


class Conflict(QarauylError):
    """The request clashes with the current state (a code already taken, an event already acknowledged)."""


def _problems(exc: InputError) -> list[dict[str, object]]:
    if not exc.problems:
        return [{"loc": ["body"], "msg": str(exc), "type": "value_error"}]
    out: list[dict[str, object]] = []
    for problem in exc.problems:
        # A file problem keeps its `FILE:LINE` place; a field problem is located in the body like FastAPI's.
        loc: list[str | int]
        if problem.location in ("body", "query", "path"):
            loc = (
                [problem.location]
                if problem.column == problem.location
                else [problem.location, problem.column]
            )
        else:
            loc = ["file", problem.location, *([problem.column] if problem.column else [])]
        out.append({"loc": loc, "msg": problem.message, "type": "value_error", "problem": str(problem)})
    return out


def install_error_handlers(app: FastAPI) -> None:
    async def on_qarauyl_error(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, ThrottledError):
            return JSONResponse(
                {"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)}
            )
        if isinstance(exc, AuthError):
            return JSONResponse({"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if isinstance(exc, Forbidden):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        if isinstance(exc, NotFoundError):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        if isinstance(exc, Conflict | NameTaken | SelfLockout):
            return JSONResponse({"detail": str(exc)}, status_code=409)
        if isinstance(exc, InputError):
            return JSONResponse({"detail": _problems(exc), "message": str(exc)}, status_code=422)
        if isinstance(exc, RemoteRefused):  # a mail server or Telegram refused: theirs, not ours
            return JSONResponse({"detail": str(exc)}, status_code=502)
        return JSONResponse({"detail": str(exc)}, status_code=500)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        # FastAPI's default answer echoes each bad `input`, which can be the whole body with a password in
        # it: keep where, what and why, never the value.
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in errors
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    async def on_bad_request(request: Request, exc: Exception) -> Response:
        # A body FastAPI could not read at all is as invalid as malformed JSON, and answered the same way.
        if isinstance(exc, HTTPException) and exc.detail == _UNREADABLE_BODY:
            message = "the body is not JSON in UTF-8"
            return JSONResponse(
                {"detail": [{"loc": ["body"], "msg": message, "type": "json_invalid"}]}, status_code=422
            )
        assert isinstance(exc, HTTPException)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(QarauylError, on_qarauyl_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(400, on_bad_request)


ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# What FastAPI says when a body cannot even be read (not UTF-8, say): a 400 that no route documents.
_UNREADABLE_BODY = "There was an error parsing the body"


def api_fallback(routers: Sequence[APIRouter], prefix: str) -> Callable[..., Awaitable[JSONResponse]]:
    """The endpoint for paths no route under `prefix` serves: 405 with Allow where the path exists for other
    methods, 404 otherwise; JSON either way (the console's HTML 404 is for people)."""
    known = [
        (compile_path(prefix + route.path)[0], route.methods or set())
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
    ]

    async def no_such_api_path(request: Request, rest: str) -> JSONResponse:
        path = request.url.path
        allowed = sorted({method for regex, methods in known if regex.match(path) for method in methods})
        if allowed:
            return JSONResponse(
                {"detail": f"{request.method} is not allowed here; use {', '.join(allowed)}."},
                status_code=405,
                headers={"Allow": ", ".join(allowed)},
            )
        return JSONResponse({"detail": f"No API path {path}."}, status_code=404)

    return no_such_api_path


def document_body_limit(routers: Sequence[APIRouter]) -> None:
    """Lists 413 (BodyLimit's answer to an oversized body) on every route that takes a body."""
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and (route.methods or set()) & _BODY_METHODS:
                route.responses.setdefault(413, {"model": ErrorOut})
