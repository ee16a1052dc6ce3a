"""Console pages for repairs: the engineer's ticket queue (phone first) and the maintenance KPIs.

    /tickets   the queue: engineers see their organisation's tickets, the OCC everyone's, most urgent
               first, found by words (number, camera, address, district, node), priority or overdue; each
               card has the camera's place with a route link, the faults and why, the SLA clock and the next
               lifecycle steps; thirty cards at a time
    /tickets/N one ticket whole: the fault's snapshot, the history in the reader's language, the resolution
               code, closing without confirmation, a comment box, the field photos and an upload (the queue,
               the camera page and the notices link here)
    /kpi       availability by district / vendor / contractor, MTTR, MTBF, SLA compliance, backlog,
               chronic cameras, for a period; XLSX download

Registered when `qarauyl.web.mount` imports this module. Texts: the `repairs.*` keys of the catalogues.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse
from nicegui import app, events, ui

from qarauyl.domain.tickets import ACTIVE, STATUSES
from qarauyl.errors import NotFoundError, QarauylError
from qarauyl.maintenance.config import PRIORITIES, load_config
from qarauyl.maintenance.kpi import (
    NO_ASSIGNEE,
    ContractorKpi,
    KpiReport,
    compute_kpis,
    export_xlsx,
    history_begins,
    parse_period,
)
from qarauyl.maintenance.notifications import contact, personal_destinations
from qarauyl.maintenance.tickets import (
    ALLOWED,
    TicketDetail,
    TicketEventView,
    TicketFilter,
    TicketView,
    add_comment,
    add_photo,
    assign,
    queue_for,
    repairers,
    set_status,
    ticket_for,
)
from qarauyl.web import _auth
from qarauyl.web._journal import journal_line
from qarauyl.web._reasons import cause_sentence
from qarauyl.web._shell import Page, frame, health_badge, notify_error, person_from_route, state

# Who may work tickets: the roles that acknowledge events (admin, operator, engineer).
WORK_ACTION = "events.ack"
KPI_ACTION = "metrics.read"
PRIORITY_COLOURS = {"critical": "red-8", "high": "orange-8", "normal": "blue-7", "low": "grey-7"}
SLA_COLOURS = {
    "ok": "green-8",
    "warning": "amber-8",
    "breached": "red-8",
    "met": "green-8",
    "missed": "red-8",
}


def _photo_dir() -> Path:
    return state().settings.data_dir / "ticket-photos"


@app.get("/console/ticket-photo/{ticket_id}/{name}", include_in_schema=False)
def ticket_photo(request: Request, ticket_id: int, name: str) -> FileResponse:
    """A photo from the field, for people who may see the ticket's camera. Only names the ticket's
    journal lists are served, so no path from the URL ever reaches the file system."""
    person = person_from_route(request)
    if person is None or not _auth.permitted(person, "cameras.read"):
        raise HTTPException(status_code=403, detail="Sign in to the console first.")
    try:
        detail = ticket_for(state().db, ticket_id, person, now=_now(), config=load_config())
    except NotFoundError:
        raise HTTPException(status_code=404, detail="No such photo.") from None
    wanted = f"tickets/{ticket_id}/{name}"
    if wanted not in detail.photos:
        raise HTTPException(status_code=404, detail="No such photo.")
    return FileResponse(_photo_dir() / wanted, media_type="image/jpeg", headers={"Cache-Control": "private"})


def _t(page: Page, key: str, **values: Any) -> str:
    return page.tr(f"repairs.{key}", **values)


def _now() -> datetime:
    return datetime.now(UTC)


# The queue draws this many cards at first and as many more at each "show more": a storm leaves hundreds of
# tickets, and a phone should not build hundreds of cards to show the first ten.
PAGE_SIZE = 30


@dataclass
class _QueueFilter:
    text: str = ""
    priority: str | None = None
    overdue: bool = False
    mine: str | None = None  # the reader's name: only the tickets given to them
    closed: bool = False
    shown: int = PAGE_SIZE

    def narrowed(self) -> bool:
        """Whether the row asks for less than the whole active queue."""
        return bool(self.text.split()) or self.priority is not None or self.overdue or self.mine is not None


def _queue(page: Page, wanted: _QueueFilter) -> list[TicketView]:
    """The tickets in the reader's scope that the filter row asks for (see TicketFilter)."""
    return queue_for(
        state().db,
        page.person,
        now=_now(),
        config=load_config(),
        wanted=TicketFilter(
            statuses=STATUSES if wanted.closed else ACTIVE,
            priority=wanted.priority,
            assignee=wanted.mine,
            overdue=wanted.overdue,
            words=wanted.text,
        ),
    )


