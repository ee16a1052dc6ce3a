"""Plain HTTP routes the console pages fetch: map data and snapshots, behind the console login."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from nicegui import app

from qarauyl.accounts import Principal
from qarauyl.errors import NotFoundError
from qarauyl.web import _auth, _data
from qarauyl.web._shell import person_from_route, state


def _viewer(request: Request, action: str = "cameras.read") -> Principal:
    person = person_from_route(request)
    if person is None or not _auth.permitted(person, action):
        raise HTTPException(status_code=403, detail="Sign in to the console first.")
    return person


@app.get("/console/data/map.json", include_in_schema=False)
def map_data(request: Request) -> JSONResponse:
    scope = _auth.scope_of(_viewer(request))
    points: dict[str, Any] = _data.cached(("map", scope), 5.0, lambda: _data.map_points(state().db, scope))
    return JSONResponse(points, headers={"Cache-Control": "private, no-store"})


@app.get("/console/data/outlines.json", include_in_schema=False)
def outlines(request: Request) -> JSONResponse:
    scope = _auth.scope_of(_viewer(request))
    rings = _data.cached(("outlines", scope), 300.0, lambda: _data.district_outlines(state().db, scope))
    return JSONResponse(rings, headers={"Cache-Control": "private, no-store"})


@app.get("/console/snapshot/{camera_id}/{which}.jpg", include_in_schema=False)
def snapshot(request: Request, camera_id: int, which: str) -> FileResponse:
    if which not in ("latest", "reference"):
        raise HTTPException(status_code=404, detail="No such snapshot.")
    scope = _auth.scope_of(_viewer(request, "snapshots.read"))
    relative = _data.snapshot_path(state().db, camera_id, which, scope)
    if relative is None:
        raise HTTPException(status_code=404, detail="No such snapshot.")
    try:
        # The store refuses any stored path that would leave the snapshot root.
        path = state().snapshots.resolve(relative)
    except NotFoundError:
        raise HTTPException(status_code=404, detail="No such snapshot.") from None
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=60"})
