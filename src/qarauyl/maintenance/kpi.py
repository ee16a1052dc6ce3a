"""Maintenance KPIs for a period: time-weighted availability (per camera, district, vendor, contractor),
MTTR and MTBF, backlog and ageing, SLA compliance per contractor and per assignee, chronic cameras; XLSX
export.

Definitions (stated once, used everywhere):
- availability: (ok + degraded) / known time, from HealthEvent transitions (qarauyl.health.availability);
  time before a camera's first probe is unknown and left out. Cameras counted: lifecycle `connected`.
- failure: a transition into `failed`. MTBF = working time / failures, over the cameras in scope.
- MTTR: mean of (resolved − opened) over tickets (camera tickets and incidents, not cancelled ones)
  resolved within the period: the contractor's repair time, which is what the SLA measures.
- SLA compliance: of the tickets resolved in the period or due in it, the share resolved by `due_at`.
- backlog: tickets not yet resolved (nor cancelled) at the end of the period (or now, if sooner), by age.
- per person: the same repair figures grouped by the ticket's assignee as it stands now (a ticket handed
  on counts for whoever has it); tickets given to no one form their own row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from qarauyl.analytics.fleet import NO_DISTRICT
from qarauyl.domain import Health
from qarauyl.errors import InputError
from qarauyl.health.availability import Availability, availability
from qarauyl.i18n import Translator
from qarauyl.maintenance.models import Ticket
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, District, HealthEvent, Organisation

NO_CONTRACTOR = "(no contractor)"
NO_ASSIGNEE = "(nobody)"  # tickets no one was given
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1d", 1),
    ("1-3d", 3),
    ("3-7d", 7),
    ("7-30d", 30),
    (">30d", 1e9),
)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str


def parse_period(text: str, tz: tzinfo = UTC) -> Period:
    """`2026-10` (a month), `2026-10-05` (a day), `2026` (a year), `2026-Q4`, or `2026-10-01..2026-10-15`
    (inclusive days). Boundaries are midnights in `tz` (the region's local time for an OCC report)."""
    text = text.strip()

    def midnight(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)

    try:
        if ".." in text:
            first, last = (date.fromisoformat(p) for p in text.split("..", 1))
            if last < first:
                raise ValueError
            return Period(midnight(first), midnight(last + timedelta(days=1)), text)
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
            return Period(midnight(start), midnight(end), text)
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return Period(midnight(date(year, 1, 1)), midnight(date(year + 1, 1, 1)), text)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            first = date.fromisoformat(text + "-01")
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return Period(midnight(first), midnight(following), text)
        day = date.fromisoformat(text)
        return Period(midnight(day), midnight(day + timedelta(days=1)), text)
    except ValueError:
        raise InputError(
            f"'{text}' is not a period: use 2026-10, 2026-10-05, 2026, 2026-Q4 or 2026-10-01..2026-10-15."
        ) from None


@dataclass(frozen=True)
class AvailabilityRow:
    name: str
    cameras: int
    ok_hours: float
    degraded_hours: float
    failed_hours: float
    unknown_hours: float
    availability: float | None  # 0..1 of known time
    failures: int
    mtbf_hours: float | None


@dataclass(frozen=True)
class CameraKpi:
    camera_id: int
    code: str
    district: str
    vendor: str
    contractor: str
    availability: float | None
    failures: int
    failed_hours: float


@dataclass(frozen=True)
class ContractorKpi:
    name: str
    resolved: int
    mttr_hours: float | None
    sla_met: int
    sla_missed: int
    sla_compliance: float | None
    backlog: int


@dataclass(frozen=True)
class Backlog:
    at: datetime
    open: int
    by_age: dict[str, int]
    by_priority: dict[str, int]
    by_status: dict[str, int]
    oldest_days: float | None


@dataclass(frozen=True)
class KpiReport:
    period: Period
    fleet: AvailabilityRow
    by_district: list[AvailabilityRow]
    by_vendor: list[AvailabilityRow]
    by_contractor: list[AvailabilityRow]
    mttr_hours: float | None
    resolved: int
    contractors: list[ContractorKpi]
    people: list[ContractorKpi]  # the same figures per assignee: who repairs how fast
    backlog: Backlog
    chronic: list[CameraKpi]
    cameras: list[CameraKpi] = field(repr=False)

    def to_dict(self, *, with_cameras: bool = False) -> dict[str, Any]:
        data = asdict(self)
        data["period"] = {
            "label": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
        }
        data["backlog"]["at"] = self.backlog.at.isoformat()
        if not with_cameras:
            del data["cameras"]
        return data


class _Sum:
    def __init__(self) -> None:
        self.seconds = {h: 0.0 for h in Health}
        self.cameras = 0
        self.failures = 0

    def add(self, a: Availability, failures: int) -> None:
        self.cameras += 1
        self.failures += failures
        self.seconds[Health.OK] += a.ok
        self.seconds[Health.DEGRADED] += a.degraded
        self.seconds[Health.FAILED] += a.failed
        self.seconds[Health.UNKNOWN] += a.unknown

    def row(self, name: str) -> AvailabilityRow:
        up = self.seconds[Health.OK] + self.seconds[Health.DEGRADED]
        known = up + self.seconds[Health.FAILED]
        return AvailabilityRow(
            name=name,
            cameras=self.cameras,
            ok_hours=round(self.seconds[Health.OK] / 3600, 3),
            degraded_hours=round(self.seconds[Health.DEGRADED] / 3600, 3),
            failed_hours=round(self.seconds[Health.FAILED] / 3600, 3),
            unknown_hours=round(self.seconds[Health.UNKNOWN] / 3600, 3),
            availability=round(up / known, 6) if known > 0 else None,
            failures=self.failures,
            mtbf_hours=round(up / 3600 / self.failures, 2) if self.failures else None,
        )


def _rows(sums: dict[str, _Sum]) -> list[AvailabilityRow]:
    rows = [s.row(name) for name, s in sums.items()]
    return sorted(rows, key=lambda r: (r.availability is None, r.availability or 0.0, r.name))


@dataclass(frozen=True)
class _TicketFacts:
    """What one ticket counts for in a period."""

    contractor: str
    assignee: str
    repair_hours: float | None  # resolved (or closed) within the period: opened → done
    sla: str | None  # met, missed, or None: not judged in this period
    backlog_days: float | None  # still open at the report's moment: its age
    priority: str
    status: str


def _facts(
    row: Any, orgs: dict[int, str], start: datetime, end: datetime, report_at: datetime
) -> _TicketFacts:
    _tid, maintainer_id, status, priority, opened, resolved, closed, due, assignee = row
    cancelled = status == "cancelled"
    done = resolved or (closed if status == "closed" else None)
    done_here = not cancelled and done is not None and start <= done < end
    sla = None
    if not cancelled and due is not None:
        if done_here:
            sla = "met" if done <= due else "missed"
        elif start <= due < report_at and (done is None or done >= report_at):
            # Due in the period and not resolved by its end, or by now in a period still running: a
            # deadline later this month is not missed yet.
            sla = "missed"
    finished = resolved if resolved is not None else closed  # repaired, closed or cancelled
    still_open = opened <= report_at and (finished is None or finished > report_at)
    return _TicketFacts(
        contractor=orgs.get(maintainer_id, NO_CONTRACTOR) if maintainer_id else NO_CONTRACTOR,
        assignee=assignee or NO_ASSIGNEE,
        repair_hours=(done - opened).total_seconds() / 3600 if done_here and done else None,
        sla=sla,
        backlog_days=(report_at - opened).total_seconds() / 86400 if still_open else None,
        priority=priority,
        status=status,
    )


def _repair_kpis(facts: Sequence[_TicketFacts], key: Callable[[_TicketFacts], str]) -> list[ContractorKpi]:
    """Resolved, MTTR, SLA met and missed, and backlog per `key` (the contractor, the assignee), by name."""
    groups: dict[str, list[_TicketFacts]] = defaultdict(list)
    for fact in facts:
        if fact.repair_hours is not None or fact.sla is not None or fact.backlog_days is not None:
            groups[key(fact)].append(fact)
    rows = []
    for name, group in sorted(groups.items()):
        times = [f.repair_hours for f in group if f.repair_hours is not None]
        met = sum(1 for f in group if f.sla == "met")
        missed = sum(1 for f in group if f.sla == "missed")
        rows.append(
            ContractorKpi(
                name=name,
                resolved=len(times),
                mttr_hours=round(sum(times) / len(times), 2) if times else None,
                sla_met=met,
                sla_missed=missed,
                sla_compliance=round(met / (met + missed), 4) if met + missed else None,
                backlog=sum(1 for f in group if f.backlog_days is not None),
            )
        )
    return rows


def history_begins(db: Database) -> datetime | None:
    """When the first health change was recorded (None: the monitor has not probed a camera yet). Before
    it, no period has availability figures."""
    with db.session() as session:
        return session.scalar(select(func.min(HealthEvent.at)))


def compute_kpis(db: Database, period: Period, *, now: datetime, chronic_limit: int = 10) -> KpiReport:
    start, end = period.start, period.end
    with db.session() as session:
        orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
        cameras = session.execute(
            select(Camera.id, Camera.code, District.name, Camera.vendor, Camera.maintainer_id)
            .outerjoin(District, Camera.district_id == District.id)
            .where(Camera.lifecycle == "connected")
        ).all()
        # The state in force at the start: each camera's last event before it.
        last = (
            select(HealthEvent.camera_id, func.max(HealthEvent.id).label("last_id"))
            .where(HealthEvent.at <= start)
            .group_by(HealthEvent.camera_id)
            .subquery()
        )
        initial = dict(
            session.execute(
                select(HealthEvent.camera_id, HealthEvent.after).join(last, HealthEvent.id == last.c.last_id)
            ).all()
        )
        changes: dict[int, list[tuple[datetime, Health, Health]]] = defaultdict(list)
        for camera_id, at, before, after in session.execute(
            select(HealthEvent.camera_id, HealthEvent.at, HealthEvent.before, HealthEvent.after)
            .where(HealthEvent.at > start, HealthEvent.at < end)
            .order_by(HealthEvent.camera_id, HealthEvent.at, HealthEvent.id)
        ):
            changes[camera_id].append((at, Health(before), Health(after)))
        tickets = session.execute(
            select(
                Ticket.id,
                Ticket.maintainer_id,
                Ticket.status,
                Ticket.priority,
                Ticket.opened_at,
                Ticket.resolved_at,
                Ticket.closed_at,
                Ticket.due_at,
                Ticket.assignee,
            ).where(
                Ticket.opened_at < end,
                or_(Ticket.closed_at.is_(None), Ticket.closed_at >= start, Ticket.resolved_at >= start),
            )
        ).all()

    fleet = _Sum()
    by_district: dict[str, _Sum] = defaultdict(_Sum)
    by_vendor: dict[str, _Sum] = defaultdict(_Sum)
    by_contractor: dict[str, _Sum] = defaultdict(_Sum)
    per_camera = []
    for camera_id, code, district, vendor, maintainer_id in cameras:
        history = changes.get(camera_id, [])
        state = Health(initial.get(camera_id, Health.UNKNOWN.value))
        a = availability(((at, after) for at, _, after in history), start, end, state)
        failures = sum(
            1 for _, before, after in history if after == Health.FAILED and before != Health.FAILED
        )
        contractor = orgs.get(maintainer_id, NO_CONTRACTOR) if maintainer_id else NO_CONTRACTOR
        district_name = district or NO_DISTRICT
        for target in (fleet, by_district[district_name], by_vendor[vendor], by_contractor[contractor]):
            target.add(a, failures)
        per_camera.append(
            CameraKpi(
                camera_id, code, district_name, vendor, contractor,
                round(a.ratio, 6) if a.ratio is not None else None, failures, round(a.failed / 3600, 3),
            )
        )  # fmt: skip

    report_at = min(end, now)
    facts = [_facts(row, orgs, start, end, report_at) for row in tickets]
    contractors = _repair_kpis(facts, lambda f: f.contractor)
    people = _repair_kpis(facts, lambda f: f.assignee)
    backlog_ages = [(f.backlog_days, f.priority, f.status) for f in facts if f.backlog_days is not None]
    all_times = [f.repair_hours for f in facts if f.repair_hours is not None]
    by_age = {label: 0 for label, _ in AGE_BUCKETS}
    by_priority: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    for age, priority, status in backlog_ages:
        by_age[next(label for label, limit in AGE_BUCKETS if age < limit)] += 1
        by_priority[priority] += 1
        by_status[status] += 1
    backlog = Backlog(
        at=report_at,
        open=len(backlog_ages),
        by_age=by_age,
        by_priority=dict(by_priority),
        by_status=dict(by_status),
        oldest_days=round(max(a for a, *_ in backlog_ages), 2) if backlog_ages else None,
    )
    chronic = sorted(
        (c for c in per_camera if c.failures >= 2), key=lambda c: (-c.failures, -c.failed_hours, c.code)
    )
    return KpiReport(
        period=period,
        fleet=fleet.row("fleet"),
        by_district=_rows(by_district),
        by_vendor=_rows(by_vendor),
        by_contractor=_rows(by_contractor),
        mttr_hours=round(sum(all_times) / len(all_times), 2) if all_times else None,
        resolved=len(all_times),
        contractors=contractors,
        people=people,
        backlog=backlog,
        chronic=chronic[:chronic_limit],
        cameras=per_camera,
    )


_SHARE_COLUMNS = frozenset({"availability", "sla_compliance"})  # 0..1, shown as percentages


def export_xlsx(report: KpiReport, path: Path, tr: Translator | None = None) -> Path:
    """One workbook, the monthly report: summary, availability by district / vendor / contractor, repairs
    per contractor and per person (MTTR, SLA), backlog by age, chronic cameras, and every camera. Sheet
    names, headings and vendors in `tr`'s language (English without one), moments in its time zone, shares
    as percentages."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    tr = tr or Translator("en", UTC)
    book = Workbook(write_only=True)

    def sheet(key: str) -> WriteOnlyWorksheet:
        created: WriteOnlyWorksheet = book.create_sheet(tr(f"xlsx.sheet.{key}")[:31])  # Excel's name limit
        return created

    def cell(target: WriteOnlyWorksheet, value: object, share: bool) -> object:
        if not share or not isinstance(value, float):
            return value
        formatted = WriteOnlyCell(target, value=value)
        formatted.number_format = "0.00%"
        return formatted

    def table(target: WriteOnlyWorksheet, columns: list[str], rows: Sequence[Any], vendors: str = "") -> None:
        """A heading row, then one row per object; the `vendors` column holds vendor codes, said by name."""
        target.append([tr(f"xlsx.column.{c}") for c in columns])
        for row in rows:
            values = [getattr(row, c) for c in columns]
            target.append(
                [
                    tr.maybe("vendor", v) if c == vendors else cell(target, v, c in _SHARE_COLUMNS)
                    for c, v in zip(columns, values, strict=True)
                ]
            )

    summary = sheet("summary")
    for key, value in (
        ("period", report.period.label),
        ("from", tr.datetime(report.period.start)),
        ("to", tr.datetime(report.period.end)),
        ("cameras", report.fleet.cameras),
        ("availability", cell(summary, report.fleet.availability, True)),
        ("failures", report.fleet.failures),
        ("mtbf_hours", report.fleet.mtbf_hours),
        ("mttr_hours", report.mttr_hours),
        ("resolved", report.resolved),
        ("backlog", report.backlog.open),
    ):
        summary.append([tr(f"xlsx.column.{key}"), value])
    columns = [
        *("name", "cameras", "availability", "ok_hours", "degraded_hours", "failed_hours", "unknown_hours"),
        *("failures", "mtbf_hours"),
    ]
    table(sheet("districts"), columns, report.by_district)
    table(sheet("vendors"), columns, report.by_vendor, vendors="name")
    table(sheet("contractors"), columns, report.by_contractor)
    repairs = ["name", "resolved", "mttr_hours", "sla_met", "sla_missed", "sla_compliance", "backlog"]
    table(sheet("repairs"), repairs, report.contractors)
    nobody = tr("repairs.nobody_kpi")  # the console's words for the tickets given to no one
    people = [replace(p, name=nobody) if p.name == NO_ASSIGNEE else p for p in report.people]
    table(sheet("people"), repairs, people)
    ages = sheet("backlog")
    ages.append([tr("xlsx.column.age"), tr("xlsx.column.tickets")])
    for label, n in report.backlog.by_age.items():
        ages.append([tr(f"repairs.age.{label}"), n])
    cameras = ["code", "district", "vendor", "contractor", "availability", "failures", "failed_hours"]
    for key, cams in (("chronic", report.chronic), ("cameras", report.cameras)):
        table(sheet(key), cameras, cams, vendors="vendor")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
