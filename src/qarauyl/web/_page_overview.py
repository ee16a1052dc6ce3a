"""The sign-in page and the overview: the meeting's numbers, availability, breakdowns, newest events."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from nicegui import app, ui

from qarauyl.analytics.fleet import Counts, FaultsNow
from qarauyl.health.state_machine import ACCESS_FAULTS
from qarauyl.i18n import LANGUAGE_NAMES, Translator, browser_language, normalise
from qarauyl.web import _data
from qarauyl.web._reasons import event_codes
from qarauyl.web._shell import Page, frame, health_badge, live, state

STATS = (
    ("installed", "stat.installed", "videocam", "primary"),
    ("connected", "stat.connected", "lan", "primary"),
    ("ok", "stat.working", "check_circle", "green-8"),
    ("degraded", "stat.degraded", "warning", "amber-8"),
    ("failed", "stat.failed", "error", "red-8"),
    ("in_repair", "stat.in_repair", "build", "blue-grey-7"),
)
REFRESH_SECONDS = 5.0


@ui.page("/login")
def login_page(next: str = "/", error: str = "") -> None:
    """A plain HTML form posting to the API's POST /login, which sets the HttpOnly session cookie."""
    request = ui.context.client.request
    language = app.storage.user.get("signin_language") or browser_language(
        request.headers.get("accept-language", "")
    )
    tr = Translator(language, state().settings.zone())
    ui.page_title(f"{tr('signin.title')} · Qarauyl")
    ui.query("html").props(f"lang={tr.language}")

    def switch(event: Any) -> None:
        app.storage.user["signin_language"] = normalise(event.value)
        ui.navigate.reload()

    with ui.column().classes("absolute-center items-stretch w-80 max-w-full q-pa-md gap-3"):
        with ui.row().classes("items-center justify-between"):
            ui.label("Qarauyl").classes("text-h4 text-primary")
            ui.select(LANGUAGE_NAMES, value=tr.language, on_change=switch).props("dense data-testid=language")
        ui.label(tr("signin.title")).classes("text-subtitle1")
        with ui.element("form").props('method=post action="/login"').classes("column gap-3"):
            ui.input(tr("signin.name")).props(
                "name=name autofocus data-testid=signin-name autocomplete=username"
            )
            ui.input(tr("signin.password"), password=True).props(
                "name=password data-testid=signin-password autocomplete=current-password"
            )
            ui.element("input").props(f'type=hidden name=next value="{quote(_same_site(next), safe="/")}"')
            if error in ("invalid", "throttled"):
                message = tr("login.throttled" if error == "throttled" else "login.failed")
                ui.label(message).classes("text-negative").props("data-testid=signin-error")
            ui.button(tr("signin.submit")).props("type=submit data-testid=signin-submit")


