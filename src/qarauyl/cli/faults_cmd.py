"""`qarauyl faults list|set|clear`: which findings alarm, per fault code, fleet-wide or per camera."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from qarauyl.cli._app import app, console
from qarauyl.health.rules import MAX_DELAY, MIN_SCORE

faults_app = typer.Typer(
    help="Fault rules: switch a fault code off, lower its sensitivity or delay its alarm, for the whole "
    "fleet or one camera. Findings a rule holds back are still measured and shown.",
    no_args_is_help=True,
)
app.add_typer(faults_app, name="faults")


CAMERA = typer.Option(None, "--camera", "-c", help="A camera's code; leave out for the whole fleet.")


@faults_app.command("list")
def list_(
    camera: str | None = CAMERA,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every rule, or those that apply to one camera (its own and the fleet's)."""
    from qarauyl.monitor.fault_rules import list_rules
    from qarauyl.runtime import open_database

    rules = list_rules(open_database(), camera)
    if as_json:
        console.print_json(json.dumps([asdict(r) for r in rules], default=lambda v: v.isoformat()))
        return
    if not rules:
        console.print("No fault rules: every fault code alarms as by default.")
        return
    table = Table("Camera", "Fault", "Alarms", "Min score", "Delay", "Until (UTC)", "Note", "Set by (UTC)")
    for rule in rules:
        table.add_row(
            rule.camera or "(fleet)",
            rule.code,
            "yes" if rule.enabled else "no",
            f"{rule.min_score:.2f}",
            f"{rule.delay_minutes} min" if rule.delay_minutes else "-",
            _until(rule.until, rule.in_force),
            rule.note,
            f"{rule.updated_by or '(cli)'}, {rule.updated_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


def _until(until: datetime | None, in_force: bool) -> str:
    if until is None:
        return "-"
    return f"{until:%Y-%m-%d %H:%M}" + ("" if in_force else " (lapsed)")


@faults_app.command("set")
def set_(
    fault: str = typer.Argument(..., help="The fault code, e.g. glare, blur, offline."),
    camera: str | None = CAMERA,
    off: bool = typer.Option(False, "--off", help="Switch the code off: shown, never alarms."),
    min_score: float = typer.Option(
        MIN_SCORE, "--min-score", help="The sensitivity: the confidence a finding needs to count (0.5-1.0)."
    ),
    delay: int = typer.Option(
        0,
        "--delay",
        help=f"Minutes the code must be seen without a break before it counts "
        f"(at most {int(MAX_DELAY.total_seconds() // 60)}).",
    ),
    days: int | None = typer.Option(
        None, "--days", min=1, max=366, help="The rule lapses by itself after this many days; default: never."
    ),
    note: str = typer.Option("", "--note", help="Why (shown to the next duty officer)."),
) -> None:
    """Set the rule for a fault code (it replaces any earlier rule for the same code and camera)."""
    from qarauyl.accounts import Auditor
    from qarauyl.monitor.fault_rules import audit_target, set_rule
    from qarauyl.runtime import open_database

    rule = set_rule(
        open_database(),
        fault,
        camera=camera,
        enabled=not off,
        min_score=min_score,
        delay_minutes=delay,
        until=None if days is None else datetime.now(UTC) + timedelta(days=days),
        note=note,
        # Made by the system: whoever runs the CLI holds the server.
        audit=Auditor(None, "fault_rules.set", audit_target(camera, fault)),
    )
    where = f"camera {rule.camera}" if rule.camera else "the whole fleet"
    if not rule.enabled:
        what = "switched off (shown, never alarms)"
    else:
        parts = [f"counts from score {rule.min_score:.2f}"]
        if rule.delay_minutes:
            parts.append(f"after {rule.delay_minutes} min without a break")
        what = ", ".join(parts)
    if rule.until:
        what += f"; until {rule.until:%Y-%m-%d %H:%M} UTC"
    console.print(f"{rule.code} on {where}: {what}.", markup=False, highlight=False)


@faults_app.command("clear")
def clear(
    fault: str = typer.Argument(..., help="The fault code."),
    camera: str | None = CAMERA,
) -> None:
    """Remove the rule for a fault code: it alarms as by default again."""
    from qarauyl.accounts import Auditor
    from qarauyl.monitor.fault_rules import audit_target, clear_rule
    from qarauyl.runtime import open_database

    audit = Auditor(None, "fault_rules.clear", audit_target(camera, fault))
    clear_rule(open_database(), fault, camera=camera, audit=audit)
    console.print(f"Rule for {fault} on {f'camera {camera}' if camera else 'the whole fleet'} removed.")
