"""`qarauyl kpi --period 2026-10 [--json] [--xlsx FILE]`: the maintenance KPIs for a period."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from qarauyl.cli._app import app, console
from qarauyl.errors import InputError

if TYPE_CHECKING:
    from qarauyl.maintenance.kpi import AvailabilityRow


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _availability_table(title: str, rows: list[AvailabilityRow]) -> Table:
    table = Table(title, "cameras", "availability", "failed h", "failures", "MTBF h", title=title)
    for row in rows:
        table.add_row(
            row.name, str(row.cameras), _pct(row.availability), _num(row.failed_hours), str(row.failures),
            _num(row.mtbf_hours),
        )  # fmt: skip
    return table


@app.command("kpi")
def kpi(
    period: str = typer.Option(
        ..., "--period", help="2026-10, 2026-10-05, 2026, 2026-Q4 or 2026-10-01..2026-10-15."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Also write the KPIs to this XLSX workbook."),
    tz: str | None = typer.Option(
        None,
        "--tz",
        help="Time zone of the period's midnights, e.g. Asia/Almaty (default: the time_zone setting or UTC).",
    ),
    cameras: bool = typer.Option(False, "--cameras", help="JSON: include every camera's figures."),
    language: str = typer.Option(
        "en", "--language", help="The workbook's language: kk, ru or en (sheet names, headings, vendors)."
    ),
) -> None:
    """Availability by district, vendor, contractor; MTTR, MTBF; backlog; SLA compliance; chronic cameras."""
    from qarauyl.config import get_settings, zone_of
    from qarauyl.i18n import LANGUAGES, Translator
    from qarauyl.maintenance.kpi import compute_kpis, export_xlsx, history_begins, parse_period
    from qarauyl.runtime import open_database

    try:
        zone = zone_of(tz or get_settings().time_zone or "UTC")
    except ValueError as exc:
        raise InputError(f"--tz: {exc}.") from None
    db = open_database()
    report = compute_kpis(db, parse_period(period, zone), now=datetime.now(UTC))
    if xlsx is not None:
        if language not in LANGUAGES:
            raise InputError(f"--language: '{language}' is not one of {', '.join(LANGUAGES)}.")
        export_xlsx(report, xlsx, Translator(language, zone))
    if as_json:
        print(json.dumps(report.to_dict(with_cameras=cameras), ensure_ascii=False, indent=2))
        return
    f = report.fleet
    console.print(
        f"Period {report.period.label}: {f.cameras} cameras, availability {_pct(f.availability)}, "
        f"{f.failures} failures, MTBF {_num(f.mtbf_hours)} h, MTTR {_num(report.mttr_hours)} h "
        f"({report.resolved} tickets resolved); backlog {report.backlog.open} open ticket(s).",
        markup=False,
        highlight=False,
    )
    if f.availability is None:  # every figure a dash: say why, and which periods have figures
        begins = history_begins(db)
        console.print(
            f"No camera health is on record for {report.period.label}: "
            + (
                f"the monitor's records begin on {begins.astimezone(zone):%Y-%m-%d}."
                if begins is not None
                else "the monitor has not probed any camera yet."
            ),
            markup=False,
            highlight=False,
        )
    for title, rows in (
        ("District", report.by_district),
        ("Vendor", report.by_vendor),
        ("Contractor", report.by_contractor),
    ):
        console.print(_availability_table(title, rows))
    for heading, title, repairs in (
        ("Contractor", "SLA", report.contractors),
        ("Assignee", "By person", report.people),
    ):
        table = Table(
            heading, "resolved", "MTTR h", "SLA met", "SLA missed", "compliance", "backlog", title=title
        )
        for c in repairs:
            table.add_row(
                c.name, str(c.resolved), _num(c.mttr_hours), str(c.sla_met), str(c.sla_missed),
                _pct(c.sla_compliance), str(c.backlog),
            )  # fmt: skip
        console.print(table)
    console.print(
        "Backlog by age: " + ", ".join(f"{k} {v}" for k, v in report.backlog.by_age.items()),
        markup=False,
        highlight=False,
    )
    if report.chronic:
        table = Table(
            "Camera", "district", "contractor", "failures", "failed h", "availability", title="Chronic"
        )
        for cam in report.chronic:
            table.add_row(
                cam.code, cam.district, cam.contractor, str(cam.failures), _num(cam.failed_hours),
                _pct(cam.availability),
            )  # fmt: skip
        console.print(table)
    if xlsx is not None:
        console.print(f"Wrote {xlsx}.", markup=False, highlight=False)
