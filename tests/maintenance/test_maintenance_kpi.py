"""KPIs over a day of real health history and tickets, with figures worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from maintenance_fleet import T0, Fleet
from openpyxl import load_workbook
from typer.testing import CliRunner

from qarauyl.accounts import create_user
from qarauyl.cli import app
from qarauyl.config import Settings
from qarauyl.errors import InputError
from qarauyl.i18n import Translator
from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.kpi import compute_kpis, export_xlsx, history_begins, parse_period
from qarauyl.maintenance.tickets import assign, open_ticket, process_transitions, set_status
from qarauyl.store.database import Database

# Short SLAs so that a one-day period holds met and missed deadlines.
CONFIG = MaintenanceConfig(sla_hours={"critical": 4, "high": 2, "normal": 72, "low": 168})


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, 1, hour, minute, tzinfo=UTC)


def _history(db: Database, fleet: Fleet) -> None:
    """A (North, FixIt, hikvision): probed ok from 07:00, failed 08:01-10:01 and 14:01-15:01.
    B (South, RepairCo, dahua): ok from 07:00 all day; a person reports it at 09:00 (high: 2 h)."""
    a = fleet.add(1, district="North", vendor="hikvision")
    b = fleet.add(1, district="South", vendor="dahua")
    fleet.confirm(a, at(8), "offline")
    process_transitions(db, [], at(8, 2), CONFIG)  # ticket 1, critical, due 12:01
    fleet.confirm(a, at(10))
    set_status(db, 1, "resolved", now=at(10, 30), config=CONFIG)  # 2 h 29 min: met
    set_status(db, 1, "closed", now=at(10, 45), config=CONFIG)
    open_ticket(db, "CAM-001", now=at(9), config=CONFIG, priority="high", note="lens cracked")  # ticket 2
    set_status(db, 2, "resolved", now=at(12), config=CONFIG)  # 3 h, due 11:00: missed
    fleet.confirm(a, at(14), "offline")
    process_transitions(db, [], at(14, 2), CONFIG)  # ticket 3, due 18:01, never resolved: missed
    fleet.confirm(a, at(15))
    assert b


def test_kpis_for_a_day(db: Database, fleet: Fleet) -> None:
    _history(db, fleet)
    report = compute_kpis(db, parse_period("2026-10-01"), now=datetime(2026, 10, 5, tzinfo=UTC))
    # A: ok 61 + 240 + 539 min = 14 h, failed 3 h, 7 h unknown before its first probe.
    [north] = report.by_district[:1]
    assert north.name == "North"
    assert (north.ok_hours, north.failed_hours, north.unknown_hours) == (14.0, 3.0, 7.0)
    assert north.availability == pytest.approx(14 / 17, abs=1e-6)
    assert (north.failures, north.mtbf_hours) == (2, 7.0)
    south = report.by_district[1]
    assert (south.name, south.availability, south.failures, south.mtbf_hours) == ("South", 1.0, 0, None)
    assert report.fleet.availability == pytest.approx(31 / 34, abs=1e-6)
    assert report.fleet.mtbf_hours == 15.5
    assert [r.name for r in report.by_vendor] == ["hikvision", "dahua"]
    assert [r.name for r in report.by_contractor] == ["FixIt", "RepairCo"]
    # MTTR over resolved tickets: (2 h 29 min + 3 h) / 2.
    assert report.resolved == 2
    assert report.mttr_hours == pytest.approx((149 / 60 + 3) / 2, abs=0.01)
    fixit, repairco = report.contractors
    assert (fixit.name, fixit.sla_met, fixit.sla_missed, fixit.sla_compliance, fixit.backlog) == (
        "FixIt", 1, 1, 0.5, 1,
    )  # fmt: skip
    assert (repairco.sla_met, repairco.sla_missed, repairco.sla_compliance, repairco.mttr_hours) == (
        0,
        1,
        0.0,
        3.0,
    )
    # Backlog at the end of the day: ticket 3, opened at 14:01, so under a day old.
    assert report.backlog.open == 1 and report.backlog.by_age["<1d"] == 1
    assert report.backlog.by_priority == {"critical": 1}
    assert [c.code for c in report.chronic] == ["CAM-000"]
    # Asked at 16:00 of that day, the day is still running: ticket 3, due 18:01, is not missed yet.
    running = compute_kpis(db, parse_period("2026-10-01"), now=at(16))
    fixit = running.contractors[0]
    assert (fixit.sla_met, fixit.sla_missed, fixit.sla_compliance, fixit.backlog) == (1, 0, 1.0, 1)
    # A period before any history: nothing known, nothing invented.
    empty = compute_kpis(db, parse_period("2026-09"), now=datetime(2026, 10, 5, tzinfo=UTC))
    assert empty.fleet.availability is None and empty.mttr_hours is None and empty.backlog.open == 0


def test_repairs_per_person(db: Database, fleet: Fleet, tmp_path: Path) -> None:
    """Who repairs how fast: the day's tickets given to two engineers, one left to nobody."""
    _history(db, fleet)
    create_user(db, "olzhas", "engineer", "a-long-password", organisation="FixIt")
    create_user(db, "dana", "engineer", "a-long-password", organisation="RepairCo")
    assign(db, 1, "olzhas", now=at(10), config=CONFIG)
    assign(db, 2, "dana", now=at(10), config=CONFIG)
    report = compute_kpis(db, parse_period("2026-10-01"), now=datetime(2026, 10, 5, tzinfo=UTC))
    shown = [(p.name, p.resolved, p.mttr_hours, p.sla_met, p.sla_missed, p.backlog) for p in report.people]
    assert shown == [
        ("(nobody)", 0, None, 0, 1, 1),  # ticket 3: open past its deadline
        ("dana", 1, 3.0, 0, 1, 0),
        ("olzhas", 1, round(149 / 60, 2), 1, 0, 0),
    ]
    # Grouping by person changes nothing per contractor.
    assert [(c.name, c.resolved, c.sla_met, c.sla_missed) for c in report.contractors] == [
        ("FixIt", 1, 1, 1),
        ("RepairCo", 1, 0, 1),
    ]
    book = load_workbook(export_xlsx(report, tmp_path / "ru.xlsx", Translator("ru")), read_only=True)
    rows = list(book["По исполнителям"].iter_rows(values_only=True))
    assert [r[:3] for r in rows[1:]] == [
        ("(никому не поручены)", 0, None),
        ("dana", 1, 3.0),
        ("olzhas", 1, 2.48),
    ]


