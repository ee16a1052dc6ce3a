"""The map: every camera coloured by health on one canvas (static/qmap.js), a card on click."""

from __future__ import annotations

import time
from typing import Any

from nicegui import ui

from qarauyl.domain import Lifecycle
from qarauyl.errors import NotFoundError
from qarauyl.web import _data
from qarauyl.web._reasons import probe_cause
from qarauyl.web._shell import frame, health_badge, state, ticket_link

LEGEND = (("ok", "#2e7d32"), ("degraded", "#f9a825"), ("failed", "#c62828"), ("unknown", "#9e9e9e"))


@ui.page("/map")
async def map_page() -> None:
    with frame("nav.map", "/map") as page:
        if page is None:
            return
        tr = page.tr
        settings = state().settings
        ui.add_head_html('<script src="/console-static/qmap.js"></script>')
        centre = _data.map_centre(state().db, page.scope)
        with ui.row().classes("w-full items-center gap-2"):
            search = ui.input(tr("map.find")).props("dense clearable data-testid=map-find").classes("w-56")
            ui.button(icon="search", on_click=lambda: find()).props(
                "flat round dense data-testid=map-find-go"
            )
            ui.space()
            for health, colour in LEGEND:
                with ui.row().classes("items-center gap-1"):
                    ui.element("span").classes("legend-dot").style(f"background:{colour}")
                    ui.label(tr.maybe("health", health)).classes("text-caption")
        # Without tiles (air-gapped, or no URL configured) the cameras and outlines sit on a plain background.
        leaflet = (
            ui.leaflet(center=centre, zoom=11, options={"zoomSnap": 1, "preferCanvas": True})
            .classes("w-full map-box")
            .props("data-testid=map")
        )
        leaflet.clear_layers()
        if settings.map_tile_url:
            leaflet.tile_layer(url_template=settings.map_tile_url, options={"maxZoom": 19})
        card_slot = ui.column().classes("map-card")

        async def find() -> None:
            code = (search.value or "").strip()
            if not code:
                return
            found = await ui.run_javascript(f"window.qarauylMap.focus({code!r})", timeout=5)
            if not found:
                ui.notify(tr("map.not_found", code=code), type="warning")
                return
            show(code)

        search.on("keydown.enter", find)

        def show(code: str) -> None:
            card_slot.clear()
            try:
                detail = _data.camera_detail(state().db, code, page.scope)
            except NotFoundError:
                return
            with card_slot, ui.card().classes("w-80 max-w-full").props("data-testid=camera-card"):
                with ui.row().classes("items-center w-full no-wrap"):
                    ui.label(detail["code"]).classes("text-subtitle1 text-weight-medium")
                    health_badge(tr, detail["health"])
                    ui.space()
                    ui.button(icon="close", on_click=card_slot.clear).props("flat round dense")
                ui.label(detail["name"]).classes("text-caption")
                if detail["codes"]:
                    ui.label(", ".join(tr.maybe("fault", c) for c in detail["codes"])).classes(
                        "text-negative"
                    )
                cause = probe_cause(tr, detail["findings"])
                if cause and detail["lifecycle"] == Lifecycle.CONNECTED:  # why it is failing now
                    ui.label(cause).classes("text-caption").props("data-testid=card-cause")
                if detail["has_snapshot"]:
                    ui.image(f"/console/snapshot/{detail['id']}/latest.jpg?t={int(time.time())}").classes(
                        "w-full rounded"
                    ).props("data-testid=card-snapshot no-transition no-spinner")
                else:
                    ui.label(tr("camera.no_snapshot")).classes("text-grey-7")
                ticket_link(page, detail["ticket"])
                ui.link(tr("map.open_camera"), f"/cameras/{detail['code']}").props("data-testid=card-open")

        def clicked(event: Any) -> None:
            show(str(event.args["code"]))

        ui.on("qarauyl_camera", clicked)
        await ui.context.client.connected()
        await leaflet.initialized()
        await ui.run_javascript(
            f"return await window.qarauylMap.attach(getElement({leaflet.id}).map, "
            "'/console/data/map.json', '/console/data/outlines.json')",
            timeout=60,
        )
