"""/api/v1/summary: the fleet summary the OCC meeting starts with."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from qarauyl.accounts import Principal
from qarauyl.analytics import fleet_summary
from qarauyl.api._deps import Db, allow
from qarauyl.api.routes._responses import PROTECTED
from qarauyl.api.schemas.summary import SummaryOut

router = APIRouter(tags=["summary"], responses=PROTECTED)


@router.get("/summary", response_model=SummaryOut, summary="Fleet counts, overall and by district and vendor")
def summary(db: Db, principal: Annotated[Principal, Depends(allow("summary.read"))]) -> dict[str, Any]:
    # Whole-fleet counts for every role, engineers included: they are aggregates, not camera details.
    with db.session() as session:
        return fleet_summary(session).to_dict()
