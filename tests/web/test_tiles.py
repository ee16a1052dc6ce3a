"""A configured tile URL is used by the map (here a tile server on the loopback), and nothing else is
fetched: the same console without `map_tile_url` asks for no tiles at all (see test_console)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from console_harness import CHROMIUM, CHROMIUM_ARGS, seed, serve, sign_in


def _tile() -> bytes:
    import cv2
    import numpy as np

    ok, data = cv2.imencode(".png", np.full((256, 256, 3), 235, np.uint8))
    assert ok
    return bytes(data.tobytes())


@pytest.fixture
def tile_server() -> Iterator[tuple[str, list[str]]]:
    requested: list[str] = []
    tile = _tile()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tiles/{{z}}/{{x}}/{{y}}.png", requested
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_the_map_draws_tiles_from_the_configured_url(
    tmp_path: Path, tile_server: tuple[str, list[str]]
) -> None:
    from playwright.sync_api import sync_playwright

    template, requested = tile_server
    installation = seed(tmp_path, f"sqlite:///{tmp_path / 'qarauyl.db'}", cameras=200)
    installation.env["QARAUYL_MAP_TILE_URL"] = template
    errors: list[str] = []
    foreign: list[str] = []
    with serve(installation) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(locale="en-GB")
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request", lambda r: foreign.append(r.url) if urlsplit(r.url).hostname != "127.0.0.1" else None
        )
        sign_in(page, base, "viktor", "/map")
        page.wait_for_function("window.qarauylMap && window.qarauylMap.ready", timeout=20_000)
        page.wait_for_function(
            "document.querySelectorAll('img.leaflet-tile-loaded').length > 0", timeout=20_000
        )
        browser.close()
    assert requested and all(path.startswith("/tiles/") and path.endswith(".png") for path in requested)
    assert not errors, errors
    assert not [url for url in foreign if not url.startswith("data:")], foreign
