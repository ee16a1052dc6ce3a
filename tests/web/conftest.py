"""Fixtures for the console tests: one seeded installation and server per module, and a browser page
per test that fails the test on any browser console error or any request leaving the loopback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from console_harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Installation,
    seed,
    serve,
    server_log,
)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    data_dir = tmp_path_factory.mktemp("console")
    return seed(data_dir, f"sqlite:///{data_dir / 'qarauyl.db'}", cameras=1303)


@pytest.fixture(scope="module")
def server(installation: Installation) -> Iterator[str]:
    with serve(installation) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class BrowserProblems:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []


@pytest.fixture
def new_page(browser: object, server: str, installation: Installation) -> Iterator[Callable[..., object]]:
    """Opens pages (default 1400x900); at the end, fails on console errors and non-loopback requests."""
    problems = BrowserProblems()
    contexts: list[object] = []

    def open_page(width: int = 1400, height: int = 900) -> object:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def on_console(message: object) -> None:
            if message.type == "error":  # type: ignore[attr-defined]
                problems.errors.append(message.text)  # type: ignore[attr-defined]

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.errors.append(str(error)))

        def on_request(request: object) -> None:
            url = request.url  # type: ignore[attr-defined]
            host = urlsplit(url).hostname
            if url.startswith(("data:", "blob:", "about:")):
                return
            if host not in LOOPBACK:
                problems.foreign.append(url)

        page.on("request", on_request)
        return page

    yield open_page
    for context in contexts:
        context.close()  # type: ignore[attr-defined]
    assert not problems.foreign, f"the console requested non-loopback URLs: {problems.foreign[:5]}"
    assert not problems.errors, (
        f"browser console errors: {problems.errors[:5]}\n{server_log(installation)[-2000:]}"
    )
