"""The camera table (AG Grid with filters) and one camera's page: details, pictures, findings,
history, events and the actions a person's role allows."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from nicegui import run, ui

from qarauyl.domain import FaultCode, Health, Lifecycle
from qarauyl.errors import NotFoundError, QarauylError
from qarauyl.inventory.queries import CameraFilter
from qarauyl.web import _auth, _data
from qarauyl.web._page_overview import event_line
from qarauyl.web._page_rules import rules_panel
from qarauyl.web._reasons import fault_names, probe_cause
from qarauyl.web._shell import Page, frame, health_badge, notify_error, state, ticket_link


def _options(tr: Any, prefix: str, values: list[str]) -> dict[str, str]:
    return {v: tr.maybe(prefix, v) for v in values}


@ui.page("/cameras")
def cameras_page(
    district: str = "", vendor: str = "", lifecycle: str = "", health: str = "", fault: str = "", q: str = ""
) -> None:
    with frame("nav.cameras", "/cameras") as page:
        if page is None:
            return
        tr = page.tr
        db = state().db
        offered = _data.choices(db, page.scope)
        with ui.row().classes("w-full items-end gap-2 filters"):
            search = ui.input(tr("cameras.search"), value=q).props(
                "dense clearable data-testid=filter-search"
            )
            options = {
                "district": {d: d for d in offered["district"]},
                "vendor": _options(tr, "vendor", offered["vendor"]),
                "lifecycle": _options(tr, "lifecycle", [lc.value for lc in Lifecycle]),
                "health": _options(tr, "health", [h.value for h in Health]),
                "fault": _options(tr, "fault", [f.value for f in FaultCode]),
            }
            asked = dict(district=district, vendor=vendor, lifecycle=lifecycle, health=health, fault=fault)
            # A bookmarked or typed address may name a value the filter does not offer (a renamed district,
            # another team's): the select would refuse it with a server error, so it is left out and said.
            unknown = [
                f"{key}={asked[key]}" for key in options if asked[key] and asked[key] not in options[key]
            ]
            selects = {
                name: ui.select(
                    options[name],
                    label=tr(f"cameras.{name}"),
                    value=asked[name] if asked[name] in options[name] else None,
                    clearable=True,
                )
                for name in options
            }
            if unknown:
                ui.notify(tr("cameras.unknown_filter", values=", ".join(unknown)), type="warning")
            for name, select in selects.items():
                select.props(f"dense options-dense data-testid=filter-{name}").classes("min-w-36")
        count = ui.label().classes("text-caption").props("data-testid=camera-count")
        columns = [
            {"field": "code", "headerName": tr("camera.code"), "pinned": "left", "width": 130},
            {"field": "name", "headerName": tr("camera.name"), "flex": 2, "minWidth": 200},
            {"field": "district", "headerName": tr("cameras.district"), "minWidth": 140},
            {"field": "vendor", "headerName": tr("cameras.vendor"), "width": 110},
            {"field": "lifecycle", "headerName": tr("cameras.lifecycle"), "width": 130},
            {"field": "health", "headerName": tr("cameras.health"), "width": 120, "cellClass": "health-cell"},
            {"field": "faults", "headerName": tr("cameras.fault"), "flex": 1, "minWidth": 160},
            {"field": "maintainer", "headerName": tr("camera.maintainer"), "minWidth": 160},
        ]
        grid = (
            ui.aggrid(
                {
                    "columnDefs": columns,
                    "rowData": [],
                    "defaultColDef": {"sortable": True, "resizable": True},
                    "rowSelection": {"mode": "singleRow", "checkboxes": False},
                },
                auto_size_columns=False,
            )
            .classes("w-full grid-box")
            .props("data-testid=camera-grid")
        )

        def refresh() -> None:
            filters = CameraFilter(
                district=selects["district"].value,
                vendor=selects["vendor"].value,
                lifecycle=selects["lifecycle"].value,
                health=selects["health"].value,
                search=search.value or None,
            )
            rows = _data.camera_rows(db, page.scope, filters, fault=selects["fault"].value)
            grid.options["rowData"] = [
                {
                    "code": r["code"],
                    "name": r["name"],
                    "district": r["district"],
                    "vendor": tr.maybe("vendor", r["vendor"]),
                    "lifecycle": tr.maybe("lifecycle", r["lifecycle"]),
                    "health": tr.maybe("health", r["health"]),
                    "faults": fault_names(tr, r["codes"], r["cause"]),
                    "maintainer": r["maintainer"],
                }
                for r in rows
            ]
            grid.update()
            count.set_text(tr("cameras.count", n=tr.number(len(rows))))
            count.props(f"data-count={len(rows)}")

        for select in selects.values():
            select.on_value_change(refresh)
        search.on("keydown.enter", refresh)
        search.on("clear", refresh)
        search.on("blur", refresh)
        grid.on("cellClicked", lambda e: ui.navigate.to(f"/cameras/{e.args['data']['code']}"))
        refresh()


def _details(page: Page, detail: dict[str, Any]) -> None:
    tr = page.tr
    fields = [
        ("camera.name", detail["name"]),
        ("cameras.district", detail["district"]),
        ("camera.address", detail["address"]),
        ("cameras.vendor", tr.maybe("vendor", detail["vendor"])),
        ("camera.model", detail["model"]),
        ("camera.kind", tr.maybe("kind", detail["kind"])),
        ("cameras.lifecycle", tr.maybe("lifecycle", detail["lifecycle"])),
        ("camera.maintainer", detail["maintainer"]),
        ("camera.owner", detail["owner"]),
        ("camera.network_node", detail.get("network_node")),
        # The monitor's default is TCP; a camera registered for UDP is probed over UDP.
        ("camera.rtsp_transport", (detail.get("rtsp_transport") or "tcp").upper()),
        ("camera.position", f"{tr.number(detail['latitude'], 5)}, {tr.number(detail['longitude'], 5)}"),
        (
            "camera.heading",
            tr.number(detail["heading_deg"]) + "°" if detail["heading_deg"] is not None else None,
        ),
        ("camera.hfov", tr.number(detail["hfov_deg"]) + "°" if detail["hfov_deg"] is not None else None),
        ("camera.resolution", detail["resolution"]),
        ("camera.installed_on", tr.day(detail["installed_on"])),
        ("camera.health_since", tr.datetime(detail["health_since"])),
        ("camera.last_probe", tr.datetime(detail["last_probe_at"])),
    ]
    with (
        ui.card().classes("w-full").props("flat bordered data-testid=camera-details"),
        ui.grid().classes("detail-grid w-full gap-x-4 gap-y-1"),
    ):
        for key, value in fields:
            ui.label(tr(key)).classes("text-caption text-grey-8")
            ui.label(str(value) if value not in (None, "") else "—")


def _pictures(page: Page, detail: dict[str, Any]) -> None:
    tr = page.tr
    stamp = int(time.time())
    with ui.element("div").classes("two-columns w-full"):
        for which, key, present in (
            ("latest", "camera.latest_snapshot", detail["has_snapshot"]),
            ("reference", "camera.reference", detail["has_reference"]),
        ):
            with ui.card().classes("w-full").props(f"flat bordered data-testid=picture-{which}"):
                ui.label(tr(key)).classes("text-subtitle2")
                if present:
                    ui.image(f"/console/snapshot/{detail['id']}/{which}.jpg?t={stamp}").classes(
                        "w-full rounded"
                    ).props("no-transition no-spinner")
                else:
                    ui.label(tr("camera.no_snapshot")).classes("text-grey-7")


def _findings(page: Page, detail: dict[str, Any]) -> None:
    tr = page.tr
    monitored = detail["lifecycle"] == Lifecycle.CONNECTED
    with ui.card().classes("w-full").props("flat bordered data-testid=findings"):
        ui.label(tr("camera.findings" if monitored else "camera.last_findings")).classes("text-subtitle2")
        if not monitored:
            # Kept as the last evidence (monitor/unmonitored.py), never to be read as the camera's state now.
            state_now = tr.maybe("lifecycle", detail["lifecycle"])
            ui.label(tr("camera.not_monitored", lifecycle=state_now)).classes("text-grey-8").props(
                "data-testid=not-monitored"
            )
        cause = probe_cause(tr, detail["findings"])
        if cause:
            ui.label(cause).classes("text-negative text-weight-medium").props("data-testid=probe-cause")
        if detail["error"]:
            # The probe's sentence is FFmpeg's and the camera's, in English: framed as such, in the language.
            ui.label(tr("camera.probe_said", message=detail["error"])).classes("text-negative").props(
                "data-testid=probe-error"
            )
        if not detail["findings"]:
            ui.label(tr("camera.no_findings")).classes("text-grey-7")
        for finding in detail["findings"]:
            shown = {
                k: v
                for k, v in (finding.get("detail") or {}).items()
                # said above already: the probe's message, and its cause in the reader's words
                if not (k == "message" and v == detail["error"]) and not (k == "cause" and cause)
            }
            measurements = ", ".join(
                f"{tr.maybe('metric', k)} = {tr.number(v, 3) if isinstance(v, int | float) else v}"
                for k, v in shown.items()
            )
            with ui.row().classes("items-center gap-2 w-full"):
                ui.badge(
                    tr.maybe("severity", finding.get("severity")),
                    color="red-8" if finding.get("severity") == "critical" else "amber-8",
                )
                ui.label(tr.maybe("fault", finding.get("code"))).classes("text-weight-medium")
                ui.label(tr("camera.score", score=tr.number(finding.get("score", 0), 2))).classes(
                    "text-caption"
                )
                if finding.get("held"):
                    # Measured, but a fault rule keeps it from alarming: say so, never hide it.
                    ui.badge(tr.maybe("rules.held", finding["held"]), color="grey-6").props(
                        f"outline data-testid=held-{finding.get('code')}"
                    )
                since = _moment(finding.get("since"))
                if since is not None:
                    ui.label(tr("camera.finding_since", at=tr.datetime(since))).classes("text-caption").props(
                        f"data-testid=since-{finding.get('code')}"
                    )
                if measurements:
                    ui.label(tr("camera.measurements", values=measurements)).classes(
                        "text-caption text-grey-8"
                    )


def _moment(text: object) -> datetime | None:
    """A stored ISO time, or None when there is none (findings stored before it was kept) or it is not one."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


