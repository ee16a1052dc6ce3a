"""Fault rules as the API takes and shows them (see qarauyl/health/rules.py for what they mean)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from qarauyl.health.rules import MAX_DELAY, MIN_SCORE


class FaultRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="False: the code is still measured and shown, but never alarms.")
    min_score: float = Field(
        MIN_SCORE,
        ge=MIN_SCORE,
        le=1.0,
        description="The sensitivity: the confidence a finding needs to count (0.5: every finding; 1.0: only "
        "unmistakable ones).",
    )
    delay_minutes: int = Field(
        0,
        ge=0,
        le=int(MAX_DELAY.total_seconds() // 60),
        description="How long the code must be seen without a break before it counts.",
    )
    until: datetime | None = Field(
        None,
        description="When the rule lapses by itself (with a time zone, at most 366 days ahead); null: never.",
    )
    note: str = Field("", max_length=300, description="Why (shown to the next duty officer).")


class FaultRuleOut(BaseModel):
    camera: str | None = Field(description="The camera's code; null for a fleet-wide rule.")
    code: str
    enabled: bool
    min_score: float
    delay_minutes: int
    until: datetime | None
    in_force: bool = Field(description="False once `until` has passed: kept for the record, not applied.")
    note: str
    updated_by: str | None
    updated_at: datetime
