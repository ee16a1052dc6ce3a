"""`qarauyl tickets list|show|open|set|comment|process|deliver|routes|test-route`: repair tickets and their
notifications from the terminal."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from qarauyl.cli._app import app, console
from qarauyl.domain.tickets import ACTIVE, STATUSES
from qarauyl.errors import InputError, NotFoundError
from qarauyl.health.causes import cause_words

# Each command imports the ticket code and the database layer when it runs: the CLI starts fast.
if TYPE_CHECKING:
    from qarauyl.maintenance.config import MaintenanceConfig
    from qarauyl.maintenance.tickets import TicketView
    from qarauyl.store import Database

tickets_app = typer.Typer(
    help="Repair tickets: queue, lifecycle, comments, notifications.", no_args_is_help=True
)
app.add_typer(tickets_app, name="tickets")


def _now() -> datetime:
    return datetime.now(UTC)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=lambda v: v.isoformat())


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def _open() -> tuple[Database, MaintenanceConfig]:
    """The database and the ticket rules, as every command here needs them."""
    from qarauyl.maintenance.config import load_config
    from qarauyl.runtime import open_database

    return open_database(), load_config()


@tickets_app.command("list")
def list_(
    organisation: str | None = typer.Option(None, "--org", help="Only this maintainer's queue."),
    all_: bool = typer.Option(False, "--all", help="Closed and cancelled tickets too."),
    priority: str | None = typer.Option(None, "--priority", help="Only this priority: critical, high, …"),
    assignee: str | None = typer.Option(None, "--assignee", help="Only the tickets given to this person."),
    camera: str | None = typer.Option(None, "--camera", help="Only this camera's (its incidents too)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only those past their SLA deadline."),
    search: str = typer.Option(
        "", "--search", "-s", help="Words each in the number, camera, address, district, node or assignee."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The queue, most urgent first."""
    from sqlalchemy import select

    from qarauyl.maintenance.config import PRIORITIES
    from qarauyl.maintenance.tickets import TicketFilter, list_tickets, named_codes
    from qarauyl.store.models import Organisation

    if priority is not None and priority not in PRIORITIES:
        raise InputError(f"Unknown priority '{priority}': use one of {', '.join(PRIORITIES)}.")
    db, config = _open()
    maintainer_id = None
    if organisation:
        with db.session() as session:
            maintainer_id = session.scalar(select(Organisation.id).where(Organisation.name == organisation))
        if maintainer_id is None:
            raise NotFoundError(f"No organisation named '{organisation}'.")
    views = list_tickets(
        db,
        now=_now(),
        config=config,
        maintainer_id=maintainer_id,
        wanted=TicketFilter(
            statuses=STATUSES if all_ else ACTIVE,
            priority=priority,
            assignee=assignee,
            camera=camera,
            overdue=overdue,
            words=search,
        ),
    )
    if as_json:
        print(_json([asdict(v) for v in views]))
        return
    table = Table(
        "#", "priority", "status", "camera / node", "codes", "opened", "SLA", "h left", "repairing",
        title="Tickets",
    )  # fmt: skip
    for v in views:
        where = v.camera_code or f"{v.kind} {v.node or v.district or ''} ({len(v.members)} cameras)"
        table.add_row(
            str(v.id), v.priority, v.status + (" (proposed)" if v.proposed_for_resolution else ""), where,
            named_codes(v.codes, v.camera_cause), f"{v.opened_at:%Y-%m-%d %H:%M}", v.sla,
            "-" if v.hours_left is None else f"{v.hours_left:.1f}", v.assignee or "-",
        )  # fmt: skip
    console.print(table)