def _summary(page: Page, view: TicketView, *, linked: bool) -> None:
    """What the ticket is about, where, and how urgent: the queue's card and the top of the ticket's page.
    `linked`: the number opens the ticket's page (on the queue)."""
    tr = page.tr
    with ui.row().classes("items-center gap-2 w-full"):
        ui.badge(tr.maybe("priority", view.priority), color=PRIORITY_COLOURS.get(view.priority, "grey-7"))
        if linked:
            ui.link(f"#{view.id}", f"/tickets/{view.id}").classes("text-weight-medium").props(
                f"data-testid=ticket-{view.id}-open"
            )
        else:
            ui.label(f"#{view.id}").classes("text-weight-medium")
        ui.label(tr.maybe("ticket_status", view.status)).props(f"data-status={view.status}")
        ui.space()
        if view.hours_left is not None:
            text = (  # in the reader's numbers: "осталось 23,4 ч"
                _t(page, "hours_left", h=tr.number(view.hours_left, 1))
                if view.hours_left >= 0
                else _t(page, "overdue", h=tr.number(-view.hours_left, 1))
            )
            ui.badge(text, color=SLA_COLOURS.get(view.sla, "grey-7")).props("outline")
    if view.camera_code:
        with ui.row().classes("items-center gap-2 w-full"):
            if view.camera_health:
                health_badge(tr, view.camera_health)
            ui.link(view.camera_code, f"/cameras/{view.camera_code}").classes("text-weight-medium")
            ui.label(view.camera_name or "").classes("text-caption text-grey-8")
        with ui.row().classes("items-center gap-2 w-full"):
            ui.label(", ".join(filter(None, [view.address, view.district]))).classes("text-body2")
            if view.route_url:
                ui.link(_t(page, "route"), view.route_url, new_tab=True).classes("text-primary")
    else:  # an incident, named from its kind and place (its stored grouping sentence is English)
        key = f"repairs.incident.{view.kind}"
        headline = _t(page, f"incident.{view.kind}", place=view.node or view.district or "—")
        ui.label(headline if page.tr.has(key) else view.grouping or view.title).classes("text-body2")
        codes = ", ".join(view.member_codes)
        ui.label(f"{len(view.members)} {_t(page, 'cameras')}: {codes}").classes("text-caption").props(
            f"data-testid=ticket-{view.id}-members"
        )
    if view.incident_id is not None:
        ui.link(_t(page, "in_incident", id=view.incident_id), f"/tickets/{view.incident_id}").classes(
            "text-caption"
        )
    ui.label(", ".join(tr.maybe("fault", c) for c in view.codes)).classes("text-caption")
    who = _t(page, "assignee", name=view.assignee) if view.assignee else _t(page, "unassigned")
    ui.label(who).classes("text-caption" + ("" if view.assignee else " text-grey-7")).props(
        f"data-testid=ticket-{view.id}-assignee"
    )
    cause = cause_sentence(tr, view.camera_cause)
    if cause:  # what to bring: a van for a dead link, a laptop for a password
        ui.label(cause).classes("text-caption text-negative").props(f"data-testid=ticket-{view.id}-cause")
    if view.proposed_for_resolution:
        ui.label(_t(page, "proposed")).classes("text-positive text-caption")


def _change(page: Page, redraw: Any, action: Callable[[], object]) -> None:
    """One change to a ticket from the console: the page shows it, or says in the reader's language why it
    was refused and keeps what was typed."""
    try:
        action()
    except QarauylError as exc:
        notify_error(page.tr, exc)
        return
    redraw()


