"""The fleet summary: the numbers the OCC meeting asks for first, overall and by district and vendor."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from qarauyl.domain import Health, Lifecycle
from qarauyl.health.causes import access_cause
from qarauyl.store import Camera, District
from qarauyl.store.models import CameraHealthRow


@dataclass
class Counts:
    """Installed counts every camera in service (connected or not); health counts connected cameras only."""

    installed: int = 0
    connected: int = 0
    planned: int = 0
    decommissioned: int = 0
    ok: int = 0
    degraded: int = 0
    failed: int = 0
    unknown: int = 0
    in_repair: int = 0

    def add(self, lifecycle: str, health: str, n: int) -> None:
        if lifecycle in (Lifecycle.INSTALLED, Lifecycle.CONNECTED):
            self.installed += n
        if lifecycle == Lifecycle.PLANNED:
            self.planned += n
        if lifecycle == Lifecycle.DECOMMISSIONED:
            self.decommissioned += n
        if lifecycle == Lifecycle.CONNECTED:
            self.connected += n
            key = health if health in {h.value for h in Health} else Health.UNKNOWN.value
            setattr(self, key, getattr(self, key) + n)


@dataclass
class FleetSummary:
    total: Counts = field(default_factory=Counts)
    by_district: dict[str, Counts] = field(default_factory=dict)
    by_vendor: dict[str, Counts] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": asdict(self.total),
            "by_district": {k: asdict(v) for k, v in self.by_district.items()},
            "by_vendor": {k: asdict(v) for k, v in self.by_vendor.items()},
        }


NO_DISTRICT = "(no district)"


def fleet_summary(session: Session) -> FleetSummary:
    """Counts by lifecycle and health, grouped in the database so that it stays fast at 100,000 cameras."""
    summary = FleetSummary()
    query = (
        select(District.name, Camera.vendor, Camera.lifecycle, Camera.health, func.count(Camera.id))
        .outerjoin(District, Camera.district_id == District.id)
        .group_by(District.name, Camera.vendor, Camera.lifecycle, Camera.health)
    )
    for district, vendor, lifecycle, health, n in session.execute(query):
        district_name = district or NO_DISTRICT
        summary.total.add(lifecycle, health, n)
        summary.by_district.setdefault(district_name, Counts()).add(lifecycle, health, n)
        summary.by_vendor.setdefault(vendor, Counts()).add(lifecycle, health, n)
    from qarauyl.maintenance.tickets import in_repair_counts  # here: maintenance imports analytics

    repair = in_repair_counts(session)  # cameras whose repair ticket is removed_for_repair
    summary.total.in_repair = repair.total
    for name, n in repair.by_district.items():
        summary.by_district.setdefault(name, Counts()).in_repair = n
    for name, n in repair.by_vendor.items():
        summary.by_vendor.setdefault(name, Counts()).in_repair = n
    summary.by_district = dict(sorted(summary.by_district.items(), key=lambda kv: -kv[1].installed))
    summary.by_vendor = dict(sorted(summary.by_vendor.items(), key=lambda kv: -kv[1].installed))
    return summary


@dataclass
class FaultsNow:
    """What is wrong with the connected cameras now: how many have each confirmed fault, and, of those that
    cannot be read, why (the probe's cause: unreachable, refused, credentials, ...)."""

    faults: Counter[str] = field(default_factory=Counter)
    causes: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {"faults": dict(self.faults.most_common()), "causes": dict(self.causes.most_common())}


def faults_now(session: Session, where: ColumnElement[bool] | None = None) -> FaultsNow:
    """Counted in Python from the degraded and failed cameras' health rows only (their codes and findings are
    JSON): a few hundred rows for a fleet of thousands. `where` narrows the cameras (a person's scope)."""
    query = (
        select(CameraHealthRow.codes, CameraHealthRow.findings)
        .join(Camera, Camera.id == CameraHealthRow.camera_id)
        .where(
            Camera.lifecycle == Lifecycle.CONNECTED,
            Camera.health.in_([Health.DEGRADED.value, Health.FAILED.value]),
        )
    )
    if where is not None:
        query = query.where(where)
    now = FaultsNow()
    for codes, findings in session.execute(query):
        now.faults.update(set(codes or ()))
        cause = access_cause(codes, findings)
        if cause:
            now.causes[cause] += 1
    return now
