"""Which cameras the monitor probes, with what it needs for each: URL, credentials, profile, memory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, select

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
    transport: str | None = None  # the camera's own RTSP transport; None: the monitor's default
    # The reference picture's stored path, read only when the camera's probe is queued: ten thousand
    # references held for a whole cycle would cost the monitor hundreds of megabytes.
    reference_path: str | None = None
    # The learned baseline as its stored JSON text, decoded when the camera's probe is queued: as Python
    # dicts (some forty metrics, each with its count, mean and variance) it is some 20 KB per camera, which
    # for ten thousand cameras held for a whole cycle was 200 MB of the monitor's memory; as text, 3 KB.
    baseline_json: str | None = field(default=None, repr=False)

    @property
    def baseline(self) -> dict[str, Any] | None:
        # SQL NULL is None; a row written with no baseline holds JSON null, which decodes to None too.
        if self.baseline_json is None:
            return None
        decoded: dict[str, Any] | None = json.loads(self.baseline_json)
        return decoded


def load_targets(db: Database, cipher: CredentialCipher, codes: set[str] | None = None) -> list[Target]:
    """Connected cameras with a stream URL, in a stable order."""
    # Columns, not whole rows: the health row's other JSON (findings, stream, metrics) is not needed here,
    # and decoding it for the whole fleet on every cycle cost time and a transient peak of memory.
    query = (
        select(
            Camera.id,
            Camera.code,
            Camera.main_stream_url,
            Camera.username,
            Camera.password_encrypted,
            Camera.width,
            Camera.height,
            Camera.fps,
            Camera.min_bitrate_kbps,
            Camera.rtsp_transport,
            CameraHealthRow.reference_path,
            cast(CameraHealthRow.baseline, Text),
        )
        .outerjoin(CameraHealthRow, CameraHealthRow.camera_id == Camera.id)
        .where(Camera.lifecycle == Lifecycle.CONNECTED.value, Camera.main_stream_url.is_not(None))
        .order_by(Camera.id)
    )
    if codes:
        query = query.where(Camera.code.in_(sorted(codes)))
    targets = []
    with db.session() as session:
        for row in session.execute(query):
            (
                camera_id,
                code,
                url,
                username,
                secret,
                width,
                height,
                fps,
                min_kbps,
                transport,
                reference,
                baseline,
            ) = row
            targets.append(
                Target(
                    camera_id=camera_id,
                    code=code,
                    url=url or "",
                    username=username,
                    password=cipher.decrypt(secret) if secret else None,
                    profile=StreamProfile(width=width, height=height, fps=fps, min_bitrate_kbps=min_kbps),
                    transport=transport,
                    reference_path=reference,
                    baseline_json=baseline,
                )
            )
    return targets
