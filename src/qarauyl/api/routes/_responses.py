"""Documented error answers, so the OpenAPI spec lists every status a route can give."""

from __future__ import annotations

from typing import Any

from qarauyl.api.schemas.common import ErrorOut, ValidationErrorOut


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {"model": ValidationErrorOut if code == 422 else ErrorOut}
    return out


PROTECTED = errors(401, 403)
