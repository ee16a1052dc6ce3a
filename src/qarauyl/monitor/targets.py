"""Which cameras the monitor probes, with what it needs for each: URL, credentials, profile, memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from qarauyl.diagnosis import StreamProfile
from qarauyl.domain import Lifecycle
from qarauyl.security import CredentialCipher
from qarauyl.store import Camera, Database
from qarauyl.store.models import CameraHealthRow


@dataclass(frozen=True)
class Target:
    camera_id: int
    code: str
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    profile: StreamProfile | None = None
    # The reference picture's stored path, read only when the camera's probe is queued: ten thousand
    # references held for a whole cycle would cost the monitor hundreds of megabytes.
    reference_path: str | None = None
    baseline: dict[str, Any] | None = None


def load_targets(db: Database, cipher: CredentialCipher, codes: set[str] | None = None) -> list[Target]:
    """Connected cameras with a stream URL, in a stable order."""
    query = (
        select(Camera, CameraHealthRow)
        .outerjoin(CameraHealthRow, CameraHealthRow.camera_id == Camera.id)
        .where(Camera.lifecycle == Lifecycle.CONNECTED.value, Camera.main_stream_url.is_not(None))
        .order_by(Camera.id)
    )
    if codes:
        query = query.where(Camera.code.in_(sorted(codes)))
    targets = []
    with db.session() as session:
        for camera, health in session.execute(query):
            profile = StreamProfile(
                width=camera.width,
                height=camera.height,
                fps=camera.fps,
                min_bitrate_kbps=camera.min_bitrate_kbps,
            )
            targets.append(
                Target(
                    camera_id=camera.id,
                    code=camera.code,
                    url=camera.main_stream_url or "",
                    username=camera.username,
                    password=cipher.decrypt(camera.password_encrypted) if camera.password_encrypted else None,
                    profile=profile,
                    reference_path=health.reference_path if health is not None else None,
                    baseline=health.baseline if health is not None else None,
                )
            )
    return targets
