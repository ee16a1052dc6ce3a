"""Repair tickets as the API shows them, and what a client may send to work them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Priority = Literal["critical", "high", "normal", "low"]
TicketStatus = Literal[
    "open", "acknowledged", "in_progress", "removed_for_repair", "resolved", "closed", "cancelled"
]


class TicketOut(BaseModel):
    id: int
    kind: str = Field(description="camera: one camera's ticket; node or district: an incident")
    status: TicketStatus
    priority: Priority
    codes: list[str]
    title: str
    opened_at: datetime
    due_at: datetime | None
    sla: str = Field(description="ok, warning or breached while active; met or missed once finished")
    hours_left: float | None = Field(description="Until the SLA deadline while active; negative: overdue")
    proposed_for_resolution: bool = Field(description="The monitor has seen the camera working long enough")
    camera_code: str | None
    camera_name: str | None
    camera_health: str | None
    camera_cause: str | None = Field(
        description="Why the camera cannot be read, as its last probe found (the words of a camera's health)"
    )
    address: str | None
    district: str | None
    maintainer: str | None
    assignee: str | None = Field(description="Who is repairing it: a user's name")
    latitude: float | None
    longitude: float | None
    route_url: str | None = Field(description="Turn-by-turn directions to the camera on a phone")
    snapshot_url: str | None = Field(description="The picture that shows the fault")
    node: str | None
    members: list[str] = Field(description="An incident's cameras, by code")
    incident_id: int | None = Field(description="The incident a camera's ticket is part of")
    resolution_code: str | None
    closed_by_override: bool
    console_url: str | None = Field(description="The ticket's console page, if the console's address is set")


class JournalEntryOut(BaseModel):
    at: datetime
    kind: str
    actor: str | None
    text: str


class TicketDetailOut(TicketOut):
    history: list[JournalEntryOut] = Field(description="The ticket's journal, oldest first")


class TicketOpen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera: str = Field(min_length=1, max_length=64, description="The camera's code")
    priority: Priority = "normal"
    note: str = Field("", max_length=300, description="What is wrong, as seen; it becomes the ticket's title")


class TicketMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TicketStatus
    resolution_code: str | None = Field(None, max_length=40, description="Kept when moving to resolved")
    override_reason: str | None = Field(
        None, max_length=2000, description="Needed to close a camera's ticket the monitor has not confirmed"
    )


class TicketAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(
        max_length=80,
        description="A user who works repairs (an engineer: of the ticket's maintainer); null: nobody",
    )


class TicketComment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
