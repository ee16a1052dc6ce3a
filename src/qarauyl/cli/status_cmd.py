"""`qarauyl status`: the fleet summary."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from qarauyl.cli._app import app, console, counts_text
from qarauyl.health.causes import cause_words

if TYPE_CHECKING:
    from qarauyl.analytics import Counts

COLUMNS = ("installed", "connected", "ok", "degraded", "failed", "unknown", "in_repair")
HEADERS = ("installed", "connected", "working", "degraded", "failed", "unknown", "in repair")


def _row(name: str, counts: Counts) -> list[str]:
    return [name, *(str(getattr(counts, c)) for c in COLUMNS)]


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Installed, connected, working / degraded / failed / unknown, in repair; by district and vendor."""
    from qarauyl.analytics import faults_now, fleet_summary
    from qarauyl.runtime import open_database

    db = open_database()
    with db.session() as session:
        summary = fleet_summary(session)
        now = faults_now(session)
    if as_json:
        print(json.dumps({**summary.to_dict(), **now.to_dict()}, ensure_ascii=False, indent=2))
        return
    t = summary.total
    console.print(
        f"Installed {t.installed}, connected to the OCC {t.connected}: "
        f"working {t.ok}, degraded {t.degraded}, failed {t.failed}, unknown {t.unknown}; "
        f"in repair {t.in_repair}.",
        markup=False,
        highlight=False,
    )
    if now.faults:
        text = "Faults now (cameras): " + counts_text(now.faults) + "."
        if now.causes:
            # "offline" alone does not say whether to send a van or fix the register: the causes do.
            text += " Why those that cannot be read: " + counts_text(now.causes, cause_words) + "."
        console.print(text, markup=False, highlight=False)
    for title, groups in (("District", summary.by_district), ("Vendor", summary.by_vendor)):
        table = Table(title, *HEADERS, title=f"By {title.lower()}")
        for name, counts in groups.items():
            table.add_row(*_row(name, counts))
        table.add_row(*_row("Total", t), style="bold")
        console.print(table)
