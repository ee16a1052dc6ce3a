"""One inventory row: its columns, and the pure validation that turns raw text into a CameraRecord.

Every reader (CSV, XLSX, GeoJSON) yields `RawRow`s of strings; everything after that is shared,
so a problem reads the same whichever format it came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from qarauyl.domain import CameraKind, Lifecycle, Vendor, parse_stream_url
from qarauyl.errors import Problem

COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "vendor",
    "model",
    "kind",
    "latitude",
    "longitude",
    "address",
    "district",
    "zone",
    "network_node",
    "heading_deg",
    "hfov_deg",
    "mount_height_m",
    "focal_mm",
    "sensor_width_mm",
    "resolution",
    "fps",
    "min_bitrate_kbps",
    "main_stream_url",
    "sub_stream_url",
    "onvif_url",
    "rtsp_transport",
    "username",
    "password",
    "owner",
    "maintainer",
    "installed_on",
    "lifecycle",
    "tags",
)
REQUIRED: frozenset[str] = frozenset({"code", "name", "vendor", "latitude", "longitude"})
# Columns stored on the camera as they are in a validated record; the others are looked up (district, zone,
# organisations), split (resolution), encrypted (password) or are the key (code). The import and the API
# both write through this list, so a column added to the register cannot be forgotten by one of them.
DIRECT_COLUMNS: tuple[str, ...] = tuple(
    c
    for c in COLUMNS
    if c not in {"code", "district", "zone", "resolution", "username", "password", "owner", "maintainer"}
)
# Exports never carry credentials: the password is a secret, and the username half of one.
EXPORT_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in {"username", "password"})

ALIASES: dict[str, str] = {
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "heading": "heading_deg",
    "hfov": "hfov_deg",
    "fov": "hfov_deg",
    "mount_height": "mount_height_m",
    "height_m": "mount_height_m",
    "focal": "focal_mm",
    "focal_length": "focal_mm",
    "focal_length_mm": "focal_mm",
    "sensor_width": "sensor_width_mm",
    "rtsp": "main_stream_url",
    "rtsp_url": "main_stream_url",
    "main_stream": "main_stream_url",
    "sub_stream": "sub_stream_url",
    "onvif": "onvif_url",
    "transport": "rtsp_transport",
    "state": "lifecycle",
    "installed": "installed_on",
}

KIND_SYNONYMS = {"traffic": CameraKind.ANPR, "lpr": CameraKind.ANPR, "dome": CameraKind.FIXED}
# A code is part of web addresses (/cameras/<code>): no '/', and not '.' or '..' alone.
_CODE = re.compile(r"^(?!\.{1,2}$)[\w.\-]{1,64}$")
_RESOLUTION = re.compile(r"^\s*(\d{2,5})\s*[xX×*]\s*(\d{2,5})\s*$")


@dataclass(frozen=True)
class RawRow:
    """Cell texts of one row, keyed by canonical column, with where the row stands in its file."""

    location: str
    cells: Mapping[str, str]


@dataclass(frozen=True)
class CameraRecord:
    """A validated row. `present` names the columns the file had: absent ones keep stored values."""

    location: str
    values: dict[str, Any]
    present: frozenset[str] = field(default_factory=frozenset)

    @property
    def code(self) -> str:
        return str(self.values["code"])


def canonical_column(header: str) -> str | None:
    key = header.strip().lower().replace(" ", "_").replace("-", "_")
    key = ALIASES.get(key, key)
    return key if key in COLUMNS else None


def header_problems(headers: Iterable[str], location: str) -> tuple[dict[int, str], list[Problem]]:
    """Maps header positions to canonical columns; unknown, repeated and missing columns are problems."""
    mapping: dict[int, str] = {}
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, header in enumerate(headers):
        if not header.strip():
            continue
        column = canonical_column(header)
        if column is None:
            problems.append(Problem(location, header.strip(), f"unknown column; known: {', '.join(COLUMNS)}"))
        elif column in seen:
            problems.append(Problem(location, header.strip(), "column appears twice"))
        else:
            seen.add(column)
            mapping[index] = column
    for column in sorted(REQUIRED - seen):
        problems.append(Problem(location, column, "required column is missing"))
    return mapping, problems


# --- one parser per kind of cell; each raises ValueError with a message for a person -------------


def _text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"longer than {limit} characters")
        return value

    return parse


def _code(value: str) -> str:
    if not _CODE.match(value):
        raise ValueError("use 1 to 64 letters, digits, '.', '-' or '_' (no '/'), and not '.' or '..' alone")
    return value


def _enum(
    enum: type[Vendor] | type[CameraKind] | type[Lifecycle], synonyms: dict[str, Any] | None = None
) -> Any:
    def parse(value: str) -> Any:
        key = value.strip().lower()
        if synonyms and key in synonyms:
            return synonyms[key]
        try:
            return enum(key)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise ValueError(f"unknown {enum.__name__.lower()} '{value}'; use one of {allowed}") from None

    return parse


def _number(low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise ValueError(f"'{value}' is not a number") from None
        if not math.isfinite(number) or number > high or number < low or (low_open and number == low):
            bracket = "(" if low_open else "["
            raise ValueError(f"{value} is out of range {bracket}{low:g}, {high:g}]")
        return number

    return parse


def _heading(value: str) -> float:
    return _number(0, 360)(value) % 360.0


def _resolution(value: str) -> tuple[int, int]:
    match = _RESOLUTION.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a resolution such as 1920x1080")
    width, height = int(match.group(1)), int(match.group(2))
    # 16 px to 16384 px a side: from a thermal sensor's 160x120 to a stitched 180-degree panorama.
    if not (16 <= width <= 16384 and 16 <= height <= 16384):
        raise ValueError(f"{width}x{height} is not a camera's resolution (16 to 16384 pixels a side)")
    return width, height


def _date(value: str) -> date:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"'{value}' is not a date such as 2024-05-31 or 31.05.2024")


MAX_TAGS, MAX_TAG_LENGTH = 50, 64


def _tags(value: str) -> list[str]:
    tags = list(dict.fromkeys(tag for tag in (t.strip() for t in value.split(";")) if tag))
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags, at most {MAX_TAGS}")
    long = next((tag for tag in tags if len(tag) > MAX_TAG_LENGTH), None)
    if long is not None:
        raise ValueError(f"a tag longer than {MAX_TAG_LENGTH} characters ('{long[:20]}...')")
    return tags


def _onvif(value: str) -> str:
    return parse_stream_url(value, schemes=frozenset({"http", "https"})).url


RTSP_TRANSPORTS = ("tcp", "udp")


def _transport(value: str) -> str:
    transport = value.strip().lower()
    if transport not in RTSP_TRANSPORTS:
        raise ValueError(f"'{value}' is not an RTSP transport: tcp or udp (empty: tcp)")
    return transport


PARSERS: dict[str, Callable[[str], Any]] = {
    "code": _code,
    "name": _text(300),
    "vendor": _enum(Vendor),
    "model": _text(120),
    "kind": _enum(CameraKind, KIND_SYNONYMS),
    "latitude": _number(-90, 90),
    "longitude": _number(-180, 180),
    "address": _text(500),
    "district": _text(200),
    "zone": _text(200),
    "network_node": _text(200),
    "heading_deg": _heading,
    "hfov_deg": _number(0, 360, low_open=True),
    # A pole, a facade or a mast: below half a metre or above 100 m is a typing error, not a mount.
    "mount_height_m": _number(0.5, 100),
    "focal_mm": _number(0, 1000, low_open=True),
    "sensor_width_mm": _number(0, 50, low_open=True),
    "resolution": _resolution,
    # A time-lapse camera sends a picture every ten seconds at the slowest; a rate below is a typing error.
    "fps": _number(0.1, 240),
    "min_bitrate_kbps": _number(0, 1_000_000, low_open=True),
    "onvif_url": _onvif,
    "rtsp_transport": _transport,
    "username": _text(120),
    "password": _text(200),
    "owner": _text(200),
    "maintainer": _text(200),
    "installed_on": _date,
    "lifecycle": _enum(Lifecycle),
    "tags": _tags,
}
DEFAULTS: dict[str, Any] = {"kind": CameraKind.FIXED, "lifecycle": Lifecycle.INSTALLED, "tags": []}


def validate_row(row: RawRow, present: frozenset[str]) -> tuple[CameraRecord | None, list[Problem]]:
    """Parses every cell of one row; returns the record, or every problem found in it."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column in present:
        raw = (row.cells.get(column) or "").strip()
        if not raw:
            if column in REQUIRED:
                problems.append(Problem(row.location, column, "value is required"))
            else:
                values[column] = DEFAULTS.get(column)
            continue
        if column in ("main_stream_url", "sub_stream_url"):
            try:
                url = parse_stream_url(raw)
            except ValueError as exc:
                problems.append(Problem(row.location, column, str(exc)))
                continue
            values[column] = url.url
            # Credentials typed into a URL are moved to the encrypted fields, never stored in the URL.
            if url.username and column == "main_stream_url":
                values.setdefault("_url_username", url.username)
                if url.password is not None:
                    values.setdefault("_url_password", url.password)
            continue
        try:
            values[column] = PARSERS[column](raw)
        except ValueError as exc:
            problems.append(Problem(row.location, column, str(exc)))
    if problems:
        return None, problems
    url_user = values.pop("_url_username", None)
    url_password = values.pop("_url_password", None)
    effective_present = set(present)
    if url_user and not values.get("username"):
        values["username"] = url_user
        effective_present.add("username")
    if url_password is not None and not values.get("password"):
        values["password"] = url_password
        effective_present.add("password")
    return CameraRecord(row.location, values, frozenset(effective_present)), []


def validate_rows(
    rows: Iterable[RawRow], present: frozenset[str]
) -> tuple[list[CameraRecord], list[Problem]]:
    """Validates all rows, reporting every problem (not only the first) and duplicate codes."""
    records: list[CameraRecord] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for row in rows:
        record, row_problems = validate_row(row, present)
        problems.extend(row_problems)
        if record is None:
            continue
        earlier = first_seen.get(record.code)
        if earlier is not None:
            problems.append(
                Problem(row.location, "code", f"duplicate code '{record.code}' (first at {earlier})")
            )
            continue
        first_seen[record.code] = row.location
        records.append(record)
    return records, problems