# The measurements a duty officer can read over a week, in this order (the probe keeps some forty, most of
# them the inner workings of one check); brightness alone is drawn at first.
HISTORY_METRICS = (
    "luma_mean",
    "sharpness",
    "contrast_range",
    "noise_sigma",
    "saturation",
    "frame_change_mean",
    "scene_ncc",
    "occluded_fraction",
    "blockiness",
)
HISTORY_SHOWN = frozenset({"luma_mean"})


def _history(page: Page, camera_id: int) -> None:
    tr = page.tr
    records = _data.probe_history(state().db, camera_id, _data.now_utc() - timedelta(days=7))
    with ui.card().classes("w-full").props("flat bordered data-testid=history"):
        ui.label(tr("camera.history")).classes("text-subtitle2")
        if not records:
            ui.label(tr("camera.no_history")).classes("text-grey-7")
            return
        measured = {k for r in records for k, v in r["metrics"].items() if isinstance(v, int | float)}
        names = [name for name in HISTORY_METRICS if name in measured]
        level = {"ok": 2, "degraded": 1, "failed": 0}
        levels = [tr.maybe("health", h) for h in ("failed", "degraded", "ok")]
        series: list[dict[str, Any]] = [
            {
                "name": tr("cameras.health"),
                "type": "line",
                "step": "end",
                "yAxisIndex": 1,
                "data": [[tr.chart_time(r["at"]), level.get(r["observed"])] for r in records],
            }
        ]
        series += [
            {
                "name": tr.maybe("metric", name),
                "type": "line",
                "showSymbol": False,
                "data": [[tr.chart_time(r["at"]), r["metrics"].get(name)] for r in records],
            }
            for name in names
        ]
        ui.echart(
            {
                "animation": False,
                "legend": {
                    "type": "scroll",
                    "top": 0,
                    # Brightness runs to 255 and the ratios to 1: one scale at a time reads (the axis fits
                    # what is drawn), so brightness first and the rest a click away.
                    "selected": {tr.maybe("metric", name): name in HISTORY_SHOWN for name in names},
                },
                "tooltip": {"trigger": "axis"},
                "grid": {"left": 48, "right": 48, "top": 36, "bottom": 28},
                "xAxis": {"type": "time"},
                "yAxis": [
                    {"type": "value", "scale": True},
                    {
                        "type": "value",
                        "min": 0,
                        "max": 2,
                        "interval": 1,
                        "position": "right",
                        "axisLabel": {":formatter": f"v => {json.dumps(levels)}[v] || ''"},
                    },
                ],
                "series": series,
            }
        ).classes("w-full h-64")


