"""/api/v1/summary: the fleet summary the OCC meeting starts with."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from qarauyl.accounts import Principal
from qarauyl.analytics import fleet_summary
from qarauyl.api._deps import Db, allow
from qarauyl.api.routes._responses import PROTECTED
from qarauyl.api.schemas.summary import SummaryOut

router = APIRouter(tags=["summary"], responses=PROTECTED)

# Every open overview polls this; the numbers move at the monitor's pace (one cycle is a minute or more),
# so one grouped query per second serves them all instead of one per request.
MAX_AGE_S = 1.0
_lock = threading.Lock()


def _fresh(request: Request) -> dict[str, Any] | None:
    cached: tuple[float, dict[str, Any]] | None = getattr(request.app.state, "summary_cache", None)
    if cached is not None and time.monotonic() - cached[0] < MAX_AGE_S:
        return cached[1]
    return None


@router.get("/summary", response_model=SummaryOut, summary="Fleet counts, overall and by district and vendor")
def summary(
    request: Request, db: Db, principal: Annotated[Principal, Depends(allow("summary.read"))]
) -> dict[str, Any]:
    # Whole-fleet counts for every role, engineers included: they are aggregates, not camera details.
    fresh = _fresh(request)
    if fresh is not None:
        return fresh
    with _lock:  # one computation at a time; the others take its result
        fresh = _fresh(request)
        if fresh is not None:
            return fresh
        with db.session() as session:
            result = fleet_summary(session).to_dict()
        request.app.state.summary_cache = (time.monotonic(), result)
        return result
