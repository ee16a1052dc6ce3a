"""Camera reads and writes for the API: scoped, paginated queries and validated single-camera changes.

Values sent to the API go through the inventory's row validation (qarauyl.inventory.records), so the
API and a file import accept and refuse exactly the same things and word their problems alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from qarauyl.errors import InputError, NotFoundError, Problem
from qarauyl.inventory.queries import (
    CameraFilter,
    camera_fields,
    camera_select,
    join_for_filter,
    where_filter,
)
from qarauyl.inventory.records import DIRECT_COLUMNS, RawRow, validate_row
from qarauyl.security import CredentialCipher
from qarauyl.store.models import Camera, District, NetworkZone, Organisation

_REFERENCES: dict[str, type[District] | type[NetworkZone] | type[Organisation]] = {
    "district": District,
    "zone": NetworkZone,
    "owner": Organisation,
    "maintainer": Organisation,
}


def _count(session: Session, filters: CameraFilter, scope: ColumnElement[bool] | None) -> int:
    query = join_for_filter(select(func.count(Camera.id)).select_from(Camera), filters)
    return int(session.scalar(where_filter(query, filters, scope)) or 0)


def camera_view(row: Any) -> dict[str, Any]:
    """A camera as the API shows it: the register's fields (never a username or password, only whether
    it has them) with its id, since when its health holds and when it last changed."""
    camera: Camera = row[0]
    return {
        "id": camera.id,
        **camera_fields(row),
        "health_since": camera.health_since,
        "updated_at": camera.updated_at,
    }


def audit_view(view: dict[str, Any]) -> dict[str, Any]:
    """The camera for the audit log: JSON-safe, without timestamps that change on their own."""
    out = {k: v for k, v in view.items() if k not in {"id", "updated_at", "health", "health_since"}}
    if out.get("installed_on") is not None:
        out["installed_on"] = out["installed_on"].isoformat()
    return out


def list_cameras(
    session: Session, filters: CameraFilter, scope: ColumnElement[bool] | None, *, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    # The page's ids first, from the camera table and its code index alone; then the display joins for
    # those ids only. Joining first made SQLite sort the whole joined fleet for every page (~50 ms).
    ids = where_filter(join_for_filter(select(Camera.id).select_from(Camera), filters), filters, scope)
    page = ids.order_by(Camera.code).limit(limit).offset(offset).scalar_subquery()
    rows = session.execute(camera_select().where(Camera.id.in_(page)).order_by(Camera.code))
    return _count(session, filters, scope), [camera_view(row) for row in rows]


def find_camera(session: Session, code: str, scope: ColumnElement[bool] | None) -> dict[str, Any]:
    """One camera by code; a camera outside the scope is as absent as a missing one (no existence leak)."""
    row = session.execute(where_filter(camera_select().where(Camera.code == code), None, scope)).first()
    if row is None:
        raise NotFoundError.camera(code)
    return camera_view(row)


def camera_id_in_scope(session: Session, camera_id: int, scope: ColumnElement[bool] | None) -> bool:
    query = select(Camera.id).where(Camera.id == camera_id)
    if scope is not None:
        query = query.where(scope)
    return session.scalar(query) is not None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if hasattr(value, "get_secret_value"):
        return str(value.get_secret_value())
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if hasattr(value, "value"):  # enums
        return str(value.value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def validate_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The inventory's validation of the sent fields; InputError naming each bad field."""
    cells = {column: _cell(value) for column, value in fields.items()}
    record, problems = validate_row(RawRow("body", cells), frozenset(cells))
    if problems or record is None:
        raise InputError(f"{len(problems)} invalid field(s); nothing was changed.", problems)
    return {k: v for k, v in record.values.items() if k in record.present}


def _reference_id(session: Session, column: str, name: str | None) -> int | None:
    if not name:
        return None
    model = _REFERENCES[column]
    found = session.scalar(select(model.id).where(model.name == name))
    if found is None:
        raise InputError(
            f"No {column} named '{name}'.",
            [Problem("body", column, f"no {model.__name__.lower()} named '{name}'")],
        )
    return int(found)


def apply_fields(
    session: Session, camera: Camera, values: dict[str, Any], cipher: CredentialCipher
) -> list[str]:
    """Writes validated values onto a camera; returns the names of the fields that changed."""
    with session.no_autoflush:  # a half-filled new camera must not be flushed by a reference lookup
        return _apply(session, camera, values, cipher)


def _apply(session: Session, camera: Camera, values: dict[str, Any], cipher: CredentialCipher) -> list[str]:
    changed: list[str] = []
    for column, value in values.items():
        if column in DIRECT_COLUMNS:
            if column in ("kind", "lifecycle", "vendor") and value is not None:
                value = str(getattr(value, "value", value))
            if column == "tags" and value is None:
                value = []
            if getattr(camera, column) != value:
                setattr(camera, column, value)
                changed.append(column)
        elif column == "resolution":
            width, height = value if value else (None, None)
            if (camera.width, camera.height) != (width, height):
                camera.width, camera.height = width, height
                changed.append(column)
        elif column in _REFERENCES:
            ref = _reference_id(session, column, value)
            if getattr(camera, f"{column}_id") != ref:
                setattr(camera, f"{column}_id", ref)
                changed.append(column)
        elif column == "username":
            if camera.username != value:
                camera.username = value or None
                changed.append(column)
        elif column == "password":
            if not value:
                if camera.password_encrypted is not None:
                    camera.password_encrypted = camera.password_digest = None
                    changed.append(column)
            elif cipher.digest(value) != camera.password_digest:
                camera.password_encrypted = cipher.encrypt(value)
                camera.password_digest = cipher.digest(value)
                changed.append(column)
    return changed


def codes_exist(session: Session, codes: Sequence[str]) -> bool:
    return session.scalar(select(func.count(Camera.id)).where(Camera.code.in_(codes))) != 0
