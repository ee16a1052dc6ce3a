"""Shapes shared by every route: a page of a list, and an error."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

MAX_LIMIT = 500


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: `total` counts every match, `items` holds at most `limit` from `offset`."""

    total: int = Field(ge=0)
    limit: int = Field(ge=1, le=MAX_LIMIT)
    offset: int = Field(ge=0)
    items: list[T]


class ErrorOut(BaseModel):
    """A refusal with a sentence for a person (401, 403, 404, 409, 413, 429)."""

    detail: str


class ProblemOut(BaseModel):
    """One validation problem, in FastAPI's 422 shape so every 422 reads alike: `loc` ends with the field."""

    loc: list[str | int]
    msg: str
    type: str = "value_error"


class ValidationErrorOut(BaseModel):
    detail: list[ProblemOut]
    message: str | None = None
