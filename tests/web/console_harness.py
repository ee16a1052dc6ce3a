"""A console under test: a seeded, isolated installation, `qarauyl serve` in a subprocess, and Chromium.

Shared by tests/web and bench/bench_console.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, update

from qarauyl.probe.result import ProbeError
from qarauyl.store import Camera, Database, Organisation

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]
PASSWORD = "console-test-password"
USERS = {  # name: (role, organisation)
    "alma": ("admin", None),
    "olzhas": ("operator", None),
    "erlan": ("engineer", "Sergek Road Safety Operator LLP"),
    "perizat": ("planner", None),
    "viktor": ("viewer", None),
}
FAILED_CODE_FAULT = "offline"
# What the probe says of the failed cameras: its own English words, and the cause the console translates.
FAILED_PROBE = ProbeError(
    "offline", "10.20.0.9 refused the connection on port 554 (nothing listening)", "refused"
)


@dataclass
class Installation:
    data_dir: Path
    database_url: str
    env: dict[str, str]
    failed: list[str] = field(default_factory=list)  # camera codes set to failed
    degraded: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def installation_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "QARAUYL_DATA_DIR": str(data_dir),
            "QARAUYL_DATABASE_URL": database_url,
            "QARAUYL_SECRET_KEY": "console-test-secret-0123456789",
            "QARAUYL_CONFIG": str(data_dir / "absent.toml"),
            "NICEGUI_STORAGE_PATH": str(data_dir / "console"),
        }
    )
    env.pop("QARAUYL_MAP_TILE_URL", None)
    return env


def seed(data_dir: Path, database_url: str, cameras: int, now: datetime | None = None) -> Installation:
    """The demo fleet plus deterministic health: some cameras failed, some degraded, with events."""
    from qarauyl import accounts
    from qarauyl.config import Settings
    from qarauyl.domain import FaultCode, Finding, Severity
    from qarauyl.inventory.demo_fleet import seed_demo
    from qarauyl.monitor import SnapshotStore
    from qarauyl.monitor.job import access_finding
    from qarauyl.monitor.recording import finding_dict
    from qarauyl.security import CredentialCipher
    from qarauyl.store.models import CameraHealthRow, HealthEvent, ProbeRecord
    from qarauyl.store.schema import upgrade

    now = now or datetime.now(UTC)
    env = installation_env(data_dir, database_url)
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=env["QARAUYL_SECRET_KEY"],  # type: ignore[arg-type]
    )
    db = Database(database_url)
    upgrade(db)
    seed_demo(db, cipher=CredentialCipher.from_settings(settings), cameras=cameras)
    for name, (role, organisation) in USERS.items():
        accounts.create_user(db, name, role, PASSWORD, organisation=organisation, language="en")
    installation = Installation(data_dir=data_dir, database_url=database_url, env=env)
    snapshots = SnapshotStore(data_dir / "snapshots")
    with db.session() as session:
        sergek = session.scalar(select(Organisation.id).where(Organisation.name == USERS["erlan"][1]))
        connected = session.execute(
            select(Camera.id, Camera.code, Camera.maintainer_id)
            .where(Camera.lifecycle == "connected")
            .order_by(Camera.code)
        ).all()
        session.execute(
            update(Camera)
            .where(Camera.lifecycle == "connected")
            .values(health="ok", health_since=now - timedelta(days=40))
        )
        # Every 9th connected camera failed, every 13th degraded; at least one failed Sergek camera.
        chosen_failed = [c for i, c in enumerate(connected) if i % 9 == 4]
        sergek_failed = [c for c in connected if c.maintainer_id == sergek][:2]
        chosen_failed += [c for c in sergek_failed if c not in chosen_failed]
        chosen_degraded = [c for i, c in enumerate(connected) if i % 13 == 6 and c not in chosen_failed]
        for index, (camera_id, code, _) in enumerate(chosen_failed + chosen_degraded):
            failed = index < len(chosen_failed)
            state, codes = ("failed", [FAILED_CODE_FAULT]) if failed else ("degraded", ["blur"])
            at = now - timedelta(hours=2 + index % 40)
            session.execute(
                update(Camera).where(Camera.id == camera_id).values(health=state, health_since=at)
            )
            # Stored as the monitor stores them (monitor.recording).
            findings = [
                finding_dict(
                    access_finding(FAILED_PROBE)
                    if failed
                    else Finding(FaultCode.BLUR, Severity.WARNING, 0.9, {"laplacian_var": 12.5})
                )
            ]
            row = CameraHealthRow(
                camera_id=camera_id,
                state=state,
                since=at,
                codes=codes,
                findings=findings,
                error=FAILED_PROBE.message if failed else None,
                last_probe_at=now - timedelta(minutes=1),
            )
            if index < 5:  # a few cameras with real pictures and a probe history
                row.snapshot_path = snapshots.save_latest(camera_id, picture(index, dark=failed), now)
                row.reference_path = snapshots.save_reference(camera_id, picture(index, dark=False), at)
                for step in range(12):
                    session.add(
                        ProbeRecord(
                            camera_id=camera_id,
                            at=now - timedelta(hours=12 - step),
                            observed="ok" if step < 6 else state,
                            codes=[] if step < 6 else codes,
                            metrics={
                                "luma_mean": 120.0 - step * (8 if failed else 1),
                                "sharpness": 300.0 - step * 10,
                            },
                        )
                    )
            session.add(row)
            session.add(
                HealthEvent(
                    camera_id=camera_id,
                    at=at,
                    before="ok",
                    after=state,
                    codes=codes,
                    findings=findings,
                    reason="confirmed",
                )
            )
            (installation.failed if failed else installation.degraded).append(code)
    db.dispose()
    return installation


def picture(seed: int, dark: bool) -> bytes:
    """A small JPEG street-like test card (gradient sky, a road, a seeded box)."""
    import cv2
    import numpy as np

    image = np.zeros((180, 320, 3), np.uint8)
    image[:90] = np.linspace(200, 120, 90, dtype=np.uint8)[:, None, None]
    image[90:] = 90
    cv2.rectangle(image, (30 + seed * 40 % 200, 60), (90 + seed * 40 % 200, 130), (40, 90, 160), -1)
    if dark:
        image //= 8
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return bytes(data.tobytes())


@contextmanager
def serve(installation: Installation, timeout: float = 60.0) -> Iterator[str]:
    """`qarauyl serve` on a free loopback port; stopped (and waited for) when the block ends."""
    port = free_port()
    log = open(installation.data_dir / "serve.log", "wb")  # noqa: SIM115  (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "qarauyl", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=installation.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"qarauyl serve exited: {(installation.data_dir / 'serve.log').read_text()}"
                )
            try:
                if httpx.get(f"{base}/login", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("qarauyl serve did not answer within the timeout")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def server_log(installation: Installation) -> str:
    return (installation.data_dir / "serve.log").read_text(errors="replace")


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "web"


def sign_in(page: object, base: str, name: str, path: str = "/") -> None:
    page.goto(f"{base}{path}")  # type: ignore[attr-defined]
    page.get_by_test_id("signin-name").fill(name)  # type: ignore[attr-defined]
    page.get_by_test_id("signin-password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_test_id("signin-submit").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}{path}")  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