def _moves(page: Page, view: TicketView, redraw: Any, resolution: Any = None, override: Any = None) -> None:
    """The next lifecycle steps, offered by name. On the ticket's page, `resolution` and `override` are its
    inputs for the resolution code and the reason to close without the monitor's confirmation."""
    tr = page.tr

    def move(status: str) -> None:
        _change(
            page,
            redraw,
            lambda: set_status(
                state().db,
                view.id,
                status,
                now=_now(),
                config=load_config(),
                actor=page.person,
                resolution_code=(resolution.value if resolution else None) or None,
                override_reason=(override.value if override else None) or None,
            ),
        )

    with ui.row().classes("gap-1 w-full"):
        for status in sorted(ALLOWED[view.status], key=STATUSES.index):
            ui.button(tr.maybe("ticket_status", status), on_click=lambda s=status: move(s)).props(
                f"dense outline data-testid=ticket-{view.id}-{status}"
            )


def _queue_card(page: Page, view: TicketView, redraw: Any) -> None:
    with ui.card().classes("w-full q-pa-sm gap-1").props(f"flat bordered data-testid=ticket-{view.id}"):
        _summary(page, view, linked=True)
        if page.can(WORK_ACTION) and view.status in ACTIVE:
            _moves(page, view, redraw)


def _ticket_card(page: Page, detail: TicketDetail, redraw: Any) -> None:
    """One ticket whole: the fault's snapshot, the history, and the work on it."""
    view, history = detail.ticket, detail.events
    with ui.card().classes("w-full q-pa-sm gap-1").props(f"flat bordered data-testid=ticket-{view.id}"):
        _summary(page, view, linked=False)
        if view.camera_id is not None and view.snapshot_path:  # no picture yet: no broken image
            ui.image(f"/console/snapshot/{view.camera_id}/latest.jpg").classes("w-full max-w-md rounded")
        _history(page, view.id, history)
        for photo in detail.photos:
            ui.image(f"/console/ticket-photo/{view.id}/{photo.rsplit('/', 1)[-1]}").classes(
                "w-full max-w-md rounded"
            )
        if not page.can(WORK_ACTION) or view.status not in ACTIVE:
            return
        _assignment(page, view, redraw)
        resolution = ui.input(_t(page, "resolution")).props("dense").classes("w-full")
        override = ui.input(_t(page, "override")).props("dense").classes("w-full")
        _moves(page, view, redraw, resolution, override)
        with ui.row().classes("items-center gap-1 w-full no-wrap"):
            comment = ui.input(_t(page, "comment")).props("dense").classes("grow")

            def send() -> None:  # the comment then shows in the history it joined
                text = comment.value or ""
                db = state().db
                _change(page, redraw, lambda: add_comment(db, view.id, text, now=_now(), actor=page.person))

            ui.button(_t(page, "send"), on_click=send).props("dense flat")

        async def upload(event: events.UploadEventArguments) -> None:
            data = await event.file.read()
            _change(
                page,
                redraw,
                lambda: add_photo(
                    state().db, view.id, data, photo_dir=_photo_dir(), now=_now(), actor=page.person
                ),
            )

        ui.upload(
            label=_t(page, "photo"), on_upload=upload, auto_upload=True, max_file_size=10_000_000
        ).props('accept="image/jpeg" capture=environment dense flat').classes("w-full")


