"""Fixtures for the maintenance tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from maintenance_fleet import Fleet

from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.store.database import Database


@pytest.fixture
def fleet(db: Database, tmp_path: Path) -> Fleet:
    return Fleet(db, SnapshotStore(tmp_path / "snapshots"))