def _actions(page: Page, detail: dict[str, Any], on_reference: Callable[[], object]) -> None:
    tr = page.tr
    db = state().db
    code = detail["code"]

    async def retake() -> None:
        try:
            path = await run.io_bound(_retake, detail["id"])
        except QarauylError as exc:
            notify_error(tr, exc)
            return
        if path is None:
            ui.notify(tr("camera.no_snapshot"), type="warning")
            return
        _auth.record_audit(
            db, page.person, "cameras.retake_reference", f"camera:{code}", None, {"reference": path}
        )
        ui.notify(tr("camera.reference_taken"), type="positive")
        on_reference()

    def change_lifecycle(value: str) -> None:
        try:
            _data.set_lifecycle(
                db,
                code,
                value,
                page.scope,
                _auth.Auditor(page.person, "cameras.lifecycle", f"camera:{code}"),
                actor=page.person.name if page.person else None,
            )
        except QarauylError as exc:
            notify_error(tr, exc)
            return
        ui.notify(tr("camera.saved"), type="positive")
        ui.navigate.reload()

    with ui.row().classes("gap-2 items-center").props("data-testid=camera-actions"):
        if page.can("cameras.retake_reference"):
            ui.button(tr("camera.retake_reference"), icon="photo_camera", on_click=retake).props(
                "outline data-testid=retake-reference"
            ).set_enabled(detail["has_snapshot"])
        if page.can("cameras.lifecycle"):
            ui.select(
                {lc.value: tr.maybe("lifecycle", lc.value) for lc in Lifecycle},
                label=tr("camera.change_lifecycle"),
                value=detail["lifecycle"],
                on_change=lambda e: change_lifecycle(e.value),
            ).props("dense outlined data-testid=change-lifecycle").classes("min-w-44")
        if page.can("cameras.write"):
            ui.button(tr("camera.edit"), icon="edit", on_click=lambda: _edit_dialog(page, detail)).props(
                "outline data-testid=edit-camera"
            )
        if page.can("events.ack"):  # the roles that work repairs
            ui.button(tr("camera.report"), icon="build", on_click=lambda: _report_dialog(page, detail)).props(
                "outline data-testid=report-fault"
            )


