"""Request and response shapes of the camera routes. Passwords are write-only: never in a response."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from qarauyl.domain import CameraKind, Lifecycle, Vendor
from qarauyl.inventory.records import MAX_TAGS
from qarauyl.probe.result import ProbeCause

_WRITE_ONLY: dict[str, Any] = {"writeOnly": True}


class CameraOut(BaseModel):
    id: int
    code: str
    name: str
    vendor: str
    model: str | None
    kind: str
    latitude: float
    longitude: float
    address: str | None
    district: str | None
    zone: str | None
    network_node: str | None = Field(description="The switch or cabinet it hangs off (groups outages).")
    heading_deg: float | None
    hfov_deg: float | None
    mount_height_m: float | None = Field(description="Height of the mount above the ground, metres.")
    focal_mm: float | None = Field(description="Focal length, mm; with the sensor width it gives the view.")
    sensor_width_mm: float | None = Field(description="Image sensor width, mm.")
    resolution: str | None = Field(description="WIDTHxHEIGHT, e.g. 1920x1080")
    fps: float | None
    min_bitrate_kbps: float | None
    main_stream_url: str | None = Field(description="Without credentials; they are stored encrypted apart.")
    sub_stream_url: str | None
    onvif_url: str | None
    rtsp_transport: str | None = Field(description="tcp or udp; null: the monitor's default (tcp).")
    owner: str | None
    maintainer: str | None
    installed_on: date | None
    lifecycle: str
    tags: list[str]
    health: str
    health_since: datetime | None
    has_credentials: bool
    updated_at: datetime | None


class _CameraFields(BaseModel):
    """Fields people set. Values are checked by the inventory's own rules, so a row imported from a file
    and a camera sent to the API are held to the same standard."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    vendor: Vendor
    model: str | None = Field(None, max_length=120)
    kind: CameraKind | None = None
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    address: str | None = Field(None, max_length=500)
    district: str | None = Field(None, max_length=200, description="An existing district's name.")
    zone: str | None = Field(None, max_length=200, description="An existing network zone's name.")
    network_node: str | None = Field(
        None,
        max_length=200,
        description="The switch or cabinet it hangs off: cameras that go down together there are one outage.",
    )
    heading_deg: float | None = Field(None, ge=0, le=360)
    hfov_deg: float | None = Field(None, gt=0, le=360)
    mount_height_m: float | None = Field(None, ge=0.5, le=100)
    focal_mm: float | None = Field(None, gt=0, le=1000)
    sensor_width_mm: float | None = Field(None, gt=0, le=50)
    resolution: str | None = Field(None, max_length=20, pattern=r"^\s*\d{2,5}\s*[xX×*]\s*\d{2,5}\s*$")
    fps: float | None = Field(None, ge=0.1, le=240)
    min_bitrate_kbps: float | None = Field(None, gt=0, le=1_000_000)
    main_stream_url: str | None = Field(None, max_length=2000)
    sub_stream_url: str | None = Field(None, max_length=2000)
    onvif_url: str | None = Field(None, max_length=2000)
    rtsp_transport: Literal["tcp", "udp"] | None = Field(
        None,
        description="RTP over RTSP by tcp (the default when null) or udp, for cameras that offer only UDP.",
    )
    username: str | None = Field(None, max_length=120, json_schema_extra=_WRITE_ONLY)
    password: SecretStr | None = Field(None, max_length=200, json_schema_extra=_WRITE_ONLY)
    owner: str | None = Field(None, max_length=200, description="An existing organisation's name.")
    maintainer: str | None = Field(None, max_length=200, description="An existing organisation's name.")
    installed_on: date | None = None
    lifecycle: Lifecycle | None = None
    tags: list[str] | None = Field(None, max_length=MAX_TAGS)


class CameraCreate(_CameraFields):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[\w.\-]{1,64}$")


class CameraUpdate(_CameraFields):
    """Every field optional: only the fields sent are changed; `null` clears an optional one. A field that
    always has a value (name, vendor, kind, position, lifecycle) refuses `null`: for kind and lifecycle
    the import's empty cell means the default, and a PATCH would then have reset a PTZ camera to fixed
    or a connected one to installed."""

    name: str = Field(None, min_length=1, max_length=300)  # type: ignore[assignment]
    vendor: Vendor = None  # type: ignore[assignment]
    kind: CameraKind = None  # type: ignore[assignment]
    lifecycle: Lifecycle = None  # type: ignore[assignment]
    latitude: float = Field(None, ge=-90, le=90)  # type: ignore[assignment]
    longitude: float = Field(None, ge=-180, le=180)  # type: ignore[assignment]


class LifecycleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lifecycle: Lifecycle


class ImportOut(BaseModel):
    dry_run: bool
    rows: int
    created: list[str]
    updated: dict[str, list[str]]
    unchanged: int
    new_references: dict[str, list[str]]


class CameraHealthOut(BaseModel):
    code: str
    state: str
    since: datetime | None
    codes: list[str]
    findings: list[dict[str, Any]]
    metrics: dict[str, Any]
    flapping: bool
    last_probe_at: datetime | None
    last_ok_at: datetime | None
    error: str | None = Field(description="The last probe's own words when it could not read the camera")
    cause: str | None = Field(
        description="Why the camera could not be read, in one stable word: " + ", ".join(get_args(ProbeCause))
    )
    snapshot_url: str | None
    reference_url: str | None
    reference_at: datetime | None


class ReferenceOut(BaseModel):
    code: str
    reference_url: str
    reference_at: datetime
