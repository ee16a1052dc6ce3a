"""The events feed: live, filtered, acknowledged by name."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from qarauyl.domain import FaultCode, Health
from qarauyl.errors import QarauylError
from qarauyl.web import _auth, _data
from qarauyl.web._page_overview import REFRESH_SECONDS
from qarauyl.web._reasons import event_codes, say_reason
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
        codes = event_codes(tr, event)
        with ui.row().classes("items-center gap-2 w-full"):
            ui.label(codes)
            if event["reason"]:
                ui.label(say_reason(tr, event["reason"])).classes("text-caption text-grey-8").props(
                    "data-testid=reason"
                )
            if event["before"] == event["after"]:
                ui.badge(tr("events.new_fault"), color="orange-8").props("data-testid=new-fault")
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
                    _auth.Auditor(page.person, "events.ack", f"event:{event_id}"),
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
