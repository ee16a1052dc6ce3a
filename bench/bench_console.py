"""Console benchmark: time to first render of the overview and of the map with 10,000 cameras.

    .venv/bin/python bench/bench_console.py [--quick] [--cameras N] [--runs N]

Seeds an isolated installation (the demo fleet scaled to N cameras, with failed and degraded ones),
starts `qarauyl serve`, and measures in headless Chromium, from navigation start:
  overview: until the six numbers are on screen (first visit, then warm)
  map:      until every camera is drawn on the canvas (data fetched, clustered, painted)
how long a zoom-in redraw of the map takes in the browser, and the camera table (AG Grid, every
camera) until its rows show.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))

from console_harness import CHROMIUM, CHROMIUM_ARGS, seed, serve, sign_in


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 cameras, 2 runs")
    parser.add_argument("--cameras", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cameras, runs = (1000, 2) if args.quick else (args.cameras, args.runs)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        installation = seed(data_dir, f"sqlite:///{data_dir / 'qarauyl.db'}", cameras=cameras)
        print(
            f"seeded {cameras:,} cameras ({len(installation.failed)} failed, "
            f"{len(installation.degraded)} degraded) in {time.perf_counter() - started:.1f} s"
        )
        with serve(installation) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="en-GB")
            sign_in(page, base, "olzhas")
            overview: list[float] = []
            maps: list[float] = []
            redraws: list[float] = []
            tables: list[float] = []
            for _ in range(runs):
                begin = time.perf_counter()
                page.goto(f"{base}/")
                page.get_by_test_id("stat-failed-value").wait_for()
                overview.append(time.perf_counter() - begin)
                begin = time.perf_counter()
                page.goto(f"{base}/map")
                page.wait_for_function("window.qarauylMap && window.qarauylMap.ready", timeout=120_000)
                maps.append(time.perf_counter() - begin)
                drawn = page.evaluate("window.qarauylMap.data.id.length")
                assert drawn == cameras, (drawn, cameras)
                begin = time.perf_counter()
                page.goto(f"{base}/cameras")
                page.wait_for_function(
                    f"document.querySelector('[data-testid=camera-count]')?.dataset.count == '{cameras}'"
                    " && document.querySelector('.ag-row') !== null",
                    timeout=120_000,
                )
                tables.append(time.perf_counter() - begin)
                page.goto(f"{base}/map")
                page.wait_for_function("window.qarauylMap && window.qarauylMap.ready", timeout=120_000)
                redraws.append(
                    page.evaluate(
                        "(() => { const m = window.qarauylMap; const t = performance.now();"
                        " m.map.setZoom(m.map.getZoom() + 2, {animate: false}); m.draw();"
                        " return (performance.now() - t) / 1000; })()"
                    )
                )
            browser.close()
    print(f"console first render, {cameras:,} cameras, {runs} runs (first / median / max):")
    for name, values in (
        ("overview", overview),
        ("map (all drawn)", maps),
        ("map zoom redraw", redraws),
        ("camera table", tables),
    ):
        print(f"  {name:18s} {_ms(values[0])} {_ms(statistics.median(values))} {_ms(max(values))}")


if __name__ == "__main__":
    main()
