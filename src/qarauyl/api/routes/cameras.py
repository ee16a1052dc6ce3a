"""/api/v1/cameras: the register (list, get, create, update, delete, import), health, lifecycle, reference."""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.exc import IntegrityError

from qarauyl.accounts import Principal, camera_scope, record_audit
from qarauyl.api import _cameras as service
from qarauyl.api._deps import Cipher, Client, Db, Snapshots, allow
from qarauyl.api._errors import Conflict
from qarauyl.api.routes._responses import PROTECTED, errors
from qarauyl.api.schemas.cameras import (
    CameraCreate,
    CameraHealthOut,
    CameraOut,
    CameraUpdate,
    ImportOut,
    LifecycleIn,
    ReferenceOut,
)
from qarauyl.api.schemas.common import MAX_LIMIT, Page
from qarauyl.domain import Health, Lifecycle, Vendor
from qarauyl.errors import InputError, NotFoundError, Problem
from qarauyl.health.causes import stored_cause
from qarauyl.inventory import import_file
from qarauyl.inventory.queries import CameraFilter, camera_by_code
from qarauyl.monitor.recording import retake_reference
from qarauyl.monitor.unmonitored import settle_unmonitored
from qarauyl.store.models import Camera, CameraHealthRow

router = APIRouter(prefix="/cameras", tags=["cameras"], responses=PROTECTED)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]


def snapshot_url(path: str | None) -> str | None:
    return f"/api/v1/snapshots/{path}" if path else None