@tickets_app.command("show")
def show(ticket_id: int, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """One ticket with its journal."""
    from qarauyl.maintenance.tickets import ticket_detail

    db, config = _open()
    detail = ticket_detail(db, ticket_id, now=_now(), config=config)
    if as_json:
        print(_json(asdict(detail)))
        return
    _print_view(detail.ticket)
    for event in detail.events:
        _say(f"  {event.at:%Y-%m-%d %H:%M} {event.kind:<20} {event.actor or '':<12} {event.text}")


def _print_view(v: TicketView) -> None:
    _say(f"Ticket #{v.id} [{v.priority}] {v.status}: {v.title}")
    if v.camera_code:
        _say(f"  camera {v.camera_code} ({v.camera_health}) at {v.address or '-'}; route: {v.route_url}")
        if v.camera_cause:
            _say(f"  cannot be read: {cause_words(v.camera_cause)}")
    if v.grouping:
        _say(f"  {v.grouping}")
    _say(f"  maintainer {v.maintainer or '-'}; repairing: {v.assignee or 'nobody yet'}")
    if v.due_at:
        _say(f"  due {v.due_at:%Y-%m-%d %H:%M} UTC; SLA {v.sla}")


@tickets_app.command("open")
def open_(
    camera: str = typer.Argument(..., help="Camera code."),
    priority: str = typer.Option("normal", "--priority", help="critical, high, normal or low."),
    note: str = typer.Option("", "--note", help="What is wrong."),
) -> None:
    """Open a ticket by hand (joins the camera's open ticket if it has one)."""
    from qarauyl.maintenance.tickets import open_ticket

    db, config = _open()
    view = open_ticket(db, camera, now=_now(), config=config, priority=priority, note=note)
    _print_view(view)


@tickets_app.command("set")
def set_(
    ticket_id: int,
    status: str = typer.Argument(..., help=", ".join(STATUSES)),
    resolution: str | None = typer.Option(None, "--resolution", help="Resolution code when resolving."),
    override: str | None = typer.Option(
        None, "--override", help="Close without the monitor's confirmation; the reason is audited."
    ),
    note: str = typer.Option("", "--note"),
) -> None:
    """Move a ticket along its lifecycle."""
    from qarauyl.maintenance.tickets import set_status

    db, config = _open()
    view = set_status(
        db,
        ticket_id,
        status,
        now=_now(),
        config=config,
        resolution_code=resolution,
        override_reason=override,
        note=note,
    )
    _print_view(view)


@tickets_app.command("assign")
def assign_(
    ticket_id: int,
    name: str | None = typer.Argument(None, help="The user who repairs it; leave out with --nobody."),
    nobody: bool = typer.Option(False, "--nobody", help="Give the ticket to nobody."),
) -> None:
    """Give a ticket to the person who repairs it: an engineer of its maintainer, or the OCC's staff."""
    from qarauyl.maintenance.tickets import assign

    if (name is None) != nobody:
        raise InputError("Name the person who repairs the ticket, or say --nobody.")
    db, config = _open()
    _print_view(assign(db, ticket_id, name, now=_now(), config=config))


@tickets_app.command("comment")
def comment(ticket_id: int, text: str) -> None:
    from qarauyl.maintenance.tickets import add_comment
    from qarauyl.runtime import open_database

    add_comment(open_database(), ticket_id, text, now=_now())
    _say(f"Comment added to ticket #{ticket_id}.")


@tickets_app.command("process")
def process() -> None:
    """Turn new health events into tickets and run the SLA checks once (the monitor does this itself)."""
    from qarauyl.maintenance.tickets import process_transitions

    db, config = _open()
    changes = process_transitions(db, [], _now(), config)
    _say(f"{len(changes)} ticket change(s).")
    for change in changes:
        _say(f"  #{change.ticket_id} {change.change}")


@tickets_app.command("deliver")
def deliver() -> None:
    """Send the notifications that are due, once."""
    from qarauyl.maintenance.notifications import deliver_due

    db, config = _open()
    report = deliver_due(db, _now(), config)
    _say(
        f"Sent {report.sent}, failed {report.failed} (will retry), dead {report.dead}, "
        f"merged {report.merged}, held by the rate limit {report.deferred}."
    )


@tickets_app.command("routes")
def routes(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The notification routes and whether they work: waiting, given up, sent in 24 h, the last error."""
    from qarauyl.maintenance.notifications.status import route_statuses

    db, config = _open()
    statuses = route_statuses(db, config, _now())
    if as_json:
        _say(_json([asdict(s) for s in statuses]))
        return
    if all(s.personal for s in statuses):
        _say("No notification routes: add [[maintenance.routes]] to maintenance.toml (see the README).")
    if not statuses:
        return
    table = Table("route", "channel", "to", "language", "waiting", "given up", "sent 24 h", "last sent")
    for s in statuses:
        last = f"{s.last_sent_at:%Y-%m-%d %H:%M}" if s.last_sent_at else "never"
        to, language = ("each ticket's assignee", "theirs") if s.personal else (s.target, s.language)
        table.add_row(s.name, s.channel, to, language, str(s.pending), str(s.dead), str(s.sent_24h), last)
    console.print(table)
    for s in statuses:
        if s.last_error:
            _say(f"{s.name}: last error: {s.last_error}")


@tickets_app.command("test-route")
def test_route(name: str = typer.Argument(..., help="The route's name.", show_default=False)) -> None:
    """Send a test message to one route now, in its language, to see that it arrives."""
    from qarauyl.maintenance.config import load_config
    from qarauyl.maintenance.notifications.status import send_test

    text = send_test(load_config(), name, _now())
    _say(f"Sent to route {name}: {text}")
