"""Console page for coverage planning: where the next cameras must go.

    /planning   the demand layers and the existing cameras on a map; planners add or remove layers,
                pick a budget and whether broken cameras count, and run the plan in a background
                thread (a spinner says which stage it is in); then the recommended cameras and their
                view wedges, coverage / bound / gap, the coverage curve, the repair priorities and
                GeoJSON / CSV / KML downloads

Everyone with `planning.read` sees the page and the installation's latest plan; adding layers and
running plans need `planning.run`, checked again by `_planning` whatever the page shows. Texts: the
`planning.*` keys of the catalogues. Registered when `qarauyl.web.mount` imports this module.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, Response
from nicegui import app, events, run, ui

from qarauyl.accounts import Principal
from qarauyl.i18n import Translator
from qarauyl.planning import plan_csv, plan_kml
from qarauyl.web import _auth
from qarauyl.web import _planning as work
from qarauyl.web._shell import Page, frame, person_from_route, state

log = logging.getLogger(__name__)
KIND_KEYS = ("area", "points", "incidents", "roads", "buildings", "cameras", "candidates")


def _reader(request: Request) -> Principal:
    person = person_from_route(request)
    if person is None or not _auth.permitted(person, work.READ_ACTION):
        raise HTTPException(status_code=403, detail="Sign in to the console first.")
    return person


def _layer_set() -> work.LayerSet:
    return work.read_set(work.ensure_layers(state().settings.data_dir))


@app.get("/console/planning/layers.json", include_in_schema=False)
def layers_data(request: Request) -> Response:
    _reader(request)
    try:
        text = work.layers_geojson(_layer_set())
    except work.PlanningError:
        text = '{"type": "FeatureCollection", "features": []}'
    return Response(text, media_type="application/json", headers={"Cache-Control": "private, no-store"})


@app.get("/console/planning/existing.json", include_in_schema=False)
def existing_data(request: Request) -> JSONResponse:
    _reader(request)
    try:
        layer_set = _layer_set()
    except work.PlanningError:
        return JSONResponse(work.existing_points([], None))
    cameras = work.existing_cameras(state().db, layer_set)
    return JSONResponse(
        work.existing_points(cameras, work.bounds(layer_set)), headers={"Cache-Control": "private, no-store"}
    )


def message(tr: Translator, exc: Exception) -> str:
    if isinstance(exc, work.PlanningError):
        return tr(exc.key, **exc.values)
    return tr.error(exc)


def _stat(label: str, text: str, test_id: str, value: float | None = None) -> None:
    with ui.column().classes("gap-0"):
        shown = ui.label(text).classes("text-h6").props(f"data-testid={test_id}")
        if value is not None:
            shown.props(f'data-value="{value!r}"')
        ui.label(label).classes("text-caption text-grey-8")


def _curve_options(tr: Translator, outcome: work.PlanOutcome | None) -> dict[str, Any]:
    points = outcome.curve if outcome else []
    total = outcome.result.total_weight if outcome and outcome.result.total_weight > 0 else 1.0
    marker: list[dict[str, Any]] = (
        [{"xAxis": str(outcome.budget), "label": {"formatter": str(outcome.budget)}}] if outcome else []
    )
    return {
        "animation": False,
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 32},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [tr("planning.curve_covered"), tr("planning.curve_bound")], "top": 0},
        "xAxis": {"type": "category", "name": "", "data": [str(p.cameras) for p in points]},
        "yAxis": {"type": "value", "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {
                "name": tr("planning.curve_covered"),
                "type": "line",
                "showSymbol": False,
                "data": [round(100 * p.coverage, 3) for p in points],
                "markLine": {"symbol": "none", "data": marker, "lineStyle": {"color": "#d81b60"}},
            },
            {
                "name": tr("planning.curve_bound"),
                "type": "line",
                "showSymbol": False,
                "lineStyle": {"type": "dashed"},
                "data": [round(100 * min(p.upper_bound_weight / total, 1.0), 3) for p in points],
            },
        ],
    }


@ui.page("/planning")
async def planning_page() -> None:
    with frame("nav.planning", "/planning") as page:
        if page is None:
            return
        if not page.can(work.READ_ACTION):  # engineers: a contractor does not plan the city's coverage
            ui.label(page.tr("error.forbidden")).classes("text-negative").props("data-testid=forbidden")
            return
        await _build(page)


async def _build(page: Page) -> None:
    tr = page.tr
    data_dir = state().settings.data_dir
    may_run = page.can(work.RUN_ACTION)
    ui.add_head_html('<script src="/console-static/qplan.js"></script>')
    error_box = ui.label("").classes("text-negative").props("data-testid=plan-error")
    error_box.set_visibility(False)

    def show_error(exc: Exception) -> None:
        error_box.text = message(tr, exc)
        error_box.set_visibility(True)
        ui.notify(error_box.text, type="negative", multi_line=True)

    with ui.element("div").classes("plan-grid w-full"):
        with ui.column().classes("gap-3 min-w-0"):
            layers_card = ui.card().classes("w-full").props("flat bordered data-testid=plan-layers")
            with ui.card().classes("w-full").props("flat bordered"):
                budget = ui.slider(min=1, max=work.MAX_BUDGET, step=1, value=10).props(
                    "label data-testid=plan-budget"
                )
                with ui.row().classes("items-center gap-2 w-full no-wrap"):
                    budget_label = (
                        ui.label().classes("text-body2 grow").props("data-testid=plan-budget-label")
                    )
                    budget_label.bind_text_from(
                        budget, "value", lambda v: tr("planning.budget", n=int(v or 1))
                    )
                    # Typing a number is quicker than dragging on a phone, and exact.
                    budget_input = ui.number(value=10, min=1, max=work.MAX_BUDGET, step=1, precision=0)
                    label = tr("planning.budget", n="").rstrip(": ")
                    budget_input.props(f'dense outlined aria-label="{label}" data-testid=plan-budget-input')
                    budget_input.classes("w-20")
                    budget_input.bind_value(
                        budget, forward=lambda v: int(min(max(v or 1, 1), work.MAX_BUDGET))
                    )
                ui.label(tr("planning.existing")).classes("text-caption text-grey-8")
                existing = ui.toggle(
                    {"working": tr("planning.existing_working"), "all": tr("planning.existing_all")},
                    value="working",
                ).props("dense no-caps data-testid=plan-existing")
                with ui.row().classes("items-center gap-2 w-full"):
                    run_button = ui.button(tr("planning.run"), icon="play_arrow").props(
                        "data-testid=plan-run"
                    )
                    spinner = ui.spinner(size="md").props("data-testid=plan-spinner")
                    spinner.set_visibility(False)
                progress_label = ui.label("").classes("text-caption").props("data-testid=plan-progress")
                if not may_run:
                    run_button.set_visibility(False)
                    budget.disable()
                    budget_input.disable()
                    existing.disable()
                    ui.label(tr("planning.read_only")).classes("text-caption text-grey-8").props(
                        "data-testid=plan-read-only"
                    )
            results = ui.column().classes("w-full gap-2").props("data-testid=plan-results")
        with ui.column().classes("gap-3 min-w-0"):
            leaflet = (
                ui.leaflet(center=(43.293, 68.27), zoom=13, options={"zoomSnap": 1, "preferCanvas": True})
                .classes("w-full plan-map")
                .props("data-testid=plan-map")
            )
            leaflet.clear_layers()
            tiles = state().settings.map_tile_url
            if tiles:
                leaflet.tile_layer(url_template=tiles, options={"maxZoom": 19})
            with ui.row().classes("items-center gap-3"):
                for colour, key in (
                    ("#d81b60", "planning.legend_new"),
                    ("#2e7d32", "planning.legend_working"),
                    ("#c62828", "planning.legend_broken"),
                ):
                    with ui.row().classes("items-center gap-1"):
                        ui.element("span").classes("legend-dot").style(f"background:{colour}")
                        ui.label(tr(key)).classes("text-caption")
            ui.label(tr("planning.curve")).classes("text-subtitle1")
            chart = ui.echart(_curve_options(tr, None)).classes("w-full").style("height: 260px")
            chart.props("data-testid=plan-curve")
            repairs_box = ui.column().classes("w-full gap-1").props("data-testid=plan-repairs")

    async def redraw_map() -> None:
        await ui.run_javascript(
            "return await window.qarauylPlan.load('/console/planning/layers.json', "
            "'/console/planning/existing.json')",
            timeout=60,
        )

    def draw_layers() -> None:
        layers_card.clear()
        with layers_card:
            ui.label(tr("planning.layers")).classes("text-subtitle1")
            try:
                layer_set = _layer_set()
            except work.PlanningError as exc:
                ui.label(message(tr, exc)).classes("text-negative").props("data-testid=plan-layer-error")
                layer_set = None
            infos = layer_set.infos if layer_set else []
            if not infos:
                ui.label(tr("planning.no_layers")).classes("text-grey-8")
            for info in infos:
                with (
                    ui.row()
                    .classes("items-center gap-2 w-full no-wrap")
                    .props(f'data-testid=plan-layer data-file="{info.file}"')
                ):
                    ui.icon("layers" if info.kind not in ("cameras", "candidates") else "place").classes(
                        "text-grey-7"
                    )
                    with ui.column().classes("gap-0 min-w-0"):
                        ui.label(info.name).classes("text-body2 ellipsis")
                        kind = tr(f"planning.kind.{info.kind}") if info.kind in KIND_KEYS else info.kind
                        ui.label(f"{kind} · {tr('planning.features', n=tr.number(info.features))}").classes(
                            "text-caption text-grey-8"
                        )
                    ui.space()
                    if may_run:
                        ui.button(icon="delete", on_click=lambda f=info.file: confirm_remove(f)).props(
                            f'flat round dense aria-label="{tr("planning.remove")}" data-testid=plan-remove'
                        )
            if may_run:
                ui.upload(
                    label=tr("planning.upload"),
                    on_upload=upload,
                    on_rejected=lambda: show_error(
                        work.PlanningError("planning.error.rejected", mb=work.MAX_UPLOAD_BYTES // 1_000_000)
                    ),
                    auto_upload=True,
                    max_file_size=work.MAX_UPLOAD_BYTES,
                ).props('accept=".geojson,.json,.csv" flat bordered dense data-testid=plan-upload').classes(
                    "w-full"
                )
                ui.label(tr("planning.layers_hint")).classes("text-caption text-grey-8")
                ui.button(tr("planning.demo"), icon="restore", on_click=restore).props(
                    "flat dense no-caps data-testid=plan-demo"
                )

    async def upload(event: events.UploadEventArguments) -> None:
        try:
            data = await event.file.read()
            info = work.upload_layer(page.person, data_dir, event.file.name, data)
        except work.PlanningError as exc:
            show_error(exc)
            return
        error_box.set_visibility(False)
        ui.notify(tr("planning.uploaded", name=info.file, n=tr.number(info.features)), type="positive")
        draw_layers()
        await redraw_map()

    # One dialog for the page, outside the layer list that a removal redraws.
    pending: list[str] = []
    with ui.dialog() as dialog, ui.card().classes("w-96 max-w-full").props("data-testid=plan-confirm"):
        question = ui.label("")
        with ui.row().classes("justify-end w-full"):
            ui.button(tr("planning.cancel"), on_click=dialog.close).props("flat")

            async def confirmed() -> None:
                dialog.close()
                if pending:
                    await remove(pending.pop())

            ui.button(tr("planning.remove"), on_click=confirmed).props(
                "color=negative data-testid=plan-confirm-yes"
            )

    def confirm_remove(file: str) -> None:
        pending[:] = [file]
        question.text = tr("planning.remove_confirm", name=file)
        dialog.open()

    async def remove(file: str) -> None:
        try:
            work.remove_layer(page.person, data_dir, file)
        except work.PlanningError as exc:
            show_error(exc)
            return
        ui.notify(tr("planning.removed", name=file))
        draw_layers()
        await redraw_map()

    async def restore() -> None:
        try:
            work.restore_demo(page.person, data_dir)
        except work.PlanningError as exc:
            show_error(exc)
            return
        ui.notify(tr("planning.demo_restored"))
        draw_layers()
        await redraw_map()

    def show(outcome: work.PlanOutcome) -> None:
        result = outcome.result
        results.clear()
        with results:
            with ui.row().classes("gap-6"):
                _stat(
                    tr("planning.coverage"), tr.percent(result.coverage, 1), "plan-coverage", result.coverage
                )
                _stat(
                    tr("planning.baseline"),
                    tr.percent(result.baseline_weight / result.total_weight, 1)
                    if result.total_weight > 0
                    else "—",
                    "plan-baseline",
                )
                _stat(
                    tr("planning.bound"), tr.percent(result.upper_bound, 1), "plan-bound", result.upper_bound
                )
                _stat(
                    tr("planning.gap"),
                    tr("planning.proven") if result.gap <= 1e-6 else tr.percent(result.gap, 1),
                    "plan-gap",
                    result.gap,
                )
            ui.label(
                tr(
                    "planning.done",
                    n=len(result.recommendations),
                    seconds=tr.number(outcome.seconds, 1),
                )
            ).classes("text-caption text-grey-8").props("data-testid=plan-done")
            ui.label(tr("planning.recommended")).classes("text-subtitle1")
            ui.table(
                columns=[
                    {"name": "rank", "label": tr("planning.col_rank"), "field": "rank", "align": "left"},
                    {"name": "site", "label": tr("planning.col_site"), "field": "site", "align": "left"},
                    {"name": "model", "label": tr("planning.col_model"), "field": "model", "align": "left"},
                    {"name": "heading", "label": tr("planning.col_heading"), "field": "heading"},
                    {"name": "gain", "label": tr("planning.col_gain"), "field": "gain"},
                ],
                rows=[
                    {
                        "rank": r.rank,
                        "site": f"{r.latitude:.5f}, {r.longitude:.5f}",
                        "model": r.model,
                        "heading": f"{tr.number(r.heading_deg)}°",
                        "gain": tr.percent(r.marginal_share, 2),
                    }
                    for r in result.recommendations
                ],
                row_key="rank",
            ).props("dense flat data-testid=plan-table").classes("w-full")
            with ui.row().classes("gap-2"):
                stem = f"qarauyl-plan-{outcome.budget}"
                ui.button(
                    tr("planning.export_geojson"),
                    icon="download",
                    on_click=lambda: ui.download.content(
                        _geojson_text(outcome), f"{stem}.geojson", "application/geo+json"
                    ),
                ).props("dense outline no-caps data-testid=plan-export-geojson")
                ui.button(
                    tr("planning.export_csv"),
                    icon="download",
                    on_click=lambda: ui.download.content(plan_csv(result), f"{stem}.csv", "text/csv"),
                ).props("dense outline no-caps data-testid=plan-export-csv")
                ui.button(
                    tr("planning.export_kml"),
                    icon="download",
                    on_click=lambda: ui.download.content(
                        plan_kml(result), f"{stem}.kml", "application/vnd.google-earth.kml+xml"
                    ),
                ).props("dense outline no-caps data-testid=plan-export-kml")
        chart.options.clear()
        chart.options.update(_curve_options(tr, outcome))
        chart.update()
        repairs_box.clear()
        with repairs_box:
            ui.label(tr("planning.repairs")).classes("text-subtitle1")
            # Broken cameras that see none of this demand (elsewhere in the region) are counted, not listed.
            useful = [item for item in outcome.repairs if item.lost_weight > 0 or item.marginal_in_order > 0]
            if not useful:
                ui.label(tr("planning.repairs_empty")).classes("text-grey-8")
            else:
                ui.table(
                    columns=[
                        {"name": "rank", "label": tr("planning.col_rank"), "field": "rank", "align": "left"},
                        {
                            "name": "code",
                            "label": tr("planning.col_camera"),
                            "field": "code",
                            "align": "left",
                        },
                        {"name": "lost", "label": tr("planning.col_lost"), "field": "lost"},
                        {"name": "after", "label": tr("planning.col_after"), "field": "after"},
                    ],
                    rows=[
                        {
                            "rank": item.rank,
                            "code": item.code,
                            "lost": tr.percent(item.lost_share, 2),
                            "after": tr.percent(
                                item.marginal_in_order / result.total_weight if result.total_weight else 0.0,
                                2,
                            ),
                        }
                        for item in useful
                    ],
                    row_key="code",
                ).props("dense flat data-testid=plan-repair-table").classes("w-full")
            if len(outcome.repairs) > len(useful):
                ui.label(tr("planning.repairs_rest", n=len(outcome.repairs) - len(useful))).classes(
                    "text-caption text-grey-8"
                )

    progress = work.Progress()

    def tick() -> None:
        values = {"done": tr.number(progress.done), "total": tr.number(progress.total)}
        progress_label.text = tr(progress.stage, **values) if progress.total else tr(progress.stage)

    timer = ui.timer(0.3, tick, active=False)

    async def start() -> None:
        nonlocal progress
        progress = work.Progress()
        run_button.disable()
        spinner.set_visibility(True)
        error_box.set_visibility(False)
        timer.activate()
        tick()
        outcome: work.PlanOutcome | None = None
        try:
            outcome = await run.io_bound(
                work.run_plan,
                page.person,
                data_dir,
                state().db,
                int(budget.value),
                str(existing.value),
                progress,
            )
        except work.PlanningError as exc:
            show_error(exc)
        except Exception as exc:  # the person gets a sentence; the log gets the trace
            log.exception("planning run failed")
            show_error(exc)
        finally:
            timer.deactivate()
            spinner.set_visibility(False)
            run_button.enable()
            progress_label.text = ""
        if outcome is None:
            return
        show(outcome)
        await ui.run_javascript(f"return window.qarauylPlan.showPlan({_geojson_text(outcome)})", timeout=30)

    run_button.on_click(start)
    draw_layers()
    await ui.context.client.connected()
    await leaflet.initialized()
    await ui.run_javascript(
        f"return await window.qarauylPlan.attach(getElement({leaflet.id}).map, "
        "'/console/planning/layers.json', '/console/planning/existing.json')",
        timeout=60,
    )
    try:
        last = work.last_outcome(_layer_set())
    except work.PlanningError:
        last = None
    if last is not None:
        budget.value = last.budget
        existing.value = last.existing
        show(last)
        await ui.run_javascript(f"return window.qarauylPlan.showPlan({_geojson_text(last)})", timeout=30)


def _geojson_text(outcome: work.PlanOutcome) -> str:
    import json

    return json.dumps(outcome.geojson, ensure_ascii=False)
