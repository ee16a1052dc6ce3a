"""The terminal face, run as a newcomer runs it: a real process, real files, a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.inventory.conftest import GOOD_ROWS, write_csv


def qarauyl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qarauyl", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "QARAUYL_DATA_DIR": str(tmp_path / "data"),
        "QARAUYL_DATABASE_URL": database_url,
        "QARAUYL_CONFIG": str(tmp_path / "qarauyl.toml"),
        "COLUMNS": "200",
    }


def test_import_list_show_export_and_bad_file(env: dict[str, str], tmp_path: Path) -> None:
    good = write_csv(tmp_path / "cams.csv", GOOD_ROWS)
    result = qarauyl(env, "cameras", "import", str(good), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "3 camera(s) would be created" in result.stdout
    result = qarauyl(env, "cameras", "import", str(good))
    assert result.returncode == 0, result.stderr
    result = qarauyl(env, "cameras", "import", str(good))
    assert "nothing to change" in result.stdout
    listed = [json.loads(line) for line in qarauyl(env, "cameras", "list", "--json").stdout.splitlines()]
    assert [c["code"] for c in listed] == ["KEN-1", "TUR-1", "TUR-2"]
    shown = qarauyl(env, "cameras", "show", "TUR-1")
    assert "Түркістан: Тәуке хан даңғылы" in shown.stdout
    assert "s3cret" not in shown.stdout + shown.stderr
    missing = qarauyl(env, "cameras", "show", "NOPE-1")
    assert missing.returncode == 3 and "No camera with code 'NOPE-1'" in missing.stderr

    bad = write_csv(tmp_path / "bad.csv", [GOOD_ROWS[0], "X-1,x,Foobar,,fixed,91,68,,,,file:///etc/passwd,,"])
    result = qarauyl(env, "cameras", "import", str(bad))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert (
        f"{bad}:3: vendor: unknown vendor 'Foobar'; use one of sergek, pelco, hikvision, dahua, axis, other"
        in lines
    )
    assert any(line.startswith(f"{bad}:3: latitude: 91") for line in lines)
    assert any(
        line.startswith(f"{bad}:3: main_stream_url: URL scheme 'file' is not allowed") for line in lines
    )

    target = tmp_path / "out.xlsx"
    assert qarauyl(env, "cameras", "export", str(target)).returncode == 0
    assert target.stat().st_size > 0


def test_fault_rules_are_set_listed_and_cleared(env: dict[str, str], tmp_path: Path) -> None:
    assert qarauyl(env, "cameras", "import", str(write_csv(tmp_path / "c.csv", GOOD_ROWS))).returncode == 0
    result = qarauyl(env, "faults", "set", "glare", "-c", "TUR-1", "--off", "--note", "faces the sunset")
    assert result.returncode == 0, result.stderr
    assert "glare on camera TUR-1: switched off (shown, never alarms)." in result.stdout
    result = qarauyl(env, "faults", "set", "noise", "--min-score", "0.8", "--delay", "30", "--days", "7")
    said = "noise on the whole fleet: counts from score 0.80, after 30 min without a break; until "
    assert said in result.stdout
    listed = json.loads(qarauyl(env, "faults", "list", "--camera", "TUR-1", "--json").stdout)
    assert [(r["camera"], r["code"], r["enabled"], r["note"]) for r in listed] == [
        (None, "noise", True, ""),
        ("TUR-1", "glare", False, "faces the sunset"),
    ]
    assert "(fleet)" in qarauyl(env, "faults", "list").stdout
    refused = qarauyl(env, "faults", "set", "offline", "--off")
    assert refused.returncode == 2 and "cannot be switched off" in refused.stderr
    unknown = qarauyl(env, "faults", "set", "sunshine")
    assert unknown.returncode == 2 and "'sunshine' is not a fault code" in unknown.stderr
    assert qarauyl(env, "faults", "clear", "glare", "--camera", "TUR-1").returncode == 0
    again = qarauyl(env, "faults", "clear", "glare", "--camera", "TUR-1")
    assert again.returncode == 3 and "No rule for 'glare' on camera 'TUR-1'" in again.stderr
    assert len(json.loads(qarauyl(env, "faults", "list", "--json").stdout)) == 1


def test_config_show_masks_secrets(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "QARAUYL_SECRET_KEY": "very-secret-value-123456", "QARAUYL_HEALTH__CONFIRM_MINUTES": "30"}
    (tmp_path / "qarauyl.toml").write_text('log_level = "DEBUG"\n[health]\nconfirm_probes = 3\n')
    result = qarauyl(env, "config", "show", "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["secret_key"] == "***"
    assert shown["log_level"] == "DEBUG"  # from the TOML file
    # The fleet's alarm confirmation, from the file and a variable, the rest by default.
    assert shown["health"] == {"confirm_probes": 3, "confirm_minutes": 30.0, "recover_probes": 2,
                               "flap_changes": 4, "flap_window_minutes": 60.0}  # fmt: skip
    bad = qarauyl({**env, "QARAUYL_HEALTH__CONFIRM_PROBES": "0"}, "config", "show")
    assert bad.returncode == 1 and "health.confirm_probes: Input should be greater" in bad.stderr, bad.stderr
    assert "very-secret-value" not in result.stdout
    if "@" in env["QARAUYL_DATABASE_URL"]:
        assert ":qarauyl@" not in shown["database_url"] and ":***@" in shown["database_url"]


def test_demo_seed_and_status(env: dict[str, str]) -> None:
    assert qarauyl(env, "demo", "seed", "--cameras", "150").returncode == 0
    status = json.loads(qarauyl(env, "status", "--json").stdout)
    assert status["total"]["installed"] == 150
    assert status["total"]["connected"] == round(150 * 1035 / 1303)
    table = qarauyl(env, "status").stdout
    assert "Installed 150, connected to the OCC" in table and "By district" in table and "By vendor" in table


def test_status_says_which_faults_are_there_now_and_why_cameras_cannot_be_read(
    env: dict[str, str], tmp_path: Path
) -> None:
    from qarauyl.domain import FaultCode, Finding, Severity
    from qarauyl.health import HealthPolicy
    from qarauyl.monitor import SnapshotStore
    from qarauyl.monitor.recording import record_results
    from qarauyl.probe.result import ProbeResult, ProbeTimings, failure
    from qarauyl.store import Camera, Database

    assert qarauyl(env, "demo", "seed", "--cameras", "40").returncode == 0
    db = Database(env["QARAUYL_DATABASE_URL"])
    with db.session() as session:
        a, b, c = session.scalars(
            select(Camera.id).where(Camera.lifecycle == "connected").order_by(Camera.id).limit(3)
        )
    wrong_password = failure("rtsp://x/", "auth_failed", "refused (401)", ProbeTimings(), cause="credentials")
    nothing_there = failure("rtsp://y/", "offline", "refused the connection", ProbeTimings(), cause="refused")
    blurred = ProbeResult("rtsp://z/", findings=(Finding(FaultCode.BLUR, Severity.WARNING, 0.8, {}),))
    at = datetime.now(UTC)
    results = [(a, wrong_password, at), (b, nothing_there, at), (c, blurred, at)]
    record_results(db, SnapshotStore(tmp_path / "snapshots"), results, HealthPolicy(confirm_probes=1))
    db.dispose()
    status = json.loads(qarauyl(env, "status", "--json").stdout)
    assert status["faults"] == {"auth_failed": 1, "offline": 1, "blur": 1}
    assert status["causes"] == {"credentials": 1, "refused": 1}
    text = qarauyl(env, "status").stdout
    assert "Faults now (cameras): " in text and "Why those that cannot be read: " in text
    assert "credentials 1" in text and "refused 1" in text
    # One camera: what its last probe found, and why it cannot be read.
    db = Database(env["QARAUYL_DATABASE_URL"])
    with db.session() as session:
        code = session.scalar(select(Camera.code).where(Camera.id == a))
    db.dispose()
    assert code is not None
    shown = json.loads(qarauyl(env, "cameras", "show", code, "--json").stdout)
    assert shown["probe"]["codes"] == ["auth_failed"] and shown["probe"]["cause"] == "credentials"
    assert shown["probe"]["error"] == "refused (401)"
    text = qarauyl(env, "cameras", "show", code).stdout
    assert "cannot be read   credentials" in text and "the probe said   refused (401)" in text


def test_unknown_toml_key_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "qarauyl.toml").write_text('databse_url = "sqlite:///x"\n')
    result = qarauyl(env, "config", "show")
    assert result.returncode == 1
    assert "Invalid settings (databse_url: Extra inputs are not permitted)" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "qarauyl.toml").write_text('time_zone = "Asia/Almaty"\n')
    assert '"time_zone": "Asia/Almaty"' in qarauyl(env, "config", "show", "--json").stdout
    (tmp_path / "qarauyl.toml").write_text('time_zone = "Asia/Alma-Ata-Nowhere"\n')
    result = qarauyl(env, "config", "show")
    assert result.returncode == 1 and "unknown time zone 'Asia/Alma-Ata-Nowhere'" in result.stderr
    (tmp_path / "qarauyl.toml").write_text("data_dir = [\n")
    result = qarauyl(env, "config", "show")
    assert (
        result.returncode == 1 and "is not valid TOML" in result.stderr and "Traceback" not in result.stderr
    )


def test_usage_errors_are_messages_not_tracebacks(env: dict[str, str]) -> None:
    # Typer 0.29 raises its own copy of click's exceptions; caught as click's alone, each of these came out
    # as a traceback with exit code 1.
    cases = {
        ("nosuch",): "No such command 'nosuch'",
        ("probe",): "Missing argument",
        ("probe", "--bogus", "rtsp://127.0.0.1/x"): "No such option: --bogus",
        ("diagnose", "--frames", "x"): "Invalid value for '--frames'",
    }
    for args, message in cases.items():
        result = qarauyl(env, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Usage: " in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    # No arguments at all: the list of commands, as --help shows it.
    result = qarauyl(env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert all(command in result.stdout for command in ("monitor", "diagnose", "probe")), result.stdout


# What the command modules must not import until a command runs: with them, `qarauyl --help` took 3-5 s.
HEAVY = ("cv2", "scipy", "sqlalchemy", "alembic", "celery", "av", "numpy", "shapely", "pyproj", "uvicorn")


def test_help_starts_without_the_heavy_stack(env: dict[str, str]) -> None:
    script = (
        "import sys, typer.main, qarauyl.cli\n"
        "ctx = typer.main.get_command(qarauyl.cli.app).make_context('qarauyl', [], resilient_parsing=True)\n"
        "print(ctx.get_help())\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout, result.stdout.splitlines()[-1]
    groups = ("cameras", "config", "db", "demo", "diagnose", "faults", "kpi", "monitor", "plan", "probe")
    groups += ("serve", "sim", "status", "tickets", "users", "worker")
    assert all(f" {name} " in result.stdout for name in groups), result.stdout
    # The option defaults and choices that now come from light modules are still the real ones.
    shown = {
        ("worker", "--help"): "qarauyl.probe",
        ("demo", "seed", "--help"): "1303",
        ("users", "create", "--help"): "admin, operator, engineer, planner, viewer",
        ("tickets", "set", "--help"): "removed_for_repair",
        ("faults", "set", "--help"): "at most 10080",
    }
    for args, text in shown.items():
        result = qarauyl(env, *args)
        assert result.returncode == 0 and text in result.stdout, (args, result.stdout, result.stderr)


def test_an_import_that_disconnects_a_camera_sets_its_health_to_unknown(
    env: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    from sqlalchemy import update

    from qarauyl.store import Camera, Database

    first = "code,name,vendor,latitude,longitude,lifecycle\nTUR-1,T,axis,43.3,68.25,connected\n"
    (tmp_path / "first.csv").write_text(first, encoding="utf-8")
    assert qarauyl(env, "cameras", "import", str(tmp_path / "first.csv")).returncode == 0
    db = Database(database_url)
    with db.session() as session:  # as the monitor left it
        session.execute(update(Camera).values(health="failed"))
    (tmp_path / "away.csv").write_text(first.replace("connected", "installed"), encoding="utf-8")
    result = qarauyl(env, "cameras", "import", str(tmp_path / "away.csv"))
    assert result.returncode == 0, result.stderr
    with db.session() as session:
        assert session.query(Camera.health).scalar() == "unknown"
    db.dispose()