def _assignment(page: Page, view: TicketView, redraw: Any) -> None:
    """Who repairs it: take it in one tap, or give it to one of the people who may have it."""
    me = page.person.name

    def give(name: str | None) -> None:
        _change(
            page,
            redraw,
            lambda: assign(state().db, view.id, name, now=_now(), config=load_config(), actor=page.person),
        )

    people = {"": _t(page, "nobody")} | {name: name for name in repairers(state().db, view.id)}
    if view.assignee:  # kept even if they may no longer have it (a disabled account): the truth, shown
        people.setdefault(view.assignee, view.assignee)
    with ui.row().classes("items-center gap-2 w-full"):
        ui.select(
            people,
            label=_t(page, "assign_to"),
            value=view.assignee or "",
            on_change=lambda e: give(e.value or None),
        ).props(f"dense data-testid=ticket-{view.id}-assign").classes("min-w-[12rem]")
        if view.assignee != me and me in people:
            ui.button(_t(page, "take"), on_click=lambda: give(me)).props(
                f"dense outline data-testid=ticket-{view.id}-take"
            )
    if view.assignee and view.assignee != me:
        # Whether the notices reach them, or the dispatcher must phone: their saved addresses, as sent.
        with state().db.session() as session:
            person = contact(session, view.assignee)
        channels = sorted(c for c, _ in personal_destinations(load_config(), person)) if person else []
        key = {("email",): "email", ("telegram",): "telegram", ("email", "telegram"): "both"}
        ui.label(_t(page, f"told.{key.get(tuple(channels), 'none')}", name=view.assignee)).classes(
            "text-caption text-grey-7"
        ).props(f"data-testid=ticket-{view.id}-told")


@ui.page("/tickets")
def tickets_page() -> None:
    with frame("nav.tickets", "/tickets") as page:
        if page is None:
            return
        tr = page.tr
        wanted = _QueueFilter()

        def changed(**values: Any) -> None:
            for name, value in values.items():
                setattr(wanted, name, value)
            wanted.shown = PAGE_SIZE
            queue.refresh()

        with ui.row().classes("items-center gap-3 w-full max-w-2xl"):
            ui.input(_t(page, "search"), on_change=lambda e: changed(text=e.value or "")).props(
                "dense clearable debounce=300 data-testid=tickets-search"
            ).classes("grow")
            priorities = {"": _t(page, "any_priority")} | {p: tr.maybe("priority", p) for p in PRIORITIES}
            ui.select(priorities, value="", on_change=lambda e: changed(priority=e.value or None)).props(
                "dense data-testid=tickets-priority"
            ).classes("min-w-[9rem]")
            ui.switch(_t(page, "overdue_only"), on_change=lambda e: changed(overdue=bool(e.value))).props(
                "data-testid=tickets-overdue"
            )
            ui.switch(
                _t(page, "mine"), on_change=lambda e: changed(mine=page.person.name if e.value else None)
            ).props("data-testid=tickets-mine")
            ui.switch(_t(page, "all"), on_change=lambda e: changed(closed=bool(e.value))).props(
                "data-testid=tickets-all"
            )

        @ui.refreshable
        def queue() -> None:
            found = _queue(page, wanted)
            ui.label(_t(page, "count", shown=min(wanted.shown, len(found)), found=len(found))).classes(
                "text-caption text-grey-8"
            ).props("data-testid=tickets-count")
            if not found and not wanted.narrowed():
                ui.label(_t(page, "empty")).classes("text-grey-8")
            for view in found[: wanted.shown]:
                _queue_card(page, view, queue.refresh)
            if len(found) > wanted.shown:

                def more() -> None:
                    wanted.shown += PAGE_SIZE
                    queue.refresh()

                ui.button(_t(page, "more", n=min(PAGE_SIZE, len(found) - wanted.shown)), on_click=more).props(
                    "flat data-testid=tickets-more"
                )

        with ui.column().classes("w-full max-w-2xl gap-2"):
            queue()


@ui.page("/tickets/{ticket_id}")
def ticket_page(ticket_id: int) -> None:
    with frame("nav.tickets", "/tickets") as page:
        if page is None:
            return

        @ui.refreshable
        def one() -> None:
            detail = _visible_ticket(page, ticket_id)
            if detail is None:
                missing = _t(page, "not_found", id=ticket_id)
                ui.label(missing).classes("text-h6").props("data-testid=not-found")
                return
            _ticket_card(page, detail, one.refresh)

        with ui.column().classes("w-full max-w-2xl gap-2"):
            ui.link(_t(page, "queue"), "/tickets").classes("text-primary")
            one()


def _visible_ticket(page: Page, ticket_id: int) -> TicketDetail | None:
    try:
        return ticket_for(state().db, ticket_id, page.person, now=_now(), config=load_config())
    except NotFoundError:
        return None


