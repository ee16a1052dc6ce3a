"""The events feed (live, filtered, acknowledged by name) and administration (people, organisations,
audit log)."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from sqlalchemy import select

from qarauyl.domain import FaultCode, Health
from qarauyl.errors import QarauylError
from qarauyl.store import Organisation
from qarauyl.web import _auth, _data
from qarauyl.web._i18n import LANGUAGE_NAMES
from qarauyl.web._page_overview import REFRESH_SECONDS
from qarauyl.web._shell import Page, frame, health_badge, live, notify_error, state


def _event_row(page: Page, event: dict[str, Any], on_ack: Any) -> None:
    tr = page.tr
    with ui.card().classes("w-full q-pa-sm").props(f"flat bordered data-testid=event-{event['id']}"):
        with ui.row().classes("items-center gap-2 w-full"):
            health_badge(tr, event["before"]).props("outline")
            ui.icon("arrow_forward").classes("text-grey-7")
            health_badge(tr, event["after"])
            ui.link(event["camera"], f"/cameras/{event['camera']}").classes("text-weight-medium")
            ui.label(event["camera_name"]).classes("text-caption text-grey-8 gt-xs")
            ui.space()
            ui.label(tr.datetime(event["at"])).classes("text-caption")
        codes = ", ".join(tr.maybe("fault", c) for c in event["codes"]) or tr("events.recovered")
        with ui.row().classes("items-center gap-2 w-full"):
            ui.label(codes)
            if event["flapping"]:
                ui.badge(tr("events.flapping"), color="purple-6")
            ui.label(event["district"] or "").classes("text-caption text-grey-8")
            ui.space()
            if event["acknowledged_at"]:
                ui.label(
                    tr(
                        "events.acknowledged_by",
                        who=event["acknowledged_by"],
                        when=tr.datetime(event["acknowledged_at"]),
                    )
                ).classes("text-caption text-positive").props("data-testid=acknowledged")
            elif page.can("events.ack"):
                ui.button(tr("events.acknowledge"), on_click=lambda: on_ack(event["id"])).props(
                    f"dense outline data-testid=ack-{event['id']}"
                )


@ui.page("/events")
def events_page() -> None:
    with frame("nav.events", "/events") as page:
        if page is None:
            return
        tr = page.tr
        db = state().db
        offered = _data.choices(db, page.scope)
        with ui.row().classes("w-full items-end gap-2 filters"):
            state_filter = ui.select(
                {h.value: tr.maybe("health", h.value) for h in Health},
                label=tr("events.state"),
                clearable=True,
            )
            code_filter = ui.select(
                {f.value: tr.maybe("fault", f.value) for f in FaultCode},
                label=tr("cameras.fault"),
                clearable=True,
            )
            district_filter = ui.select(
                {d: d for d in offered["district"]}, label=tr("cameras.district"), clearable=True
            )
            for name, element in (
                ("state", state_filter),
                ("fault", code_filter),
                ("district", district_filter),
            ):
                element.props(f"dense options-dense data-testid=events-{name}").classes("min-w-36")
            unacked = ui.switch(tr("events.unacknowledged")).props("data-testid=events-unacked")

        def acknowledge(event_id: int) -> None:
            try:
                _data.acknowledge(
                    db,
                    event_id,
                    page.person.name,
                    _data.now_utc(),
                    page.scope,
                    _auth.Auditor(page.person, "event.acknowledge", f"event:{event_id}"),
                )
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            feed.refresh()

        @ui.refreshable
        def feed() -> None:
            rows = _data.events(
                db,
                page.scope,
                _data.EventFilter(
                    state=state_filter.value,
                    code=code_filter.value,
                    district=district_filter.value,
                    unacknowledged=bool(unacked.value),
                ),
                limit=100,
            )
            if not rows:
                ui.label(tr("events.none")).classes("text-grey-7")
            for event in rows:
                _event_row(page, event, acknowledge)

        for control in (state_filter, code_filter, district_filter, unacked):
            control.on_value_change(feed.refresh)
        with ui.column().classes("w-full gap-2").props("data-testid=events-feed"):
            feed()
        live(feed.refresh, lambda: _data.events_signature(db, page.scope), REFRESH_SECONDS)


@ui.page("/admin")
def admin_page() -> None:
    with frame("nav.admin", "/admin") as page:
        if page is None:
            return
        tr = page.tr
        if not page.can("users.manage"):
            ui.label(tr("error.forbidden")).classes("text-negative").props("data-testid=forbidden")
            return
        with ui.card().classes("w-full").props("flat bordered data-testid=admin-users"):
            ui.label(tr("admin.users")).classes("text-subtitle1")
            users = [
                {
                    "name": u.name,
                    "role": u.role,
                    "organisation": u.organisation or "—",
                    "language": LANGUAGE_NAMES.get(u.language, u.language),
                    "active": tr("common.yes") if u.active else tr("common.no"),
                }
                for u in _auth.users(state().db)
            ]
            if users:
                ui.table(
                    columns=[
                        {"name": "name", "label": tr("signin.name"), "field": "name", "align": "left"},
                        {"name": "role", "label": tr("admin.role"), "field": "role", "align": "left"},
                        {
                            "name": "organisation",
                            "label": tr("admin.organisation"),
                            "field": "organisation",
                            "align": "left",
                        },
                        {
                            "name": "language",
                            "label": tr("admin.language"),
                            "field": "language",
                            "align": "left",
                        },
                        {"name": "active", "label": tr("admin.active"), "field": "active", "align": "left"},
                    ],
                    rows=[{**u, "role": tr.maybe("role", u["role"])} for u in users],
                ).props("flat dense").classes("w-full")
        with ui.card().classes("w-full").props("flat bordered data-testid=admin-roles"):
            ui.label(tr("admin.roles")).classes("text-subtitle1")
            for role in _auth.ROLES:
                with ui.row().classes("gap-2"):
                    ui.label(tr("role." + role)).classes("text-weight-medium")
                    ui.label(tr("role_help." + role)).classes("text-caption text-grey-8")
        with ui.card().classes("w-full").props("flat bordered data-testid=admin-organisations"):
            ui.label(tr("admin.organisations")).classes("text-subtitle1")
            with state().db.session() as session:
                organisations = session.execute(
                    select(Organisation.name, Organisation.kind).order_by(Organisation.name)
                ).all()
            for name, kind in organisations:
                with ui.row().classes("gap-2"):
                    ui.label(name)
                    ui.label(tr.maybe("org_kind", kind)).classes("text-caption text-grey-8")
        with ui.card().classes("w-full").props("flat bordered data-testid=admin-audit"):
            ui.label(tr("admin.audit")).classes("text-subtitle1")
            entries = _auth.audit_entries(state().db) if page.can("audit.read") else []
            if not entries:
                ui.label(tr("admin.audit_empty")).classes("text-grey-7")
            for entry in entries:
                before = entry["before"] or {}
                changes = ", ".join(
                    f"{k}: {before[k]} → {v}" if k in before else f"{k}: {v}"
                    for k, v in (entry["after"] or {}).items()
                )
                ui.label(
                    f"{tr.datetime(entry['at'])} · {entry['actor'] or tr('admin.system')} · "
                    f"{entry['action']} · {entry['target']} {changes}"
                ).classes("text-caption").props("data-testid=audit-entry")
