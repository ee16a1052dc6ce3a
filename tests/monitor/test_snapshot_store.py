"""Snapshot files: a rolling window of the latest per camera, whole files only, no way out of the root."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qarauyl.errors import NotFoundError
from qarauyl.monitor.snapshots import SnapshotStore

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_the_latest_window_keeps_the_newest_and_nothing_else_is_pruned(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snaps", keep_latest=3)
    reference = store.save_reference(7, b"ref", T0)
    event = store.save_event(7, b"event", T0)
    # A temporary file left by a crash in the middle of a write is neither counted nor served.
    (tmp_path / "snaps" / "7" / "latest").mkdir(parents=True)
    (tmp_path / "snaps" / "7" / "latest" / ".tmp-19990101T000000000000Z.jpg").write_bytes(b"half")
    saved = [store.save_latest(7, f"picture {i}".encode(), T0 + timedelta(seconds=i)) for i in range(5)]

    latest = sorted(p.name for p in (tmp_path / "snaps" / "7" / "latest").glob("[!.]*.jpg"))
    assert latest == [Path(p).name for p in saved[-3:]]
    assert [store.read(p) for p in saved[-3:]] == [b"picture 2", b"picture 3", b"picture 4"]
    assert store.read(reference) == b"ref" and store.read(event) == b"event"
    with pytest.raises(NotFoundError):
        store.read(saved[0])
    # Whole files only: nothing of this store's own writes is left under a temporary name.
    assert [p.name for p in (tmp_path / "snaps").rglob(".tmp-*")] == [".tmp-19990101T000000000000Z.jpg"]


def test_snapshot_files_are_private_to_the_service(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snaps")
    path = store.resolve(store.save_latest(1, b"jpeg", T0))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_stored_path_cannot_leave_the_root(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snaps")
    store.save_latest(1, b"jpeg", T0)
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not yours")
    os.symlink(secret, tmp_path / "snaps" / "1" / "link.jpg")
    (tmp_path / "snaps" / "1" / "notes.txt").write_text("not a snapshot")
    outside = ("../secret.jpg", "1/../../secret.jpg", str(secret), "1/link.jpg")
    for bad in (*outside, "1/notes.txt", "1/none.jpg"):
        with pytest.raises(NotFoundError):
            store.read(bad)
