"""Health events as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class EventOut(BaseModel):
    id: int
    camera_id: int
    camera_code: str
    at: datetime
    before: str
    after: str
    codes: list[str]
    findings: list[dict[str, Any]]
    cause: str | None = Field(
        description="Why the camera could not be read, when the event names a fault of access: the probe's "
        "cause in one stable word (the same words as a camera's health)"
    )
    reason: str
    flapping: bool
    snapshot_url: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
