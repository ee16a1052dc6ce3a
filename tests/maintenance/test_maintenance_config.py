"""The maintenance settings: defaults, a TOML section, and errors that name the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from qarauyl.config import get_settings
from qarauyl.errors import ConfigError
from qarauyl.maintenance.config import MaintenanceConfig, load_config


def test_defaults_and_priorities() -> None:
    config = MaintenanceConfig()
    assert config.priority_for(("blur", "offline")) == "critical"
    assert config.priority_for(("noise",)) is None
    assert config.sla_hours["critical"] == 24


def test_toml_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "maintenance.toml"
    path.write_text(
        """
[maintenance]
confirm_minutes = 45
time_zone = "Asia/Almaty"
open_on = { offline = "high", blur = "low" }
sla_hours = { critical = 8, high = 24, normal = 72, low = 240 }

[maintenance.channels]
webhook_secret = "s3cret"
telegram_base_url = "http://127.0.0.1:8081"

[[maintenance.routes]]
name = "fixit-duty"
channel = "telegram"
target = "-1001"
organisations = ["FixIt"]
priorities = ["critical", "high"]
language = "kk"

[[maintenance.routes]]
name = "occ-hook"
channel = "webhook"
target = "http://127.0.0.1:9/hook"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("QARAUYL_MAINTENANCE_CONFIG", str(path))
    config = load_config()
    assert config.confirm_minutes == 45 and config.priority_for(("offline",)) == "high"
    assert config.channels.webhook_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(config)
    [route, hook] = config.routes
    assert route.organisations == ("FixIt",) and route.channel == "telegram"
    # Each destination is told in its own language; without one, in the console's default.
    assert (route.language, hook.language) == ("kk", "ru")
    assert config.time_zone == "Asia/Almaty" and config.zone() is not None
    assert load_config(tmp_path / "absent.toml") == MaintenanceConfig()


def test_notices_take_the_occs_time_zone_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QARAUYL_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("QARAUYL_TIME_ZONE", "Asia/Almaty")
    get_settings.cache_clear()
    try:
        assert load_config(tmp_path / "absent.toml").time_zone == "Asia/Almaty"
        path = tmp_path / "maintenance.toml"
        path.write_text('[maintenance]\ntime_zone = "Asia/Aqtobe"\n', encoding="utf-8")
        assert load_config(path).time_zone == "Asia/Aqtobe"  # the section's own wins
    finally:
        get_settings.cache_clear()


def test_notices_link_the_console_the_settings_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QARAUYL_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("QARAUYL_CONSOLE_URL", " https://qarauyl.occ.local/ ")
    get_settings.cache_clear()
    try:
        assert load_config(tmp_path / "absent.toml").console_url == "https://qarauyl.occ.local"
        monkeypatch.setenv("QARAUYL_CONSOLE_URL", "qarauyl.occ.local")  # no scheme: a browser would guess
        get_settings.cache_clear()
        with pytest.raises(ConfigError, match="is not a web address of the console"):
            get_settings()
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("[maintenance]\nconfirm_minute = 3\n", "maintenance.confirm_minute"),
        ('[maintenance]\nopen_on = { offline = "urgent" }\n', "priorities must be"),
        (
            '[[maintenance.routes]]\nname = "x"\nchannel = "sms"\ntarget = "1"\n',
            "maintenance.routes.0.channel",
        ),
        (
            '[[maintenance.routes]]\nname = "x"\nchannel = "email"\ntarget = "a@b.kz"\nlanguage = "de"\n',
            "maintenance.routes.0.language",
        ),
        ('[maintenance]\ntime_zone = "Mars/Base"\n', "unknown time zone 'Mars/Base'"),
        ('[maintenance]\nconsole_url = "file:///etc/passwd"\n', "console_url: .*not a web address"),
        ('[maintenance]\nconsole_url = "https://q.kz/?a=1"\n', "not a web address"),
        ("[maintenance\n", "Cannot read"),
        (
            '[[maintenance.routes]]\nname = "@assignee"\nchannel = "email"\ntarget = "a@b.kz"\n',
            "the route name '@assignee' starts with '@'",
        ),
        (
            '[[maintenance.routes]]\nname = "occ"\nchannel = "email"\ntarget = "a@b.kz"\n'
            'events = ["opened", "sla_warn"]\n',
            "the route 'occ' names no such event: sla_warn \\(events: opened, reopened,",
        ),
        ('[maintenance]\nassignee_events = ["asigned"]\n', "assignee_events names no such event: asigned"),
    ],
)
def test_bad_settings_name_the_problem(tmp_path: Path, section: str, message: str) -> None:
    path = tmp_path / "maintenance.toml"
    path.write_text(section, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)
