"""The simulator's HTTP control API (FastAPI, OpenAPI at /openapi.json): list cameras, set and clear
faults, change passwords; plus each camera's JPEG snapshot endpoint, behind the camera's own credentials.

The control API itself has no authentication: it is a development tool and listens on loopback by default.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from qarauyl.sim.auth import Authenticator
from qarauyl.sim.faults import ALL_FAULTS, FAULT_HELP, FAULT_PARAMS, FaultSpec, fault_family, make_fault
from qarauyl.sim.fleet import Camera, Fleet
from qarauyl.sim.scenario import parse_ids


class FaultIn(BaseModel):
    fault: str = Field(description=f"One of: {', '.join(ALL_FAULTS)}")
    strength: float = Field(1.0, gt=0.0, le=1.0, description="How strong, in (0, 1]")
    params: dict[str, float] = Field(default_factory=dict, description="Fault parameters (see GET /faults)")


class FaultOut(BaseModel):
    fault: str
    family: str
    strength: float
    params: dict[str, float]


class FleetFaultIn(FaultIn):
    cameras: int | list[int] | str = Field(description='Camera ids: 17, [1, 2] or "1-100,200"')


class FleetResult(BaseModel):
    cameras: int = Field(description="how many cameras were changed")


class CredentialsIn(BaseModel):
    password: str = Field(min_length=1, max_length=128)
    username: str | None = Field(None, min_length=1, max_length=64)


class CameraOut(BaseModel):
    id: int
    rtsp_url: str
    snapshot_url: str
    username: str
    auth: str
    scene: str
    width: int = Field(description="the resolution the camera streams now (faults included)")
    height: int
    fps: float
    gop: int
    codec: str
    faults: list[FaultOut]
    online: bool


class FaultInfo(BaseModel):
    fault: str
    family: str
    help: str
    params: dict[str, float]


class Health(BaseModel):
    status: str
    cameras: int
    rtsp_port: int
    control_port: int
    sessions_playing: int
    connections: int
    uptime_s: float


def _fault_out(f: FaultSpec) -> FaultOut:
    return FaultOut(fault=f.name, family=f.family, strength=f.strength, params=dict(f.params))


def build_control_app(
    fleet: Fleet, *, rtsp_base: str, control_base: str, status: dict[str, Any], authenticator: Authenticator
) -> FastAPI:
    """`status` is read for /health (ports, live counters filled by the service)."""
    app = FastAPI(
        title="Qarauyl camera simulator",
        version="0.1",
        description="Control the simulated camera fleet: faults, credentials, snapshots.",
    )

    def camera_or_404(cam_id: int) -> Camera:
        cam = fleet.camera(cam_id)
        if cam is None:
            raise HTTPException(
                404, f"no camera {cam_id}: this simulator has cameras 1..{len(fleet.cameras)}"
            )
        return cam

    def camera_out(cam: Camera) -> CameraOut:
        p = cam.variant.profile
        return CameraOut(
            id=cam.id,
            rtsp_url=f"{rtsp_base}/cam/{cam.id}",
            snapshot_url=f"{control_base}/cam/{cam.id}/snapshot.jpg",
            username=cam.username,
            auth=cam.auth,
            scene=p.scene_path or p.scene,
            width=p.width,
            height=p.height,
            fps=p.fps,
            gop=p.gop,
            codec=p.codec,
            faults=[_fault_out(f) for f in cam.faults],
            online=not cam.is_down(time.monotonic()),
        )

    def parse_faults(items: list[FaultIn]) -> list[FaultSpec]:
        try:
            return [make_fault(i.fault, i.strength, i.params) for i in items]
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None

    async def apply(coro: Any) -> None:
        try:
            await coro
        except KeyError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        except (
            Exception
        ) as exc:  # an encoding failure (e.g. an unreadable scene video) is the caller's to see
            raise HTTPException(500, f"cannot render the fault: {exc.__class__.__name__}: {exc}") from None

    @app.get("/health", response_model=Health, summary="Liveness and counters")
    async def health() -> Health:
        return Health(
            status="ok",
            cameras=len(fleet.cameras),
            rtsp_port=status["rtsp_port"],
            control_port=status["control_port"],
            sessions_playing=status["sessions_playing"](),
            connections=status["connections"](),
            uptime_s=round(time.monotonic() - fleet.started, 3),
        )

    @app.get("/faults", response_model=list[FaultInfo], summary="The faults this simulator can inject")
    async def faults_catalogue() -> list[FaultInfo]:
        return [
            FaultInfo(
                fault=name,
                family=fault_family(name),
                help=FAULT_HELP.get(name, "painted on the picture"),
                params=dict(FAULT_PARAMS.get(name, {})),
            )
            for name in ALL_FAULTS
        ]

    @app.get("/cameras", response_model=list[CameraOut], summary="List cameras (paged)")
    async def list_cameras(
        offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=10_000)] = 100
    ) -> list[CameraOut]:
        return [camera_out(c) for c in fleet.cameras[offset : offset + limit]]

    @app.get("/cameras/{cam_id}", response_model=CameraOut, summary="One camera")
    async def get_camera(cam_id: int) -> CameraOut:
        return camera_out(camera_or_404(cam_id))

    @app.get("/cameras/{cam_id}/faults", response_model=list[FaultOut], summary="Active faults of a camera")
    async def get_faults(cam_id: int) -> list[FaultOut]:
        return [_fault_out(f) for f in camera_or_404(cam_id).faults]

    @app.put(
        "/cameras/{cam_id}/faults", response_model=CameraOut,
        summary="Replace a camera's faults (answers once the new picture is being served)",
    )  # fmt: skip
    async def put_faults(cam_id: int, body: list[FaultIn]) -> CameraOut:
        camera_or_404(cam_id)
        await apply(fleet.set_faults([cam_id], parse_faults(body)))
        return camera_out(camera_or_404(cam_id))

    @app.post("/cameras/{cam_id}/faults", response_model=CameraOut, summary="Add (or update) one fault")
    async def add_fault(cam_id: int, body: FaultIn) -> CameraOut:
        camera_or_404(cam_id)
        await apply(fleet.add_fault(cam_id, parse_faults([body])[0]))
        return camera_out(camera_or_404(cam_id))

    @app.delete("/cameras/{cam_id}/faults", response_model=CameraOut, summary="Clear all faults of a camera")
    async def clear_faults(cam_id: int) -> CameraOut:
        camera_or_404(cam_id)
        await apply(fleet.clear_faults([cam_id]))
        return camera_out(camera_or_404(cam_id))

    @app.delete("/cameras/{cam_id}/faults/{fault}", response_model=CameraOut, summary="Clear one fault")
    async def clear_fault(cam_id: int, fault: str) -> CameraOut:
        camera_or_404(cam_id)
        if fault not in ALL_FAULTS:
            raise HTTPException(422, f"unknown fault {fault!r}; known faults: {', '.join(ALL_FAULTS)}")
        await apply(fleet.clear_faults([cam_id], fault))
        return camera_out(camera_or_404(cam_id))

    def fleet_ids(value: int | list[int] | str) -> tuple[int, ...]:
        try:
            ids = parse_ids(value)
        except ValueError as exc:
            raise HTTPException(422, f"cameras: {exc}") from None
        if max(ids) > len(fleet.cameras):
            raise HTTPException(
                404, f"no camera {max(ids)}: this simulator has cameras 1..{len(fleet.cameras)}"
            )
        return ids

    @app.post(
        "/fleet/faults", response_model=FleetResult, summary="Add (or update) one fault on many cameras"
    )
    async def add_fleet_fault(body: FleetFaultIn) -> FleetResult:
        ids = fleet_ids(body.cameras)
        (fault,) = parse_faults([body])
        for cam_id in ids:
            await apply(fleet.add_fault(cam_id, fault))
        return FleetResult(cameras=len(ids))

    @app.delete(
        "/fleet/faults", response_model=FleetResult, summary="Clear faults (one, or all) of many cameras"
    )
    async def clear_fleet_faults(cameras: str, fault: str | None = None) -> FleetResult:
        ids = fleet_ids(cameras)
        if fault is not None and fault not in ALL_FAULTS:
            raise HTTPException(422, f"unknown fault {fault!r}; known faults: {', '.join(ALL_FAULTS)}")
        await apply(fleet.clear_faults(ids, fault))
        return FleetResult(cameras=len(ids))

    @app.put(
        "/cameras/{cam_id}/credentials", response_model=CameraOut,
        summary="Change a camera's password (clients with the old one get 401 from now on)",
    )  # fmt: skip
    async def set_credentials(cam_id: int, body: CredentialsIn) -> CameraOut:
        camera_or_404(cam_id)
        fleet.set_credentials(cam_id, password=body.password, username=body.username)
        return camera_out(camera_or_404(cam_id))

    @app.get(
        "/cam/{cam_id}/snapshot.jpg",
        summary="The camera's current picture as JPEG, behind the camera's credentials (Basic or Digest)",
        responses={200: {"content": {"image/jpeg": {}}}, 401: {"description": "wrong or no credentials"}},
    )
    async def snapshot(cam_id: int, request: Request) -> Response:
        cam = camera_or_404(cam_id)
        now = time.monotonic()
        if cam.is_down(now) or cam.fault("no_answer") or cam.fault("unavailable"):
            raise HTTPException(503, f"camera {cam_id} is not answering (simulated fault)")
        if not authenticator.check(
            cam.auth, request.headers.get("authorization"), "GET", cam.username, cam.password,
            locked=cam.fault("auth_failed") is not None,
        ):  # fmt: skip
            return Response(
                status_code=401,
                headers={"WWW-Authenticate": authenticator.challenges(cam.auth)[0]},
                content=b"401 Unauthorized",
            )
        clip = await fleet.ensure_clip(cam)
        # Like sessions, successive snapshots show successive moments of the clip.
        second = cam.next_entry(clip) / clip.fps
        return Response(content=clip.snapshot_at(second), media_type="image/jpeg")

    return app