def _history(page: Page, ticket_id: int, history: tuple[TicketEventView, ...]) -> None:
    """The ticket's journal, oldest first, each line said in the reader's language with who and when."""
    tr = page.tr
    with ui.column().classes("w-full gap-0 q-py-xs").props(f"data-testid=ticket-{ticket_id}-history"):
        ui.label(_t(page, "history", n=len(history))).classes("text-subtitle2")
        for entry in history:
            with ui.column().classes("gap-0 q-py-xs").props(f"data-kind={entry.kind}"):
                who = entry.actor or _t(page, "system")
                ui.label(f"{tr.datetime(entry.at)} · {who}").classes("text-caption text-grey-7")
                ui.label(journal_line(tr, entry)).classes("text-body2").style("white-space: pre-wrap")


def _period_zone() -> tzinfo:
    """Where the report's days begin: the OCC's zone, else UTC, as `qarauyl kpi` counts them, so that the
    console and the CLI give one period the same figures."""
    return state().settings.zone() or UTC


def recent_periods(now: datetime) -> dict[str, str]:
    """The periods a manager asks for most, as period texts: this month, last month, this quarter, this
    year."""
    this_month = now.strftime("%Y-%m")
    last_month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return {
        "this_month": this_month,
        "last_month": last_month,
        "this_quarter": f"{now.year}-Q{(now.month - 1) // 3 + 1}",
        "this_year": str(now.year),
    }


def first_period(presets: dict[str, str], begins: datetime | None, zone: tzinfo) -> str:
    """The KPI page's period when the link names none: last month, the monthly report's; this month while
    the monitor's records began only after last month ended (a new deployment, the demo)."""
    last_month = parse_period(presets["last_month"], zone)
    return presets["this_month"] if begins is None or begins >= last_month.end else presets["last_month"]


def _hours(page: Page, value: float | None) -> str:
    return "—" if value is None else _t(page, "hours", h=page.tr.number(value, 1))


def _repairs_table(page: Page, heading: str, rows: Sequence[ContractorKpi], testid: str) -> None:
    """Resolved, MTTR, SLA compliance and backlog, one row per contractor or per person."""
    tr = page.tr
    ui.table(
        columns=[
            {"name": "name", "label": _t(page, heading), "field": "name", "align": "left"},
            {"name": "resolved", "label": _t(page, "resolved"), "field": "resolved"},
            {"name": "mttr", "label": _t(page, "mttr"), "field": "mttr"},
            {"name": "sla", "label": _t(page, "compliance"), "field": "sla"},
            {"name": "backlog", "label": _t(page, "backlog"), "field": "backlog"},
        ],
        rows=[
            {
                "name": _t(page, "nobody_kpi") if row.name == NO_ASSIGNEE else row.name,
                "resolved": row.resolved,
                "mttr": _hours(page, row.mttr_hours),
                "sla": tr.percent(row.sla_compliance),
                "backlog": row.backlog,
            }
            for row in rows
        ],
    ).classes("w-full").props(f'no-data-label="{_t(page, "no_tickets")}" data-testid={testid}')


