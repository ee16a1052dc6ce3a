"""The fleet summary as the API shows it."""

from __future__ import annotations

from pydantic import BaseModel


class CountsOut(BaseModel):
    installed: int
    connected: int
    planned: int
    decommissioned: int
    ok: int
    degraded: int
    failed: int
    unknown: int
    in_repair: int


class SummaryOut(BaseModel):
    total: CountsOut
    by_district: dict[str, CountsOut]
    by_vendor: dict[str, CountsOut]