def _report_dialog(page: Page, detail: dict[str, Any]) -> None:
    """A person opens a repair ticket by hand (or adds their note to the camera's open one)."""
    from qarauyl.maintenance.config import PRIORITIES, load_config
    from qarauyl.maintenance.tickets import open_ticket

    tr = page.tr
    with ui.dialog() as dialog, ui.card().classes("w-96 max-w-full"):
        ui.label(tr("camera.report")).classes("text-subtitle1")
        priority = ui.select(
            {p: tr.maybe("priority", p) for p in PRIORITIES}, label=tr("camera.priority"), value="normal"
        ).props("dense data-testid=report-priority")
        note = ui.textarea(tr("camera.report_note")).props("dense data-testid=report-note").classes("w-full")

        def save() -> None:
            try:
                ticket = open_ticket(
                    state().db,
                    detail["code"],
                    now=_data.now_utc(),
                    config=load_config(),
                    priority=priority.value,
                    note=(note.value or "").strip(),
                    actor=page.person,
                )
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            dialog.close()
            ui.notify(tr("camera.reported", id=ticket.id), type="positive")

        with ui.row().classes("justify-end w-full"):
            ui.button(tr("common.cancel"), on_click=dialog.close).props("flat")
            ui.button(tr("camera.report_send"), on_click=save).props("data-testid=report-save")
    dialog.open()


