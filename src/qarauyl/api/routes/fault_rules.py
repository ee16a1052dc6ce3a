"""/api/v1/fault-rules: which findings alarm, per fault code, fleet-wide or per camera."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from qarauyl.accounts import Auditor, Principal, camera_scope
from qarauyl.api._deps import Client, Db, allow
from qarauyl.api.routes._responses import PROTECTED, errors
from qarauyl.api.schemas.fault_rules import FaultRuleIn, FaultRuleOut
from qarauyl.domain import FaultCode
from qarauyl.monitor.fault_rules import audit_target, clear_rule, list_rules, set_rule

router = APIRouter(prefix="/fault-rules", tags=["fault rules"], responses=PROTECTED)
CameraCode = Annotated[
    str | None,
    Query(min_length=1, max_length=64, description="A camera's code; leave out for the whole fleet."),
]


@router.get(
    "",
    response_model=list[FaultRuleOut],
    summary="Fault rules: all of them, or those that apply to one camera (its own and the fleet's)",
    responses=errors(404),
)
def get_rules(
    db: Db, principal: Annotated[Principal, Depends(allow("fault_rules.read"))], camera: CameraCode = None
) -> list[dict[str, Any]]:
    return [asdict(rule) for rule in list_rules(db, camera, camera_scope(principal))]


@router.put(
    "/{fault}",
    response_model=FaultRuleOut,
    summary="Set the rule for a fault code, on one camera or fleet-wide (replaces any earlier one)",
    responses=errors(404, 422),
)
def put_rule(
    fault: FaultCode,
    body: FaultRuleIn,
    db: Db,
    client: Client,
    principal: Annotated[Principal, Depends(allow("fault_rules.write"))],
    camera: CameraCode = None,
) -> dict[str, Any]:
    view = set_rule(
        db,
        fault.value,
        camera=camera,
        enabled=body.enabled,
        min_score=body.min_score,
        delay_minutes=body.delay_minutes,
        until=body.until,
        note=body.note,
        actor=principal.name,
        scope=camera_scope(principal),
        audit=Auditor(principal, "fault_rules.set", audit_target(camera, fault.value), client),
    )
    return asdict(view)


@router.delete(
    "/{fault}",
    status_code=204,
    summary="Remove the rule for a fault code (the code alarms as by default again)",
    responses=errors(404),
)
def delete_rule(
    fault: FaultCode,
    db: Db,
    client: Client,
    principal: Annotated[Principal, Depends(allow("fault_rules.write"))],
    camera: CameraCode = None,
) -> Response:
    clear_rule(
        db,
        fault.value,
        camera=camera,
        scope=camera_scope(principal),
        audit=Auditor(principal, "fault_rules.clear", audit_target(camera, fault.value), client),
    )
    return Response(status_code=204)