@router.get("", response_model=Page[CameraOut], summary="List cameras (filtered, paginated)")
def list_cameras(
    db: Db,
    principal: Annotated[Principal, Depends(allow("cameras.read"))],
    district: Annotated[str | None, Query(max_length=200)] = None,
    vendor: Vendor | None = None,
    lifecycle: Lifecycle | None = None,
    health: Health | None = None,
    maintainer: Annotated[str | None, Query(max_length=200)] = None,
    search: Annotated[str | None, Query(max_length=200, description="In code, name or address.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    filters = CameraFilter(
        district=district,
        vendor=vendor.value if vendor else None,
        lifecycle=lifecycle.value if lifecycle else None,
        health=health.value if health else None,
        maintainer=maintainer,
        search=search,
    )
    with db.session() as session:
        total, items = service.list_cameras(
            session, filters, camera_scope(principal), limit=limit, offset=offset
        )
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.post(
    "",
    response_model=CameraOut,
    status_code=201,
    summary="Create a camera",
    responses=errors(409),
)
def create_camera(
    body: CameraCreate,
    db: Db,
    cipher: Cipher,
    client: Client,
    principal: Annotated[Principal, Depends(allow("cameras.write"))],
) -> dict[str, Any]:
    values = service.validate_fields(body.model_dump(exclude_unset=True))
    with db.session() as session:
        if service.codes_exist(session, [body.code]):
            raise Conflict(f"A camera with code '{body.code}' already exists; change it with PATCH instead.")
        camera = Camera(code=body.code, kind="fixed", lifecycle="installed", tags=[])
        session.add(camera)
        service.apply_fields(session, camera, values, cipher)
        session.flush()
        view = service.find_camera(session, body.code, None)
        after = service.audit_view(view)
        if values.get("password"):
            after["password"] = "set"
        record_audit(session, principal, "cameras.create", f"camera:{body.code}", None, after, client=client)
    return view


@router.post(
    "/import",
    response_model=ImportOut,
    summary="Import an inventory file (CSV, XLSX, GeoJSON); all or nothing",
    responses=errors(413),
)
def import_cameras(
    db: Db,
    cipher: Cipher,
    client: Client,
    principal: Annotated[Principal, Depends(allow("cameras.import"))],
    file: Annotated[UploadFile, File(description="A .csv, .xlsx or .geojson inventory file.")],
    dry_run: bool = False,
) -> dict[str, Any]:
    # Keep the sender's file name (made safe) so problems read `cameras.csv:12: latitude: ...`.
    name = re.sub(r"[^\w.\-]", "_", Path(file.filename or "upload.csv").name)[-100:] or "upload.csv"
    if Path(name).suffix.lower() not in (".csv", ".xlsx", ".geojson", ".json"):
        raise InputError(
            f"'{name}' is not an inventory file: send a .csv, .xlsx or .geojson file.",
            [Problem("body", "file", "send a .csv, .xlsx or .geojson file")],
        )
    with tempfile.TemporaryDirectory(prefix="qarauyl-import-") as folder:
        path = Path(folder) / name
        with path.open("wb") as handle:
            while chunk := file.file.read(1024 * 1024):
                handle.write(chunk)
        try:
            plan = import_file(db, path, cipher=cipher, dry_run=dry_run)
        except InputError as exc:
            prefix = f"{folder}/"
            problems = [
                Problem(p.location.replace(prefix, ""), p.column, p.message.replace(prefix, ""))
                for p in exc.problems
            ]
            raise InputError(str(exc).replace(prefix, ""), problems) from None
    if not dry_run and plan.changes_anything:
        with db.session() as session:
            settle_unmonitored(session, actor=principal.name)  # the file may have disconnected cameras
            record_audit(
                session,
                principal,
                "cameras.import",
                f"file:{name}",
                None,
                {"created": plan.created, "updated": plan.updated, "new_references": plan.new_references},
                client=client,
            )
    return {
        "dry_run": dry_run,
        "rows": plan.rows,
        "created": plan.created,
        "updated": plan.updated,
        "unchanged": plan.unchanged,
        "new_references": plan.new_references,
    }


@router.get("/{code}", response_model=CameraOut, summary="One camera", responses=errors(404))
def get_camera(
    code: str, db: Db, principal: Annotated[Principal, Depends(allow("cameras.read"))]
) -> dict[str, Any]:
    with db.session() as session:
        return service.find_camera(session, code, camera_scope(principal))


@router.patch("/{code}", response_model=CameraOut, summary="Change a camera's fields", responses=errors(404))
def update_camera(
    code: str,
    body: CameraUpdate,
    db: Db,
    cipher: Cipher,
    client: Client,
    principal: Annotated[Principal, Depends(allow("cameras.write"))],
) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True)
    with db.session() as session:
        before_view = service.find_camera(session, code, camera_scope(principal))
        camera = camera_by_code(session, code, camera_scope(principal))
        # Required columns keep their stored values unless sent: validation needs them present.
        fields = {k: before_view[k] for k in ("name", "vendor", "latitude", "longitude")} | sent
        values = service.validate_fields(fields)
        # Credentials typed into a sent stream URL were moved to username/password by the validation.
        moved = {"username", "password"} if "main_stream_url" in sent else set()
        values = {k: v for k, v in values.items() if k in sent or k in moved}
        changed = service.apply_fields(session, camera, values, cipher)
        if changed:
            if "lifecycle" in changed:
                settle_unmonitored(session, [camera.id], actor=principal.name)
            session.flush()
            view = service.find_camera(session, code, None)
            before, after = service.audit_view(before_view), service.audit_view(view)
            # Only what changed, so the log reads as "name: x -> y" rather than two whole cameras.
            differing = {k for k in after if before.get(k) != after[k]}
            before = {k: before.get(k) for k in differing}
            after = {k: after[k] for k in differing}
            if "password" in changed:
                before["password"], after["password"] = (
                    "(old)",
                    "changed" if values.get("password") else "removed",
                )
            record_audit(session, principal, "cameras.update", f"camera:{code}", before, after, client=client)
            return view
        return before_view


@router.delete(
    "/{code}", status_code=204, summary="Delete a camera and its history", responses=errors(404, 409)
)
def delete_camera(
    code: str, db: Db, client: Client, principal: Annotated[Principal, Depends(allow("cameras.delete"))]
) -> Response:
    try:
        with db.session() as session:
            before = service.audit_view(service.find_camera(session, code, camera_scope(principal)))
            session.delete(camera_by_code(session, code, camera_scope(principal)))
            record_audit(session, principal, "cameras.delete", f"camera:{code}", before, None, client=client)
    except IntegrityError:
        # Other capabilities' records (repair tickets…) may refer to the camera without cascading.
        raise Conflict(
            f"Camera '{code}' is still referred to by other records (repair tickets?); "
            "set its lifecycle to decommissioned instead."
        ) from None
    return Response(status_code=204)


@router.post(
    "/{code}/lifecycle",
    response_model=CameraOut,
    summary="Change a camera's lifecycle state",
    responses=errors(404),
)
def set_lifecycle(
    code: str,
    body: LifecycleIn,
    db: Db,
    client: Client,
    principal: Annotated[Principal, Depends(allow("cameras.lifecycle"))],
) -> dict[str, Any]:
    with db.session() as session:
        camera = camera_by_code(session, code, camera_scope(principal))
        before = camera.lifecycle
        if before != body.lifecycle.value:
            camera.lifecycle = body.lifecycle.value
            settle_unmonitored(session, [camera.id], actor=principal.name)
            record_audit(
                session,
                principal,
                "cameras.lifecycle",
                f"camera:{code}",
                {"lifecycle": before},
                {"lifecycle": camera.lifecycle},
                client=client,
            )
            session.flush()
        return service.find_camera(session, code, None)


def _health_row(session: Any, code: str, principal: Principal) -> tuple[Camera, CameraHealthRow | None]:
    camera = camera_by_code(session, code, camera_scope(principal))
    return camera, session.get(CameraHealthRow, camera.id)


@router.get(
    "/{code}/health",
    response_model=CameraHealthOut,
    summary="A camera's current health",
    responses=errors(404),
)
def camera_health(
    code: str, db: Db, principal: Annotated[Principal, Depends(allow("cameras.read"))]
) -> dict[str, Any]:
    with db.session() as session:
        camera, row = _health_row(session, code, principal)
        if row is None:
            return {
                "code": code,
                "state": camera.health,
                "since": camera.health_since,
                "codes": [],
                "findings": [],
                "metrics": {},
                "flapping": False,
                "last_probe_at": None,
                "last_ok_at": None,
                "error": None,
                "cause": None,
                "snapshot_url": None,
                "reference_url": None,
                "reference_at": None,
            }
        return {
            "code": code,
            "state": row.state,
            "since": row.since,
            "codes": list(row.codes or []),
            "findings": list(row.findings or []),
            "metrics": dict(row.metrics or {}),
            "flapping": row.flapping,
            "last_probe_at": row.last_probe_at,
            "last_ok_at": row.last_ok_at,
            "error": row.error,
            "cause": stored_cause(row.findings),
            "snapshot_url": snapshot_url(row.snapshot_path),
            "reference_url": snapshot_url(row.reference_path),
            "reference_at": row.reference_at,
        }


@router.get(
    "/{code}/snapshot",
    response_class=FileResponse,
    summary="A camera's latest snapshot or its reference frame (JPEG)",
    responses={200: {"content": {"image/jpeg": {}}}, **errors(404)},
)
def camera_snapshot(
    code: str,
    db: Db,
    snapshots: Snapshots,
    principal: Annotated[Principal, Depends(allow("snapshots.read"))],
    kind: Annotated[str, Query(pattern="^(latest|reference)$")] = "latest",
) -> FileResponse:
    with db.session() as session:
        _camera, row = _health_row(session, code, principal)
        path = (row.snapshot_path if kind == "latest" else row.reference_path) if row else None
    if not path:
        raise NotFoundError(f"Camera '{code}' has no {kind} snapshot yet.")
    return FileResponse(snapshots.resolve(path), media_type="image/jpeg")


@router.post(
    "/{code}/reference",
    response_model=ReferenceOut,
    summary="Make the latest snapshot the camera's reference frame",
    responses=errors(404, 409),
)
def retake(
    code: str,
    db: Db,
    snapshots: Snapshots,
    client: Client,
    principal: Annotated[Principal, Depends(allow("cameras.retake_reference"))],
) -> dict[str, Any]:
    now = datetime.now(UTC)
    with db.session() as session:
        camera, row = _health_row(session, code, principal)
        camera_id, before = camera.id, (row.reference_path if row else None)
    path = retake_reference(db, snapshots, camera_id, now)
    if path is None:
        raise Conflict(f"Camera '{code}' has no snapshot yet to take as its reference.")
    with db.session() as session:
        record_audit(
            session,
            principal,
            "cameras.retake_reference",
            f"camera:{code}",
            {"reference": before},
            {"reference": path},
            client=client,
        )
    return {"code": code, "reference_url": snapshot_url(path), "reference_at": now}
