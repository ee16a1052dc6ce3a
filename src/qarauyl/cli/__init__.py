"""The terminal face: `qarauyl …`. Each command group lives in its own module and stays thin."""

from __future__ import annotations

import sys

from qarauyl.cli import (  # noqa: F401  (importing a module registers its commands; one per line)
    cameras_cmd,
    config_cmd,
    db_cmd,
    demo_cmd,
    diagnose_cmd,
    faults_cmd,
    kpi_cmd,
    monitor_cmd,
    plan_cmd,
    probe_cmd,
    serve_cmd,
    sim_cmd,
    status_cmd,
    tickets_cmd,
    users_cmd,
    worker_cmd,
)
from qarauyl.cli._app import app, run_app


def main() -> None:
    sys.exit(run_app(app))


__all__ = ["app", "main"]