def _retake(camera_id: int) -> str | None:
    from qarauyl.monitor.recording import retake_reference

    return retake_reference(state().db, state().snapshots, camera_id, _data.now_utc())


def _edit_dialog(page: Page, detail: dict[str, Any]) -> None:
    tr = page.tr
    with ui.dialog() as dialog, ui.card().classes("w-96 max-w-full"):
        ui.label(tr("camera.edit")).classes("text-subtitle1")
        name = ui.input(tr("camera.name"), value=detail["name"]).props("data-testid=edit-name")
        address = ui.input(tr("camera.address"), value=detail["address"] or "")
        model = ui.input(tr("camera.model"), value=detail["model"] or "")
        heading = ui.number(tr("camera.heading"), value=detail["heading_deg"], min=0, max=360)
        hfov = ui.number(tr("camera.hfov"), value=detail["hfov_deg"], min=1, max=360)
        # The optics the coverage planner uses (mast height, lens); empty means "not known".
        optics = {
            key: ui.number(tr(f"camera.{key}"), value=detail.get(key)).props(f"data-testid=edit-{key}")
            for key in ("mount_height_m", "focal_mm", "sensor_width_mm")
        }

        def save() -> None:
            changes = {
                "name": name.value.strip(),
                "address": address.value.strip() or None,
                "model": model.value.strip() or None,
                "heading_deg": float(heading.value) if heading.value is not None else None,
                "hfov_deg": float(hfov.value) if hfov.value is not None else None,
                **{k: float(v.value) if v.value is not None else None for k, v in optics.items()},
            }
            try:
                _data.edit_camera(
                    state().db,
                    detail["code"],
                    changes,
                    page.scope,
                    _auth.Auditor(page.person, "cameras.update", f"camera:{detail['code']}"),
                )
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            dialog.close()
            ui.navigate.reload()

        with ui.row().classes("justify-end w-full"):
            ui.button(tr("common.cancel"), on_click=dialog.close).props("flat")
            ui.button(tr("common.save"), on_click=save).props("data-testid=edit-save")
    dialog.open()


@ui.page("/cameras/{code}")
def camera_page(code: str) -> None:
    with frame("nav.camera", "/cameras") as page:
        if page is None:
            return
        tr = page.tr
        try:
            detail = _data.camera_detail(state().db, code, page.scope)
        except NotFoundError:
            ui.label(tr("camera.not_found", code=code)).classes("text-h6").props("data-testid=not-found")
            return
        with ui.row().classes("items-center gap-3 w-full"):
            ui.label(detail["code"]).classes("text-h5").props("data-testid=camera-code")
            health_badge(tr, detail["health"]).classes("text-body2")
            ticket_link(page, detail["ticket"])
            ui.space()
            _actions(page, detail, lambda: pictures.refresh())

        @ui.refreshable
        def pictures() -> None:
            _pictures(page, _data.camera_detail(state().db, code, page.scope))

        pictures()
        _findings(page, detail)
        rules_panel(page, detail["code"])
        _details(page, detail)
        _history(page, detail["id"])
        with ui.card().classes("w-full").props("flat bordered data-testid=camera-events"):
            ui.label(tr("nav.events")).classes("text-subtitle2")
            rows = _data.events(state().db, page.scope, _data.EventFilter(camera_code=code), limit=20)
            if not rows:
                ui.label(tr("events.none")).classes("text-grey-7")
            for event in rows:
                event_line(page, event)