def test_xlsx_export_and_cli(db: Database, fleet: Fleet, tmp_path: Path, settings: Settings) -> None:
    _history(db, fleet)
    report = compute_kpis(db, parse_period("2026-10"), now=datetime(2026, 11, 5, tzinfo=UTC))
    path = export_xlsx(report, tmp_path / "kpi.xlsx")
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == [
        *("Summary", "By district", "By vendor", "By contractor", "Repairs", "By person"),
        *("Backlog", "Chronic cameras", "Cameras"),
    ]
    rows = list(book["Repairs"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Name", "Tickets resolved", "MTTR, h") and rows[1][0] == "FixIt"
    # The monthly report for the akimat, in Russian, with the OCC's times and shares as percentages.
    russian = load_workbook(
        export_xlsx(report, tmp_path / "ru.xlsx", Translator("ru", ZoneInfo("Asia/Almaty"))), read_only=True
    )
    assert russian.sheetnames[:3] == ["Сводка", "По районам", "По производителям"]
    summary = {row[0]: row[1] for row in russian["Сводка"].iter_rows(values_only=True)}
    assert summary["С"] == "01.10.2026, 05:00" and summary["Доступность"] == report.fleet.availability
    by_vendor = list(russian["По производителям"].iter_rows())
    assert [c.value for c in by_vendor[0][:3]] == ["Название", "Камер", "Доступность"]
    assert by_vendor[1][0].value == "Hikvision (Хиквижн)" and by_vendor[1][2].number_format == "0.00%"
    ages = list(russian["Очередь"].iter_rows(values_only=True))
    assert ages[1] == ("до 1 дня", 0)
    # The command, in process (the `settings` fixture points it at this test's database).
    assert settings.effective_database_url == db.url
    runner = CliRunner()
    command = ["kpi", "--period", "2026-10"]
    result = runner.invoke(app, [*command, "--json", "--xlsx", str(tmp_path / "k.xlsx"), "--language", "kk"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["period"]["label"] == "2026-10"
    assert data["fleet"]["failures"] == 2 and data["resolved"] == 2
    assert load_workbook(tmp_path / "k.xlsx", read_only=True).sheetnames[0] == "Жиынтық"
    result = runner.invoke(app, [*command, "--xlsx", str(tmp_path / "x.xlsx"), "--language", "de"])
    assert isinstance(result.exception, InputError)
    assert "'de' is not one of kk, ru, en" in str(result.exception)
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "Period 2026-10: 2 cameras" in result.stdout and "FixIt" in result.stdout
    assert "By person" in result.stdout and "(nobody)" in result.stdout  # no ticket was given to anyone
    assert "No camera health is on record" not in result.stdout
    # Before the monitor's first record (the fleet's first probe, 1 October 2026 in Almaty): said so.
    earlier = runner.invoke(app, ["kpi", "--period", "2026-09", "--tz", "Asia/Almaty"])
    assert earlier.exit_code == 0, earlier.output
    assert "No camera health is on record for 2026-09: the monitor's records begin on 2026-10-01." in (
        " ".join(earlier.stdout.split())
    )
    result = runner.invoke(app, ["kpi", "--period", "October"])
    assert isinstance(result.exception, InputError) and "is not a period" in str(result.exception)
    result = runner.invoke(app, [*command, "--tz", "Asia/Nowhere"])
    assert isinstance(result.exception, InputError) and "unknown time zone 'Asia/Nowhere'" in str(
        result.exception
    )
    result = runner.invoke(app, ["tickets", "list", "--json"])
    assert result.exit_code == 0, result.output
    # Most urgent first: 3 (critical, open), then 2 (high, resolved but not yet closed).
    assert [(t["id"], t["status"]) for t in json.loads(result.stdout)] == [(3, "open"), (2, "resolved")]


def test_periods() -> None:
    october = parse_period("2026-10")
    assert (october.start, october.end) == (
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
    )
    december = parse_period("2026-12")
    assert december.end == datetime(2027, 1, 1, tzinfo=UTC)
    q4 = parse_period("2026-Q4")
    assert (q4.start, q4.end) == (october.start, datetime(2027, 1, 1, tzinfo=UTC))
    span = parse_period("2026-10-01..2026-10-15")
    assert span.end - span.start == timedelta(days=15)
    from zoneinfo import ZoneInfo

    local = parse_period("2026-10", ZoneInfo("Asia/Almaty"))
    assert local.start == datetime(2026, 9, 30, 19, tzinfo=UTC)  # UTC+5
    for bad in ("2026-13", "Oct", "2026-10-15..2026-10-01"):
        with pytest.raises(InputError):
            parse_period(bad)
    assert T0.tzinfo is UTC


def test_kpis_before_any_probe_say_there_is_nothing_yet(db: Database, settings: Settings) -> None:
    """A new installation's first `qarauyl kpi` prints dashes and says why, rather than leave a manager
    guessing whether the figures are broken."""
    assert settings.effective_database_url == db.url and history_begins(db) is None
    result = CliRunner().invoke(app, ["kpi", "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "No camera health is on record for 2026-10: the monitor has not probed any camera yet." in said
