"""The one place where Qarauyl errors become HTTP answers, each with a sentence for a person."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from qarauyl.accounts import AuthError, Forbidden, NameTaken, SelfLockout, ThrottledError
from qarauyl.errors import InputError, NotFoundError, QarauylError


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

    app.add_exception_handler(QarauylError, on_qarauyl_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
