"""Maintenance settings: which faults open tickets and at what priority, SLA clocks, grouping, routes.

A typed object with defaults; `load_config` reads the `[maintenance]` section of a TOML file:
`$QARAUYL_MAINTENANCE_CONFIG`, else `maintenance.toml` beside `qarauyl.toml` (the main settings file
forbids unknown keys, so the section cannot live there until Settings grows a field for it).
"""

from __future__ import annotations

import tomllib
from datetime import tzinfo
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from qarauyl.config import SiteAddress, ZoneName, zone_of
from qarauyl.errors import ConfigError
from qarauyl.i18n import DEFAULT_LANGUAGE

PRIORITIES = ("critical", "high", "normal", "low")
# What a notice can be about (`Notice.event`): a route's `events` and `assignee_events` name these.
EVENTS = (
    "opened",
    "reopened",
    "escalated",
    "assigned",
    "unassigned",
    "sla_warning",
    "sla_breach",
    "proposed_resolution",
    "resolved",
    "closed",
    "removed_for_repair",
    "incident_opened",
    "incident_closed",
)


class Route(BaseModel):
    """One destination and the events it wants. Empty filters match everything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    channel: str = Field(pattern="^(webhook|email|telegram)$")
    target: str  # webhook URL, e-mail address, Telegram chat id
    organisations: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()
    # opened, escalated, sla_warning, sla_breach, incident_opened, … (EVENTS); empty: all but `assigned` and
    # `unassigned`, which concern one person (they hear of them themselves: MaintenanceConfig.assignee_events)
    events: tuple[str, ...] = ()
    # The language its messages are written in (a webhook's `text` too); the console's default otherwise.
    language: str = Field(DEFAULT_LANGUAGE, pattern="^(kk|ru|en)$")


class Channels(BaseModel):
    """How to reach each channel; secrets are SecretStr so they never print."""

    model_config = ConfigDict(extra="forbid")

    webhook_secret: SecretStr = SecretStr("")  # HMAC-SHA256 key for X-Qarauyl-Signature
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "qarauyl@localhost"
    telegram_token: SecretStr = SecretStr("")
    telegram_base_url: str = "https://api.telegram.org"  # configurable so tests (and proxies) can stand in
    timeout_seconds: float = 10.0


class MaintenanceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Fault code -> priority of the ticket it opens; codes absent here never open a ticket by themselves.
    # Access faults and no signal mean no picture at all: critical. Picture faults that still leave a
    # usable view are high or normal; stream-profile drift (low_fps, low_bitrate) is low.
    open_on: dict[str, str] = Field(
        default_factory=lambda: {
            "offline": "critical",
            "no_signal": "critical",
            "auth_failed": "high",
            "stream_error": "high",
            "frozen": "high",
            "occluded": "high",
            "corrupted": "high",
            "scene_changed": "normal",
            "blur": "normal",
            "too_dark": "normal",
            "overexposed": "normal",
            "ir_cut": "normal",
            "stripes": "normal",
            "shaking": "normal",
            "low_resolution": "low",
            "low_fps": "low",
            "low_bitrate": "low",
        }
    )
    # Hours to resolve per priority (the contract's "critical: 24 h to repair").
    sla_hours: dict[str, float] = Field(
        default_factory=lambda: {"critical": 24.0, "high": 48.0, "normal": 72.0, "low": 168.0}
    )
    warn_fraction: float = 0.75  # warn when 75 % of the SLA time is spent: a working day's notice at 72 h
    # Health must stay ok this long before a ticket is proposed for resolution: two probe cycles at least.
    confirm_minutes: float = 30.0
    # Root-cause grouping.
    node_min_cameras: int = 3  # below three, "most cameras behind the node" is chance, not a node fault
    node_fraction: float = 0.6  # "most": more than half, with margin for one camera that was already down
    # How close together the outages of one cause are confirmed. The monitor probes each camera at its own
    # moment of the cycle, so cameras that fail in the same second are found up to one cycle apart: these
    # windows are the monitor's default cycle (5 min); set them to yours. Shorter, they group by chance.
    group_window_seconds: float = 300.0  # behind one node
    district_window_seconds: float = 300.0  # without node data, in one district
    district_min_cameras: int = 4
    group_codes: tuple[str, ...] = ("offline", "stream_error")  # what a node outage looks like
    # Notifications.
    routes: tuple[Route, ...] = ()
    # What the person a ticket is assigned to hears at their own e-mail and Telegram chat (set on their
    # account), in their own language, never of what they did themselves; Telegram needs the channels'
    # bot token. By default all that happens to their ticket after it was opened ("unassigned" is told to
    # whoever had it); incidents are the OCC's, and their members have tickets of their own. Empty: none.
    assignee_events: tuple[str, ...] = tuple(
        event for event in EVENTS if event != "opened" and not event.startswith("incident_")
    )
    channels: Channels = Field(default_factory=Channels)
    notify_group_seconds: float = 60.0  # events for one destination within a minute become one message
    rate_limit_per_hour: int = 30  # per destination; beyond it messages are merged into a digest
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    max_attempts: int = 20  # about 15 hours of retries at the cap before a message is declared dead
    # The zone the notices write their times in (an IANA name); `load_config` takes the settings'
    # `time_zone`, the console's, when the file leaves it out. None: UTC, said as such.
    time_zone: ZoneName = None
    # The console's address (`load_config` takes the settings' `console_url`): each notice then links its
    # ticket's page, where the engineer finds the route, the snapshot and the history. None: no links.
    console_url: SiteAddress = None

    def zone(self) -> tzinfo | None:
        return zone_of(self.time_zone) if self.time_zone else None

    def priority_for(self, codes: tuple[str, ...] | list[str]) -> str | None:
        """The most urgent priority among the codes that open tickets, or None."""
        found = [self.open_on[c] for c in codes if c in self.open_on]
        return min(found, key=PRIORITIES.index) if found else None


def load_config(path: Path | None = None) -> MaintenanceConfig:
    """The `[maintenance]` section of `path`; the defaults if the file does not exist. Times in notices are
    written in the OCC's zone (the settings' `time_zone`) unless the section names another."""
    import os

    from qarauyl.config import config_file_path, get_settings

    explicit = os.environ.get("QARAUYL_MAINTENANCE_CONFIG")
    path = path or (Path(explicit) if explicit else config_file_path().with_name("maintenance.toml"))
    section: dict[str, Any] = {}
    if path.exists():
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"Cannot read the maintenance settings in {path}: {exc}.") from None
        section = dict(data.get("maintenance", {}))
    settings = get_settings()
    section.setdefault("time_zone", settings.time_zone)
    section.setdefault("console_url", settings.console_url)
    return config_from_dict(section, source=str(path))


def config_from_dict(section: dict[str, Any], source: str = "configuration") -> MaintenanceConfig:
    try:
        config = MaintenanceConfig.model_validate(section)
    except ValidationError as exc:
        problems = "; ".join(
            f"maintenance.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise ConfigError(f"Invalid maintenance settings in {source} ({problems}).") from None
    for route in config.routes:
        if route.name.startswith("@"):
            raise ConfigError(
                f"Invalid maintenance settings in {source}: the route name '{route.name}' starts with '@', "
                "which Qarauyl keeps for its own (the assignees' messages are '@assignee')."
            )
    for where, events in [("assignee_events", config.assignee_events)] + [
        (f"the route '{route.name}'", route.events) for route in config.routes
    ]:
        unknown = sorted(set(events) - set(EVENTS))
        if unknown:
            raise ConfigError(
                f"Invalid maintenance settings in {source}: {where} names no such event: "
                f"{', '.join(unknown)} (events: {', '.join(EVENTS)})."
            )
    bad = sorted(p for p in config.open_on.values() if p not in PRIORITIES)
    if bad or any(p not in config.sla_hours for p in PRIORITIES):
        raise ConfigError(
            f"Invalid maintenance settings in {source}: priorities must be {', '.join(PRIORITIES)} "
            "and sla_hours must give hours for each."
        )
    return config
