"""Console pages for repairs: the engineer's ticket queue (phone first) and the maintenance KPIs.

    /tickets   the queue: engineers see their organisation's tickets, the OCC everyone's; each card has
               the camera's place with a route link, the fault's snapshot, the SLA clock, the next
               lifecycle steps, a comment box, a photo upload and the ticket's history
    /tickets/N one ticket, its history open (the camera page and the notices link here)
    /kpi       availability by district / vendor / contractor, MTTR, MTBF, SLA compliance, backlog,
               chronic cameras, for a period; XLSX download

Registered when `qarauyl.web.mount` imports this module. Texts: the `repairs.*` keys of the catalogues.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse
from nicegui import app, events, ui

from qarauyl.domain.tickets import STATUSES
from qarauyl.errors import NotFoundError, QarauylError
from qarauyl.maintenance.config import load_config
from qarauyl.maintenance.kpi import compute_kpis, export_xlsx, parse_period
from qarauyl.maintenance.tickets import (
    ALLOWED,
    TicketDetail,
    TicketEventView,
    TicketView,
    add_comment,
    add_photo,
    list_tickets,
    photos_of,
    set_status,
    ticket_detail,
    ticket_journals,
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
        detail = ticket_detail(state().db, ticket_id, now=_now(), config=load_config())
    except NotFoundError:
        raise HTTPException(status_code=404, detail="No such photo.") from None
    scope = _auth.scope_of(person)
    if scope.restricted and _ticket_maintainer(ticket_id) != scope.maintainer_id:
        raise HTTPException(status_code=404, detail="No such photo.")
    wanted = f"tickets/{ticket_id}/{name}"
    if wanted not in detail.photos:
        raise HTTPException(status_code=404, detail="No such photo.")
    return FileResponse(_photo_dir() / wanted, media_type="image/jpeg", headers={"Cache-Control": "private"})


def _ticket_maintainer(ticket_id: int) -> int | None:
    from qarauyl.maintenance.models import Ticket

    with state().db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        return ticket.maintainer_id if ticket else None


def _t(page: Page, key: str, **values: Any) -> str:
    return page.tr(f"repairs.{key}", **values)


def _now() -> datetime:
    return datetime.now(UTC)


def _queue(page: Page, include_closed: bool) -> list[TicketView]:
    maintainer = page.scope.maintainer_id if page.scope.restricted else None
    if page.scope.restricted and maintainer is None:
        return []  # an engineer without an organisation has no queue
    return list_tickets(
        state().db,
        now=_now(),
        config=load_config(),
        maintainer_id=maintainer,
        statuses=STATUSES if include_closed else ALLOWED_ACTIVE,
    )


ALLOWED_ACTIVE = tuple(s for s in STATUSES if s not in ("closed", "cancelled"))


def _card(
    page: Page, view: TicketView, history: tuple[TicketEventView, ...], redraw: Any, expanded: set[int]
) -> None:
    """One ticket. `expanded`: the tickets whose history the reader has open, kept across redraws (a comment
    sent redraws the queue and should stay in sight)."""
    tr = page.tr
    with ui.card().classes("w-full q-pa-sm").props(f"flat bordered data-testid=ticket-{view.id}"):
        with ui.row().classes("items-center gap-2 w-full"):
            ui.badge(tr.maybe("priority", view.priority), color=PRIORITY_COLOURS.get(view.priority, "grey-7"))
            ui.label(f"#{view.id}").classes("text-weight-medium")
            ui.label(tr.maybe("ticket_status", view.status)).props(f"data-status={view.status}")
            ui.space()
            if view.hours_left is not None:
                text = (
                    _t(page, "hours_left", h=f"{view.hours_left:.1f}")
                    if view.hours_left >= 0
                    else _t(page, "overdue", h=f"{-view.hours_left:.1f}")
                )
                ui.badge(text, color=SLA_COLOURS.get(view.sla, "grey-7")).props("outline")
        if view.camera_code:
            with ui.row().classes("items-center gap-2 w-full"):
                if view.camera_health:
                    health_badge(tr, view.camera_health)
                ui.link(view.camera_code, f"/cameras/{view.camera_code}").classes("text-weight-medium")
                ui.label(view.camera_name or "").classes("text-caption text-grey-8")
            ui.label(", ".join(filter(None, [view.address, view.district]))).classes("text-body2")
            if view.route_url:
                ui.link(_t(page, "route"), view.route_url, new_tab=True).classes("text-primary")
            if view.camera_id is not None and view.snapshot_path:  # no picture yet: no broken image
                ui.image(f"/console/snapshot/{view.camera_id}/latest.jpg").classes("w-full max-w-md rounded")
        else:
            ui.label(view.grouping or view.title).classes("text-body2")
            ui.label(f"{len(view.members)} {_t(page, 'cameras')}").classes("text-caption")
        ui.label(", ".join(tr.maybe("fault", c) for c in view.codes)).classes("text-caption")
        cause = cause_sentence(tr, view.camera_cause)
        if cause:  # what to bring: a van for a dead link, a laptop for a password
            ui.label(cause).classes("text-caption text-negative").props(f"data-testid=ticket-{view.id}-cause")
        if view.proposed_for_resolution:
            ui.label(_t(page, "proposed")).classes("text-positive text-caption")
        _history(page, view.id, history, expanded)
        for photo in photos_of(history):
            ui.image(f"/console/ticket-photo/{view.id}/{photo.rsplit('/', 1)[-1]}").classes(
                "w-full max-w-md rounded"
            )
        if not page.can(WORK_ACTION) or view.status in ("closed", "cancelled"):
            return
        resolution = ui.input(_t(page, "resolution")).props("dense").classes("w-full")
        override = ui.input(_t(page, "override")).props("dense").classes("w-full")

        def move(status: str) -> None:
            try:
                set_status(
                    state().db,
                    view.id,
                    status,
                    now=_now(),
                    config=load_config(),
                    actor=page.person,
                    resolution_code=resolution.value or None,
                    override_reason=override.value or None,
                )
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            redraw()

        with ui.row().classes("gap-1 w-full"):
            for status in sorted(ALLOWED[view.status], key=STATUSES.index):
                ui.button(tr.maybe("ticket_status", status), on_click=lambda s=status: move(s)).props(
                    f"dense outline data-testid=ticket-{view.id}-{status}"
                )
        with ui.row().classes("items-center gap-1 w-full no-wrap"):
            comment = ui.input(_t(page, "comment")).props("dense").classes("grow")

            def send() -> None:
                try:
                    add_comment(state().db, view.id, comment.value or "", now=_now(), actor=page.person)
                except QarauylError as exc:
                    notify_error(tr, exc)
                    return
                expanded.add(view.id)  # the comment, in the history it joined
                redraw()

            ui.button(_t(page, "send"), on_click=send).props("dense flat")

        async def upload(event: events.UploadEventArguments) -> None:
            try:
                data = await event.file.read()
                add_photo(
                    state().db,
                    view.id,
                    data,
                    photo_dir=_photo_dir(),
                    now=_now(),
                    actor=page.person,
                )
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            ui.notify("✓")
            redraw()

        ui.upload(
            label=_t(page, "photo"), on_upload=upload, auto_upload=True, max_file_size=10_000_000
        ).props('accept="image/jpeg" capture=environment dense flat').classes("w-full")


@ui.page("/tickets")
def tickets_page() -> None:
    with frame("nav.tickets", "/tickets") as page:
        if page is None:
            return
        show_closed = ui.switch(_t(page, "all")).props("data-testid=tickets-all")

        expanded: set[int] = set()

        @ui.refreshable
        def queue() -> None:
            views = _queue(page, bool(show_closed.value))
            if not views:
                ui.label(_t(page, "empty")).classes("text-grey-8")
            histories = ticket_journals(state().db, [v.id for v in views])
            for view in views:
                _card(page, view, histories.get(view.id, ()), queue.refresh, expanded)

        show_closed.on_value_change(lambda _: queue.refresh())
        with ui.column().classes("w-full max-w-2xl gap-2"):
            queue()


@ui.page("/tickets/{ticket_id}")
def ticket_page(ticket_id: int) -> None:
    with frame("nav.tickets", "/tickets") as page:
        if page is None:
            return
        expanded = {ticket_id}

        @ui.refreshable
        def one() -> None:
            detail = _visible_ticket(page, ticket_id)
            if detail is None:
                missing = _t(page, "not_found", id=ticket_id)
                ui.label(missing).classes("text-h6").props("data-testid=not-found")
                return
            _card(page, detail.ticket, detail.events, one.refresh, expanded)

        with ui.column().classes("w-full max-w-2xl gap-2"):
            ui.link(_t(page, "queue"), "/tickets").classes("text-primary")
            one()


def _visible_ticket(page: Page, ticket_id: int) -> TicketDetail | None:
    """The ticket if it exists and the reader may see it: an engineer only their organisation's (another's
    reads as missing, not as forbidden, so ticket numbers do not leak what others are repairing)."""
    try:
        detail = ticket_detail(state().db, ticket_id, now=_now(), config=load_config())
    except NotFoundError:
        return None
    if page.scope.restricted and _ticket_maintainer(ticket_id) != page.scope.maintainer_id:
        return None
    return detail


def _history(page: Page, ticket_id: int, history: tuple[TicketEventView, ...], expanded: set[int]) -> None:
    """The ticket's journal, oldest first, each line said in the reader's language with who and when."""
    tr = page.tr

    def remember(opened: bool) -> None:
        (expanded.add if opened else expanded.discard)(ticket_id)

    with (
        ui.expansion(
            _t(page, "history", n=len(history)),
            value=ticket_id in expanded,
            on_value_change=lambda e: remember(bool(e.value)),
        )
        .classes("w-full")
        .props(f"dense data-testid=ticket-{ticket_id}-history")
    ):
        for entry in history:
            with ui.column().classes("gap-0 q-py-xs").props(f"data-kind={entry.kind}"):
                who = entry.actor or _t(page, "system")
                ui.label(f"{tr.datetime(entry.at)} · {who}").classes("text-caption text-grey-7")
                ui.label(journal_line(tr, entry)).classes("text-body2").style("white-space: pre-wrap")


@ui.page("/kpi")
def kpi_page() -> None:
    with frame("nav.kpi", "/kpi") as page:
        if page is None:
            return
        tr = page.tr
        if not page.can(KPI_ACTION):  # fleet-wide figures: not for a contractor's engineer
            ui.label(tr("error.forbidden")).classes("text-negative").props("data-testid=forbidden")
            return
        last_month = (_now().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        with ui.row().classes("items-end gap-2"):
            period_input = ui.input(_t(page, "period"), value=last_month).props(
                "dense data-testid=kpi-period"
            )
            show = ui.button(_t(page, "show")).props("dense")
            download = ui.button(_t(page, "download")).props("dense outline")

        @ui.refreshable
        def body() -> None:
            try:
                report = compute_kpis(state().db, parse_period(period_input.value or last_month), now=_now())
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            with ui.row().classes("gap-6"):
                for label, value in (
                    (_t(page, "availability"), tr.percent(report.fleet.availability, 2)),
                    (_t(page, "mttr"), f"{tr.number(report.mttr_hours, 1)} h"),
                    (_t(page, "mtbf"), f"{tr.number(report.fleet.mtbf_hours, 1)} h"),
                    (_t(page, "backlog"), tr.number(report.backlog.open)),
                ):
                    with ui.column().classes("gap-0"):
                        ui.label(value).classes("text-h6")
                        ui.label(label).classes("text-caption text-grey-8")
            for title, rows in (
                ("district", report.by_district),
                ("vendor", report.by_vendor),
                ("contractor", report.by_contractor),
            ):
                ui.echart(
                    {
                        "animation": False,
                        "grid": {"left": 120, "right": 16, "top": 24, "bottom": 24},
                        "title": {
                            "text": f"{_t(page, 'availability')}: {title}",
                            "textStyle": {"fontSize": 13},
                        },
                        "xAxis": {
                            "type": "value",
                            "min": 0,
                            "max": 100,
                            "axisLabel": {"formatter": "{value}%"},
                        },
                        "yAxis": {"type": "category", "data": [r.name for r in rows]},
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
            ui.table(
                columns=[
                    {"name": "name", "label": "", "field": "name", "align": "left"},
                    {"name": "resolved", "label": "resolved", "field": "resolved"},
                    {"name": "mttr", "label": _t(page, "mttr"), "field": "mttr"},
                    {"name": "sla", "label": _t(page, "compliance"), "field": "sla"},
                    {"name": "backlog", "label": _t(page, "backlog"), "field": "backlog"},
                ],
                rows=[
                    {
                        "name": c.name,
                        "resolved": c.resolved,
                        "mttr": tr.number(c.mttr_hours, 1),
                        "sla": tr.percent(c.sla_compliance),
                        "backlog": c.backlog,
                    }
                    for c in report.contractors
                ],
            ).classes("w-full")
            if report.chronic:
                ui.label(_t(page, "chronic")).classes("text-subtitle1")
                for camera in report.chronic:
                    ui.label(
                        f"{camera.code} · {camera.district} · {camera.failures} × · "
                        f"{tr.percent(camera.availability)}"
                    )

        def xlsx() -> None:
            try:
                report = compute_kpis(state().db, parse_period(period_input.value or last_month), now=_now())
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            with tempfile.TemporaryDirectory() as tmp:
                path = export_xlsx(report, Path(tmp) / "kpi.xlsx")
                ui.download(path.read_bytes(), f"qarauyl-kpi-{report.period.label}.xlsx")

        show.on_click(body.refresh)
        download.on_click(xlsx)
        body()
