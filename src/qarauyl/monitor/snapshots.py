"""Snapshot files: the latest JPEGs per camera (a rolling window), event evidence, and references.

Paths stored in the database are relative to the snapshot root; `resolve` is the only way back to a
file and refuses anything that would leave the root, so a stored or requested path can never be
used to read another file.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from qarauyl.errors import NotFoundError

# Beside a reference's JPEG, its prepared luma and thumbnail (monitor.job): a later probe need not decode it.
PARTS_SUFFIX = ".parts"


class SnapshotStore:
    def __init__(self, root: Path, keep_latest: int = 24) -> None:
        self.root = root
        self.keep_latest = keep_latest
        self._real_root = root.resolve()

    def _write(self, relative: str, data: bytes) -> str:
        # Written beside the target under a dot name, then renamed over it: a reader never sees half a file.
        # The target's name is unique (a timestamp), so the temporary one is too; no random name is needed
        # (mkstemp's was a third of the monitor's time spent on snapshot files).
        target = self.root / relative
        temp = target.with_name(f".tmp-{target.name}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        try:
            fd = os.open(temp, flags, 0o600)
        except FileNotFoundError:  # the camera's first file of this kind
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(temp, flags, 0o600)
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

    def save_reference_parts(self, reference: str, parts: bytes) -> None:
        """Keeps a reference's prepared parts (`diagnosis.reference_parts`) beside its JPEG."""
        self.resolve(reference)  # a reference inside the root, and still there
        self._write(reference + PARTS_SUFFIX, parts)

    def read_reference_parts(self, reference: str) -> bytes | None:
        """The parts kept beside a reference's JPEG; None until a probe has prepared them."""
        try:
            return self.resolve(reference).with_suffix(".jpg" + PARTS_SUFFIX).read_bytes()
        except FileNotFoundError:
            return None

    def _prune(self, folder: Path) -> None:
        # os.listdir, not Path.glob: this runs for every probe of every camera.
        files = sorted(name for name in os.listdir(folder) if name.endswith(".jpg") and name[0] != ".")
        for old in files[: max(0, len(files) - self.keep_latest)]:
            (folder / old).unlink(missing_ok=True)

    def resolve(self, relative: str) -> Path:
        """The file behind a stored path; NotFoundError for anything outside the root or missing."""
        root = self._real_root
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or candidate.suffix != ".jpg" or not candidate.is_file():
            raise NotFoundError("No such snapshot.")
        return candidate

    def exists(self, relative: str) -> bool:
        """Whether a stored path still names a snapshot file under the root."""
        try:
            self.resolve(relative)
        except NotFoundError:
            return False
        return True

    def read(self, relative: str) -> bytes:
        return self.resolve(relative).read_bytes()
