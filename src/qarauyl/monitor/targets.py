"""Which cameras the monitor probes, with what it needs for each: URL, credentials, profile, memory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, func, select

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
    """Connected cameras with a stream URL, in a stable order. A camera registered with only its sub-stream
    is probed on that, without the main stream's profile: a sub-stream's lower resolution, frame rate and
    bitrate are its design, not a fault."""
    # Columns, not whole rows: the health row's other JSON (findings, stream, metrics) is not needed here,
    # and decoding it for the whole fleet on every cycle cost time and a transient peak of memory.
    query = (
        select(
            Camera.id,
            Camera.code,
            Camera.main_stream_url,
            Camera.sub_stream_url,
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
        .where(Camera.lifecycle == Lifecycle.CONNECTED.value, _has_stream())
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
                main_url,
                sub_url,
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
            url = main_url or sub_url
            if not url:  # the query already excludes these; this also tells the type checker
                continue
            targets.append(
                Target(
                    camera_id=camera_id,
                    code=code,
                    url=url,
                    username=username,
                    password=cipher.decrypt(secret) if secret else None,
                    profile=(
                        StreamProfile(width=width, height=height, fps=fps, min_bitrate_kbps=min_kbps)
                        if main_url
                        else None
                    ),
                    transport=transport,
                    reference_path=reference,
                    baseline_json=baseline,
                )
            )
    return targets


def _has_stream() -> Any:
    # An empty string is as good as no URL (a spreadsheet's blank cell imported as text).
    return func.coalesce(
        func.nullif(Camera.main_stream_url, ""), func.nullif(Camera.sub_stream_url, "")
    ).is_not(None)


def unprobeable(db: Database, codes: set[str] | None = None) -> list[str]:
    """Codes of connected cameras the monitor cannot probe: no stream URL of either kind. Said every cycle,
    not skipped in silence: such a camera never leaves `unknown`, and nobody would know why."""
    query = (
        select(Camera.code)
        .where(Camera.lifecycle == Lifecycle.CONNECTED.value, ~_has_stream())
        .order_by(Camera.code)
    )
    if codes:
        query = query.where(Camera.code.in_(sorted(codes)))
    with db.session() as session:
        return list(session.scalars(query))
