"""The repair pages in a real console process: an engineer signs in and sees the queue and the KPIs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from maintenance_fleet import JPEG, Fleet
from maintenance_servers import free_port

from qarauyl.accounts import create_user
from qarauyl.i18n import Translator
from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.tickets import add_photo, process_transitions
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.store.database import Database
from qarauyl.store.schema import upgrade
from qarauyl.web._page_maintenance import first_period, recent_periods

SERVER = """
import uvicorn
from qarauyl.cli.serve_cmd import build_app
uvicorn.run(build_app(), host="127.0.0.1", port={port}, log_level="warning")
"""


def test_the_kpi_page_opens_on_last_month_once_the_records_reach_back_so_far() -> None:
    """A manager's link without a period shows last month, the monthly report; a new deployment (records
    from this month only, or none yet) would see only dashes there, so it opens on this month."""
    almaty = ZoneInfo("Asia/Almaty")
    presets = recent_periods(datetime(2026, 11, 30, 1, 0, tzinfo=almaty))
    assert (presets["this_month"], presets["last_month"]) == ("2026-11", "2026-10")
    # October ends at midnight in Almaty: 19:00 UTC on 31 October.
    for begins, shown in (
        (datetime(2026, 10, 31, 18, 59, tzinfo=UTC), "2026-10"),
        (datetime(2026, 10, 31, 19, 0, tzinfo=UTC), "2026-11"),
        (datetime(2025, 1, 1, tzinfo=UTC), "2026-10"),
        (None, "2026-11"),
    ):
        assert first_period(presets, begins, almaty) == shown, begins


@pytest.mark.slow
def test_engineer_works_the_queue_and_the_occ_reads_the_kpis(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'qarauyl.db'}"
    db = Database(url)
    upgrade(db)
    fleet = Fleet(db, SnapshotStore(tmp_path / "data" / "snapshots"))
    [camera] = fleet.add(1)
    now = datetime.now(UTC)
    fleet.confirm([camera], now - timedelta(minutes=5), "offline", cause="unreachable")
    process_transitions(db, [], now, MaintenanceConfig())
    create_user(db, "erlan", "engineer", "engineer-password-1", organisation="FixIt")
    create_user(db, "aigerim", "operator", "operator-password-1")
    create_user(db, "dias", "engineer", "engineer-password-2", organisation="RepairCo")
    create_user(db, "saule", "operator", "operator-password-2", language="ru")
    photo = add_photo(db, 1, JPEG, photo_dir=tmp_path / "data" / "ticket-photos", now=now)
    cabinet = fleet.add(4, node="cabinet-5")  # three of four down together: one node incident
    fleet.confirm(cabinet[:3], now - timedelta(minutes=4), "offline", cause="unreachable")
    process_transitions(db, [], now, MaintenanceConfig())
    db.dispose()
    env = {
        **os.environ,
        "QARAUYL_DATA_DIR": str(tmp_path / "data"),
        "QARAUYL_DATABASE_URL": url,
        "QARAUYL_SECRET_KEY": "console-test-secret-0123456789",
        "QARAUYL_CONFIG": str(tmp_path / "absent.toml"),
    }
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER.format(port=port)], env=env, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        photo_url = f"/console/ticket-photo/1/{photo.rsplit('/', 1)[-1]}"
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/api/v1/openapi.json")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, "the console process died"
                    assert time.monotonic() < deadline, "the console did not start"
                    time.sleep(0.3)
            assert client.get(photo_url).status_code == 403  # not signed in
            answer = client.post(
                "/login", data={"name": "erlan", "password": "engineer-password-1", "next": "/tickets"}
            )
            assert answer.status_code == 303 and answer.headers["location"] == "/tickets"
            page = client.get("/tickets")
            assert page.status_code == 200
            assert "CAM-000" in page.text and "google.com/maps/dir" in page.text
            assert "acknowledged" in page.text  # the next lifecycle steps are offered to an engineer
            assert '"/tickets/1"' in page.text  # the number opens the ticket's page
            # The incident is named in the reader's words, with its cameras.
            assert Translator("en")("repairs.incident.node", place="cabinet-5") in page.text
            assert "3 cameras: CAM-001, CAM-002, CAM-003" in page.text
            # Why the camera cannot be read, so the engineer knows what to bring (a van, not a laptop).
            assert Translator("en")("probe_cause.unreachable") in page.text
            served = client.get(photo_url)
            assert served.status_code == 200 and served.content == JPEG
            assert client.get("/console/ticket-photo/1/..%2F..%2Fqarauyl.db").status_code == 404
            # The ticket's own page: the field photo and the history, said in the reader's language.
            en = Translator("en")
            opened = en("journal.opened", faults="offline (no answer on the network)", why="seen in 2 …")
            alone = client.get("/tickets/1")
            assert alone.status_code == 200 and photo_url in alone.text
            assert en("repairs.history", n=2) in alone.text  # opened, photo
            assert opened.split(" (seen")[0] in alone.text and en("journal.photo") in alone.text
            assert en("repairs.not_found", id=999) in client.get("/tickets/999").text
            # The KPIs are fleet-wide: the contractor's engineer is refused them, and has no menu entry.
            kpi = client.get("/kpi")
            assert kpi.status_code == 200 and "Availability" not in kpi.text and "forbidden" in kpi.text
            assert '"/kpi"' not in page.text and '"/tickets"' in page.text  # the menu's links
        with httpx.Client(base_url=base, timeout=10) as client:
            answer = client.post(
                "/login", data={"name": "aigerim", "password": "operator-password-1", "next": "/kpi"}
            )
            assert answer.status_code == 303
            kpi = client.get("/kpi")
            assert kpi.status_code == 200 and "Availability" in kpi.text and "MTTR" in kpi.text
            # Every heading in the reader's words (the charts' titles were bare field names), the months a
            # manager asks for one click away, and how long the open tickets have waited.
            en = Translator("en")
            kpi = client.get("/kpi", params={"period": now.strftime("%Y-%m")})  # this month: open tickets
            for key in ("by_district", "by_vendor", "by_contractor", "resolved", "ageing", "by_person"):
                assert en(f"repairs.{key}") in kpi.text, key
            assert en("repairs.period.this_month") in kpi.text
            assert "Hikvision" in kpi.text  # the vendor's name as the console writes it, not "hikvision"
            assert '"/kpi"' in client.get("/tickets").text  # the menu offers it
            # A period before the monitor's records: a sentence that says where they begin, and no empty
            # charts. (The fleet's first probe: T0 - 1 h, 1 October 2026, 07:00 in the console's zone, UTC.)
            kpi = client.get("/kpi", params={"period": "2026-09"})
            said = en("repairs.no_history", period="2026-09", date=en.day(date(2026, 10, 1)))
            assert said in kpi.text and en("repairs.by_district") not in kpi.text
        with httpx.Client(base_url=base, timeout=10) as client:
            # Another contractor's engineer: ticket #1 reads as missing, and nothing of it is shown.
            answer = client.post(
                "/login", data={"name": "dias", "password": "engineer-password-2", "next": "/tickets/1"}
            )
            assert answer.status_code == 303
            other = client.get("/tickets/1")
            assert Translator("en")("repairs.not_found", id=1) in other.text and "CAM-000" not in other.text
        with httpx.Client(base_url=base, timeout=10) as client:
            # The SLA clock in the reader's numbers: a decimal comma in Russian.
            answer = client.post(
                "/login", data={"name": "saule", "password": "operator-password-2", "next": "/tickets"}
            )
            assert answer.status_code == 303
            assert re.search(r"осталось \d+,\d ч", client.get("/tickets").text)
    finally:
        server.terminate()
        server.wait(timeout=15)
