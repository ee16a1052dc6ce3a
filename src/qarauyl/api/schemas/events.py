"""Health events as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class EventOut(BaseModel):
    id: int
    camera_id: int
    camera_code: str
    at: datetime
    before: str
    after: str
    codes: list[str]
    findings: list[dict[str, Any]]
    reason: str
    flapping: bool
    snapshot_url: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
