"""/api/v1/snapshots/{path}: snapshot JPEGs by their stored path, never any other file."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from qarauyl.accounts import Principal, camera_scope
from qarauyl.api import _cameras as service
from qarauyl.api._deps import Db, Snapshots, allow
from qarauyl.api.routes._responses import PROTECTED, errors
from qarauyl.errors import NotFoundError

router = APIRouter(prefix="/snapshots", tags=["snapshots"], responses=PROTECTED)


@router.get(
    "/{path:path}",
    response_class=FileResponse,
    summary="A snapshot JPEG (paths come from camera health and event answers)",
    responses={200: {"content": {"image/jpeg": {}}}, **errors(404)},
)
def snapshot(
    path: str, db: Db, snapshots: Snapshots, principal: Annotated[Principal, Depends(allow("snapshots.read"))]
) -> FileResponse:
    # Stored paths start with the camera id (`17/latest/...jpg`): that decides whether the principal may see
    # it. SnapshotStore.resolve then refuses anything outside the snapshot root (`..`, absolute paths,
    # symlinks leading out) and anything but an existing .jpg file; every refusal is the same 404.
    first = path.split("/", 1)[0]
    if not re.fullmatch(r"[0-9]{1,12}", first):  # ASCII digits only: "¹".isdigit() is True
        raise NotFoundError("No such snapshot.")
    with db.session() as session:
        if not service.camera_id_in_scope(session, int(first), camera_scope(principal)):
            raise NotFoundError("No such snapshot.")
    return FileResponse(snapshots.resolve(path), media_type="image/jpeg")