@ui.page("/kpi")
def kpi_page(period: str | None = None) -> None:
    """`?period=2026-10`: a link to one month's figures that a manager can keep or pass on."""
    with frame("nav.kpi", "/kpi") as page:
        if page is None:
            return
        tr = page.tr
        if not page.can(KPI_ACTION):  # fleet-wide figures: not for a contractor's engineer
            ui.label(tr("error.forbidden")).classes("text-negative").props("data-testid=forbidden")
            return
        presets = recent_periods(_now().astimezone(_period_zone()))
        begins = history_begins(state().db)
        with ui.row().classes("items-end gap-2"):
            period_input = (
                ui.input(_t(page, "period"), value=period or first_period(presets, begins, _period_zone()))
                .props("dense data-testid=kpi-period")
                .tooltip(_t(page, "period_hint"))
            )
            show = ui.button(_t(page, "show")).props("dense")
            download = ui.button(_t(page, "download")).props("dense outline")
        with ui.row().classes("gap-1"):
            for name, text in presets.items():

                def pick(text: str = text) -> None:
                    period_input.value = text
                    body.refresh()

                ui.button(_t(page, f"period.{name}"), on_click=pick).props(
                    f"dense flat no-caps data-testid=kpi-{name}"
                )

        def report() -> KpiReport:
            period = parse_period(period_input.value or presets["last_month"], _period_zone())
            return compute_kpis(state().db, period, now=_now())

        @ui.refreshable
        def body() -> None:
            try:
                kpis = report()
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            history = kpis.fleet.availability is not None
            if not history:  # say why the figures are dashes, and where they begin
                said = (
                    _t(page, "no_history", period=kpis.period.label, date=tr.day(tr.local(begins).date()))
                    if begins is not None
                    else _t(page, "no_history_yet")
                )
                ui.label(said).classes("text-body2").props("data-testid=kpi-no-history")
            with ui.row().classes("gap-6").props("data-testid=kpi-figures"):
                for label, value in (
                    (_t(page, "availability"), tr.percent(kpis.fleet.availability, 2)),
                    (_t(page, "mttr"), _hours(page, kpis.mttr_hours)),
                    (_t(page, "mtbf"), _hours(page, kpis.fleet.mtbf_hours)),
                    (_t(page, "resolved"), tr.number(kpis.resolved)),
                    (_t(page, "backlog"), tr.number(kpis.backlog.open)),
                ):
                    with ui.column().classes("gap-0"):
                        ui.label(value).classes("text-h6")
                        ui.label(label).classes("text-caption text-grey-8")
            if kpis.backlog.open:  # how long the open tickets have waited
                ages = " · ".join(
                    f"{_t(page, 'age.' + label)}: {n}" for label, n in kpis.backlog.by_age.items()
                )
                ui.label(f"{_t(page, 'ageing')}: {ages}").classes("text-body2").props(
                    "data-testid=kpi-ageing"
                )
            charts = (
                ("by_district", kpis.by_district, lambda name: name),
                ("by_vendor", kpis.by_vendor, lambda name: tr.maybe("vendor", name)),
                ("by_contractor", kpis.by_contractor, lambda name: name),
            )
            for key, rows, names in charts if history else ():
                ui.echart(
                    {
                        "animation": False,
                        "grid": {"left": 160, "right": 16, "top": 28, "bottom": 24},
                        "title": {"text": _t(page, key), "textStyle": {"fontSize": 13}},
                        "xAxis": {
                            "type": "value",
                            "min": 0,
                            "max": 100,
                            "axisLabel": {"formatter": "{value}%"},
                        },
                        "yAxis": {"type": "category", "data": [names(r.name) for r in rows]},
                        "series": [
                            {
                                "type": "bar",
                                "data": [
                                    round(100 * r.availability, 2) if r.availability is not None else None
                                    for r in rows
                                ],
                            }
                        ],
                    }
                ).classes("w-full").style(f"height: {80 + 24 * len(rows)}px")
            _repairs_table(page, "contractor", kpis.contractors, "kpi-contractors")
            # Who repairs how fast: the contractor's manager reads this per engineer.
            ui.label(_t(page, "by_person")).classes("text-subtitle1")
            _repairs_table(page, "person", kpis.people, "kpi-people")
            if kpis.chronic:
                ui.label(_t(page, "chronic")).classes("text-subtitle1")
                for camera in kpis.chronic:
                    with ui.row().classes("items-center gap-2"):
                        ui.link(camera.code, f"/cameras/{camera.code}")
                        ui.label(
                            f"{camera.district} · {_t(page, 'failures', n=camera.failures)} · "
                            f"{tr.percent(camera.availability)}"
                        )

        def xlsx() -> None:
            try:
                kpis = report()
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            with tempfile.TemporaryDirectory() as tmp:
                path = export_xlsx(kpis, Path(tmp) / "kpi.xlsx", tr)  # in the reader's language
                ui.download(path.read_bytes(), f"qarauyl-kpi-{kpis.period.label}.xlsx")

        show.on_click(body.refresh)
        download.on_click(xlsx)
        body()
