"""Snapshot files: the latest JPEGs per camera (a rolling window), event evidence, and references.

Paths stored in the database are relative to the snapshot root; `resolve` is the only way back to a
file and refuses anything that would leave the root, so a stored or requested path can never be
used to read another file.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from qarauyl.errors import NotFoundError


class SnapshotStore:
    def __init__(self, root: Path, keep_latest: int = 24) -> None:
        self.root = root
        self.keep_latest = keep_latest

    def _write(self, relative: str, data: bytes) -> str:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
        return relative

    @staticmethod
    def _stamp(at: datetime) -> str:
        return at.strftime("%Y%m%dT%H%M%S%fZ")

    def save_latest(self, camera_id: int, jpeg: bytes, at: datetime) -> str:
        relative = self._write(f"{camera_id}/latest/{self._stamp(at)}.jpg", jpeg)
        self._prune(self.root / str(camera_id) / "latest")
        return relative

    def save_event(self, camera_id: int, jpeg: bytes, at: datetime) -> str:
        return self._write(f"{camera_id}/events/{self._stamp(at)}.jpg", jpeg)

    def save_reference(self, camera_id: int, jpeg: bytes, at: datetime) -> str:
        return self._write(f"{camera_id}/reference/{self._stamp(at)}.jpg", jpeg)

    def _prune(self, folder: Path) -> None:
        files = sorted(folder.glob("*.jpg"))
        for old in files[: max(0, len(files) - self.keep_latest)]:
            old.unlink(missing_ok=True)

    def resolve(self, relative: str) -> Path:
        """The file behind a stored path; NotFoundError for anything outside the root or missing."""
        root = self.root.resolve()
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or candidate.suffix != ".jpg" or not candidate.is_file():
            raise NotFoundError("No such snapshot.")
        return candidate

    def read(self, relative: str) -> bytes:
        return self.resolve(relative).read_bytes()
