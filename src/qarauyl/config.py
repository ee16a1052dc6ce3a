"""Settings: `QARAUYL_*` environment variables, then a TOML config file, then defaults.

The config file is `$QARAUYL_CONFIG` if set, else `qarauyl.toml` in the user's config directory.
"""

from __future__ import annotations

import os
from datetime import tzinfo
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_config_dir, user_data_dir
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

if TYPE_CHECKING:
    from qarauyl.health import HealthPolicy

APP_NAME = "qarauyl"


def zone_of(name: str) -> tzinfo:
    """The time zone of an IANA name; ValueError naming it if the system's database does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{name}'; use an IANA name such as Asia/Almaty") from None


def _known_zone(value: str | None) -> str | None:
    if value is not None:
        zone_of(value)
    return value


# A setting that names a time zone: checked against the system's zone database when it is read.
ZoneName = Annotated[str | None, AfterValidator(_known_zone)]


def _site_address(value: str | None) -> str | None:
    """An http(s) address of a site with no query or fragment, without its trailing slash, so that
    `f"{value}/tickets/41"` is a page of it."""
    if value is None or not value.strip():
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"'{value}' is not a web address of the console; write it as people open it, such as "
            "https://qarauyl.occ.local or http://10.0.0.5:8080/qarauyl"
        )
    return value.strip().rstrip("/")


# The console's address as people open it (checked when read): notices link each ticket to its page there.
SiteAddress = Annotated[str | None, AfterValidator(_site_address)]


def config_file_path() -> Path:
    explicit = os.environ.get("QARAUYL_CONFIG")
    return Path(explicit) if explicit else Path(user_config_dir(APP_NAME)) / "qarauyl.toml"


class HealthSettings(BaseModel):
    """The fleet's alarm confirmation (`[health]` in the config file, `QARAUYL_HEALTH__*` variables); per
    fault code and camera, fault rules add their own delay on top (`qarauyl faults`)."""

    model_config = ConfigDict(extra="forbid")

    confirm_probes: int = Field(2, ge=1, le=100, description="Probes in a row that confirm a worse state.")
    confirm_minutes: float = Field(
        15.0, gt=0, le=24 * 60, description="...or minutes it has lasted, whichever comes first."
    )
    recover_probes: int = Field(2, ge=1, le=100, description="Probes in a row that confirm a better state.")
    flap_changes: int = Field(
        4, ge=2, le=100, description="Confirmed changes within the flapping window that make a camera flap."
    )
    flap_window_minutes: float = Field(60.0, gt=0, le=7 * 24 * 60, description="The flapping window.")

    def policy(self) -> HealthPolicy:
        from datetime import timedelta

        from qarauyl.health import HealthPolicy

        return HealthPolicy(
            confirm_probes=self.confirm_probes,
            confirm_after=timedelta(minutes=self.confirm_minutes),
            recover_probes=self.recover_probes,
            flap_window=timedelta(minutes=self.flap_window_minutes),
            flap_changes=self.flap_changes,
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QARAUYL_", env_nested_delimiter="__", extra="forbid")

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir(APP_NAME)),
        description="Where the embedded database, snapshots and reports live.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL; default: a SQLite file (WAL mode) in data_dir.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Encrypts camera passwords at rest; default: generated once into data_dir/secret.key.",
    )
    log_level: str = "INFO"
    broker_url: SecretStr | None = Field(
        default=None,
        description="Celery broker for remote probe workers (redis://host:6379/0 or amqp://user:pw@host//); "
        "None: the monitor probes from its own machine.",
    )
    # Map tiles for the console, e.g. "http://tiles.local/{z}/{x}/{y}.png"; None (air-gapped): no tiles.
    map_tile_url: str | None = None
    time_zone: ZoneName = Field(
        None,
        description="The OCC's time zone (an IANA name such as Asia/Almaty) for every time the console shows "
        "and every day it counts; None: this machine's own, which a server or container often keeps at UTC.",
    )
    console_url: SiteAddress = Field(
        None,
        description="The console's address as people open it (https://qarauyl.occ.local); notices link each "
        "ticket to its page there. None: notices carry no links.",
    )
    health: HealthSettings = Field(default_factory=HealthSettings)

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    def zone(self) -> tzinfo | None:
        """The OCC's time zone; None means this machine's local one (what `datetime.astimezone()` uses)."""
        return zone_of(self.time_zone) if self.time_zone else None

    @property
    def effective_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'qarauyl.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file_path())
        return (init_settings, env_settings, toml)

    def shown(self) -> dict[str, Any]:
        """The effective settings for people: secrets masked, the database password too."""
        from qarauyl.domain.stream_url import redact_url

        return {
            "config_file": str(config_file_path()),
            "data_dir": str(self.data_dir),
            "database_url": redact_url(self.effective_database_url),
            "secret_key": "***" if self.secret_key else f"(generated, in {self.data_dir / 'secret.key'})",
            "log_level": self.log_level,
            "broker_url": redact_url(self.broker_url.get_secret_value()) if self.broker_url else None,
            "map_tile_url": self.map_tile_url,
            "time_zone": self.time_zone or f"(this machine's: {_local_zone_name()})",
            "console_url": self.console_url,
            "health": self.health.model_dump(),
        }


def _local_zone_name() -> str:
    from datetime import datetime

    return datetime.now().astimezone().tzname() or "unknown"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, or a ConfigError that names the offending variable or config-file key."""
    import tomllib

    from pydantic import ValidationError

    from qarauyl.errors import ConfigError

    try:
        return Settings()
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {config_file_path()} is not valid TOML: {exc}.") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors(include_url=False)
        )
        raise ConfigError(
            f"Invalid settings ({problems}). Check QARAUYL_* variables and {config_file_path()}."
        ) from None
