"""The Prometheus exposition, read back by prometheus_client's own parser, and served by the router."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from maintenance_fleet import T0, Fleet
from prometheus_client.parser import text_string_to_metric_families

from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.metrics import metrics_router, render_metrics
from qarauyl.maintenance.tickets import process_transitions, set_status
from qarauyl.store.database import Database


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_exposition_parses_and_carries_the_fleet(db: Database, fleet: Fleet) -> None:
    [a, b, c] = fleet.add(3, district='Tur"kistan')  # a quote in a label must be escaped
    fleet.confirm([a], T0, "offline", cause="unreachable")
    config = MaintenanceConfig()
    process_transitions(db, [], T0 + timedelta(minutes=2), config)
    set_status(db, 1, "removed_for_repair", now=T0 + timedelta(hours=1), config=config)
    text = render_metrics(db, now=T0 + timedelta(minutes=5))
    samples = _samples(text)
    labels = (("camera", "CAM-000"), ("district", 'Tur"kistan'), ("vendor", "hikvision"))
    assert samples[("qarauyl_camera_health", labels)] == 3
    assert samples[("qarauyl_camera_up", labels)] == 0
    assert samples[("qarauyl_camera_up", (("camera", "CAM-001"), *labels[1:]))] == 1
    assert samples[("qarauyl_fleet_cameras", (("health", "failed"), ("lifecycle", "connected")))] == 1
    assert samples[("qarauyl_fleet_cameras", (("health", "ok"), ("lifecycle", "connected")))] == 2
    assert samples[("qarauyl_fleet_faults", (("fault", "offline"),))] == 1
    assert samples[("qarauyl_fleet_unreadable", (("cause", "unreachable"),))] == 1
    key = (("kind", "camera"), ("priority", "critical"), ("status", "removed_for_repair"))
    assert samples[("qarauyl_tickets_open", key)] == 1
    assert samples[("qarauyl_cameras_in_repair", ())] == 1
    # Probes in the last 15 minutes (each recorded probe took 120 ms in the fixture).
    assert samples[("qarauyl_probe_duration_seconds_count", ())] == 2
    assert samples[("qarauyl_probe_duration_seconds", (("quantile", "0.5"),))] == 0.12
    assert b and c


def test_router_serves_metrics_from_the_apps_database(db: Database, fleet: Fleet) -> None:
    fleet.add(1)
    app = FastAPI()
    app.state.db = db
    app.include_router(metrics_router())
    with TestClient(app) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'qarauyl_camera_health{camera="CAM-000",district="North",vendor="hikvision"} 1' in response.text


def test_grafana_dashboard_queries_only_metrics_we_export(db: Database, fleet: Fleet) -> None:
    import json
    import re
    from pathlib import Path

    fleet.add(1)
    exported = {family.name for family in text_string_to_metric_families(render_metrics(db))}
    exported |= {f"{name}_count" for name in exported} | {f"{name}_sum" for name in exported}
    path = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "qarauyl-dashboard.json"
    dashboard = json.loads(path.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [
        v["query"]["query"] for v in dashboard["templating"]["list"] if isinstance(v.get("query"), dict)
    ]
    used = {m for e in exprs for m in re.findall(r"\bqarauyl_[a-z_]+", e)}
    assert used and used <= exported, used - exported
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
