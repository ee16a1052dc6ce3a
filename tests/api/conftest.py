"""A small real world for API tests: an app on a real database, one user per role, two contractors'
cameras, health with real JPEG snapshots on disk, and events."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from qarauyl.accounts import ROLES, create_token
from qarauyl.accounts.models import User
from qarauyl.accounts.passwords import hash_password
from qarauyl.api import create_app
from qarauyl.config import Settings
from qarauyl.monitor import SnapshotStore
from qarauyl.security import CredentialCipher
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, CameraHealthRow, District, HealthEvent, Organisation

SECRET = "test-secret-key-0123456789"
CAMERA_PASSWORD = "cam-Pa55-word-never-shown"
ORG_A, ORG_B = "Contractor A", "Contractor B"


_hash = functools.cache(hash_password)


def password_of(role: str) -> str:
    return f"pw-{role}-123456"


def jpeg(seed: int = 0) -> bytes:
    image = np.full((48, 64, 3), 40 + seed * 10, np.uint8)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return bytes(data.tobytes())


@dataclass
class World:
    app: FastAPI
    db: Database
    settings: Settings
    snapshots: SnapshotStore
    tokens: dict[str, str] = field(default_factory=dict)
    camera_ids: dict[str, int] = field(default_factory=dict)
    snapshot_path: str = ""
    counter: int = 0

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def client(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=True)

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def add_event(self, code: str = "A-1") -> int:
        with self.db.session() as session:
            event = HealthEvent(
                camera_id=self.camera_ids[code],
                at=datetime.now(UTC) - timedelta(minutes=5),
                before="ok",
                after="failed",
                codes=["offline"],
                findings=[],
                reason="no answer",
                flapping=False,
                snapshot_path=None,
            )
            session.add(event)
            session.flush()
            return event.id

    def add_camera(self, code: str, maintainer: str = ORG_A) -> None:
        with self.db.session() as session:
            org = session.query(Organisation).filter_by(name=maintainer).one()
            camera = Camera(
                code=code, name=code, vendor="axis", kind="fixed", latitude=43.3, longitude=68.25,
                lifecycle="connected", tags=[], maintainer_id=org.id,
            )  # fmt: skip
            session.add(camera)
            session.flush()
            self.camera_ids[code] = camera.id


def build_world(tmp_path: Path, database_url: str) -> World:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key=SECRET)
    app = create_app(settings, import_limit=256 * 1024)
    db: Database = app.state.db
    world = World(app, db, settings, app.state.snapshots)
    cipher = CredentialCipher(SECRET.encode())
    with db.session() as session:
        session.add_all(
            [Organisation(name=ORG_A, kind="contractor"), Organisation(name=ORG_B, kind="contractor")]
        )
        session.add(District(name="Turkistan", latitude=43.3, longitude=68.25))
    world.add_camera("A-1", ORG_A)
    world.add_camera("B-1", ORG_B)
    with db.session() as session:
        for code in ("A-1", "B-1"):
            camera = session.get(Camera, world.camera_ids[code])
            assert camera is not None
            camera.username = "admin"
            camera.password_encrypted = cipher.encrypt(CAMERA_PASSWORD)
            camera.password_digest = cipher.digest(CAMERA_PASSWORD)
            camera.main_stream_url = "rtsp://10.1.1.1/Streaming/101"
            camera.health = "failed"
            camera_id = world.camera_ids[code]
            path = world.snapshots.save_latest(camera_id, jpeg(camera_id), datetime.now(UTC))
            session.add(
                CameraHealthRow(
                    camera_id=camera_id, state="failed", codes=["offline"], findings=[], changes=[],
                    metrics={}, snapshot_path=path, flapping=False, pending_count=0, reference_votes=0,
                )
            )  # fmt: skip
            if code == "A-1":
                world.snapshot_path = path
    world.add_event("A-1")
    world.add_event("B-1")
    with db.session() as session:
        org_a = session.query(Organisation).filter_by(name=ORG_A).one().id
        for role in ROLES:
            # Real argon2 hashes, computed once per test session: hashing is deliberately slow.
            session.add(
                User(name=role, role=role, password_hash=_hash(password_of(role)), language="en", active=True,
                     organisation_id=org_a if role == "engineer" else None)
            )  # fmt: skip
    for role in ROLES:
        world.tokens[role] = create_token(db, role, "tests")
    # A secret file beside the snapshot root, for the traversal tests to aim at.
    (settings.data_dir / "secret.txt").write_text("top secret")
    return world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """On SQLite: most API behaviour does not depend on the backend (the flow test runs on both)."""
    built = build_world(tmp_path, f"sqlite:///{tmp_path / 'api.db'}")
    yield built
    built.db.dispose()


@pytest.fixture
def world_any(tmp_path: Path, database_url: str) -> Iterator[World]:
    """The same world on SQLite and on PostgreSQL."""
    built = build_world(tmp_path, database_url)
    yield built
    built.db.dispose()