def _same_site(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _stat_cards(page: Page, counts: Counts) -> None:
    tr = page.tr
    with ui.element("div").classes("stat-grid w-full"):
        for field, key, icon, colour in STATS:
            with (
                ui.card().classes("q-pa-sm").props(f"flat bordered data-testid=stat-{field}"),
                ui.row().classes("items-center no-wrap gap-2"),
            ):
                ui.icon(icon, color=colour).classes("text-h5")
                with ui.column().classes("gap-0"):
                    ui.label(tr.number(getattr(counts, field))).classes("text-h5").props(
                        f"data-testid=stat-{field}-value data-value={getattr(counts, field)}"
                    )
                    ui.label(tr(key)).classes("text-caption text-grey-8")


def _availability(page: Page, report: _data.AvailabilityReport) -> None:
    tr = page.tr
    with ui.card().classes("w-full").props("flat bordered"):
        ui.label(tr("overview.availability")).classes("text-subtitle1")
        with ui.row().classes("gap-6"):
            for label, value, testid in (
                ("overview.last_24h", report.last_24h, "avail-24h"),
                ("overview.last_7d", report.last_7d, "avail-7d"),
                ("overview.last_30d", report.last_30d, "avail-30d"),
            ):
                with ui.column().classes("gap-0"):
                    ui.label(tr.percent(value)).classes("text-h6").props(f"data-testid={testid}")
                    ui.label(tr(label)).classes("text-caption text-grey-8")
        days = [tr.day(tr.local(day).date()) for day, _ in report.daily]
        values = [round(v * 100, 2) if v is not None else None for _, v in report.daily]
        ui.echart(
            {
                "animation": False,
                "grid": {"left": 40, "right": 12, "top": 16, "bottom": 28},
                "tooltip": {"trigger": "axis", "valueFormatter": None},
                "xAxis": {"type": "category", "data": days},
                "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
                "series": [
                    {
                        "type": "line",
                        "name": tr("overview.availability"),
                        "data": values,
                        "areaStyle": {"opacity": 0.15},
                        "connectNulls": True,
                        "smooth": False,
                    }
                ],
            }
        ).classes("w-full h-48").props("data-testid=availability-chart")


def _faults_now(page: Page, now: FaultsNow) -> None:
    """Which faults the connected cameras have now, and why those that cannot be read cannot: the first
    question of the morning meeting, before anyone opens a camera."""
    tr = page.tr
    with ui.card().classes("w-full").props("flat bordered data-testid=faults-now"):
        ui.label(tr("overview.faults_now")).classes("text-subtitle1")
        if not now.faults:
            ui.label(tr("overview.no_faults")).classes("text-grey-7")
            return
        with ui.row().classes("gap-2"):
            for code, n in now.faults.most_common():
                colour = "red-1" if code in ACCESS_FAULTS else "amber-1"  # cannot be read / reads badly
                ui.chip(f"{tr.maybe('fault', code)}: {tr.number(n)}", color=colour).props(
                    f"dense square data-testid=fault-now-{code} data-value={n}"
                )
        if now.causes:
            ui.label(tr("overview.cannot_read")).classes("text-caption text-grey-8 q-mt-sm")
            with ui.row().classes("gap-2"):
                for cause, n in now.causes.most_common():
                    ui.chip(f"{tr.maybe('cause', cause)}: {tr.number(n)}").props(
                        f"dense square outline data-testid=cause-now-{cause} data-value={n}"
                    )


def _breakdown(page: Page, title_key: str, rows: dict[str, Counts], testid: str) -> None:
    tr = page.tr
    columns = [
        {"name": "name", "label": tr(title_key), "field": "name", "align": "left"},
        {"name": "installed", "label": tr("stat.installed"), "field": "installed"},
        {"name": "connected", "label": tr("stat.connected"), "field": "connected"},
        {"name": "ok", "label": tr("stat.working"), "field": "ok"},
        {"name": "degraded", "label": tr("stat.degraded"), "field": "degraded"},
        {"name": "failed", "label": tr("stat.failed"), "field": "failed"},
    ]
    data = [
        {
            "name": tr.maybe("vendor", name) if testid == "by-vendor" else name,
            **{c["name"]: tr.number(getattr(counts, c["name"])) for c in columns[1:]},
        }
        for name, counts in rows.items()
    ]
    with ui.card().classes("w-full").props("flat bordered"):
        ui.table(columns=columns, rows=data, row_key="name").props(
            f"flat dense hide-pagination data-testid={testid}"
        ).classes("w-full").props(':pagination="{rowsPerPage: 0}"')


def event_line(page: Page, event: dict[str, Any]) -> None:
    tr = page.tr
    with (
        ui.row()
        .classes("items-center gap-2 w-full no-wrap event-line")
        .props(f"data-testid=event-{event['id']}")
    ):
        health_badge(tr, event["after"])
        # `col min-w-0` and the name's `max-w-full`: a long street address is cut with an ellipsis inside
        # the card instead of pushing the page wider than a phone.
        with ui.column().classes("gap-0 col min-w-0"):
            with ui.row().classes("gap-x-2 items-baseline w-full min-w-0"):
                ui.link(event["camera"], f"/cameras/{event['camera']}").classes("text-weight-medium")
                ui.label(event["camera_name"]).classes("text-caption text-grey-8 ellipsis max-w-full")
            codes = event_codes(tr, event)
            if event["before"] == event["after"]:
                codes = f"{tr('events.new_fault')}: {codes}"
            ui.label(f"{tr.datetime(event['at'])} · {codes}").classes("text-caption")


@ui.page("/")
def overview_page() -> None:
    with frame("nav.overview", "/") as page:
        if page is None:
            return
        db = state().db

        @ui.refreshable
        def numbers() -> None:
            summary = _data.cached(("summary", page.scope), 2.0, lambda: _data.summary(db, page.scope))
            _stat_cards(page, summary.total)
            report = _data.cached(
                ("availability", page.scope),
                30.0,
                lambda: _data.fleet_availability(db, _data.now_utc(), page.scope, page.tr.zone),
            )
            _availability(page, report)
            # As fresh as the numbers above, so that "failed 117" and "offline 117" agree.
            now = _data.cached(("faults", page.scope), 2.0, lambda: _data.faults(db, page.scope))
            _faults_now(page, now)
            with ui.element("div").classes("two-columns wide-only w-full"):
                _breakdown(page, "overview.district", summary.by_district, "by-district")
                _breakdown(page, "overview.vendor", summary.by_vendor, "by-vendor")

        @ui.refreshable
        def newest() -> None:
            rows = _data.events(db, page.scope, limit=10)
            if not rows:
                ui.label(page.tr("events.none")).classes("text-grey-7")
            for event in rows:
                event_line(page, event)

        numbers()
        with ui.card().classes("w-full").props("flat bordered data-testid=newest-events"):
            with ui.row().classes("items-center w-full"):
                ui.label(page.tr("overview.newest_events")).classes("text-subtitle1")
                ui.space()
                ui.link(page.tr("overview.all_events"), "/events")
            newest()
        live(newest.refresh, lambda: _data.events_signature(db, page.scope), REFRESH_SECONDS)
        live(
            numbers.refresh,
            lambda: (_data.summary(db, page.scope).to_dict(), _data.events_signature(db, page.scope)),
            REFRESH_SECONDS * 2,
        )
