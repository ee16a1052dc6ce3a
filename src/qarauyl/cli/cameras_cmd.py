"""`qarauyl cameras import|export|list|show`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from qarauyl.cli._app import app, console
from qarauyl.cli._progress import progress_bar

# Each command imports what it works with when it runs (the database layer, the importers): the CLI's
# help and its light commands start in a fraction of a second.
if TYPE_CHECKING:
    from qarauyl.inventory.importer import ImportPlan

cameras_app = typer.Typer(help="The camera register: import, export, list, show.", no_args_is_help=True)
app.add_typer(cameras_app, name="cameras")


def _describe(plan: ImportPlan, dry_run: bool) -> str:
    verb = "would" if dry_run else ""
    if not plan.changes_anything:
        return f"{plan.rows} row(s) read; nothing to change: the register already matches the file."
    parts = [
        f"{plan.rows} row(s) read",
        f"{len(plan.created)} camera(s) {verb + ' be ' if dry_run else ''}created",
        f"{len(plan.updated)} {verb + ' be ' if dry_run else ''}updated",
        f"{plan.unchanged} unchanged",
    ]
    text = "; ".join(parts) + "."
    for table, names in plan.new_references.items():
        text += f"\nNew {table}(s){' would be' if dry_run else ''} added: {', '.join(names)}."
    return text


@cameras_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A .csv, .xlsx or .geojson file.", show_default=False),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change and write nothing."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every changed camera."),
) -> None:
    """Import cameras, upserting by code. All or nothing: any invalid row fails the whole import (exit 2)."""
    from qarauyl.config import get_settings
    from qarauyl.inventory import import_file
    from qarauyl.runtime import open_database
    from qarauyl.security import CredentialCipher

    settings = get_settings()
    db = open_database(settings)
    cipher = CredentialCipher.from_settings(settings)
    with progress_bar() as progress:
        plan = import_file(db, file, cipher=cipher, dry_run=dry_run, progress=progress)
    if not dry_run and plan.changes_anything:
        from qarauyl.monitor.unmonitored import settle_unmonitored

        with db.session() as session:
            settle_unmonitored(session)  # the file may have disconnected cameras
    console.print(("Dry run: " if dry_run else "") + _describe(plan, dry_run), markup=False, highlight=False)
    if verbose:
        for code in plan.created:
            console.print(f"  + {code}", markup=False)
        for code, columns in plan.updated.items():
            console.print(f"  ~ {code}: {', '.join(columns)}", markup=False)


@cameras_app.command("export")
def export(
    file: Path = typer.Argument(..., help="Target .csv, .xlsx or .geojson file.", show_default=False),
) -> None:
    """Export the register (never credentials); the format comes from the file's extension."""
    from qarauyl.inventory import export_cameras, iter_cameras
    from qarauyl.runtime import open_database

    db = open_database()
    with db.session() as session:
        count = export_cameras(file, iter_cameras(session))
    console.print(f"{count} camera(s) written to {file}.", markup=False, highlight=False)


@cameras_app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    district: str | None = typer.Option(None, help="Only this district."),
    vendor: str | None = typer.Option(None, help="Only this vendor."),
    lifecycle: str | None = typer.Option(None, help="planned, installed, connected or decommissioned."),
    health: str | None = typer.Option(None, help="ok, degraded, failed or unknown."),
    maintainer: str | None = typer.Option(None, help="Only cameras this organisation maintains."),
    search: str | None = typer.Option(None, "--search", "-s", help="Text in the code, name or address."),
) -> None:
    """List cameras."""
    from qarauyl.inventory import CameraFilter, iter_cameras
    from qarauyl.runtime import open_database

    db = open_database()
    filters = CameraFilter(
        district=district,
        vendor=vendor,
        lifecycle=lifecycle,
        health=health,
        maintainer=maintainer,
        search=search,
    )
    with db.session() as session:
        cameras = iter_cameras(session, filters)
        if as_json:
            for camera in cameras:
                print(json.dumps(camera, ensure_ascii=False))
            return
        table = Table("code", "name", "vendor", "district", "lifecycle", "health")
        count = 0
        for camera in cameras:
            table.add_row(
                camera["code"],
                camera["name"],
                camera["vendor"],
                camera["district"] or "",
                camera["lifecycle"],
                camera["health"],
            )
            count += 1
    console.print(table)
    console.print(f"{count} camera(s).")


@cameras_app.command("show")
def show(
    code: str = typer.Argument(..., show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one camera (credentials are never shown, only whether they are set) and what its last probe
    found: the faults, and why it cannot be read if it cannot."""
    from sqlalchemy import select

    from qarauyl.health.causes import cause_words, stored_cause
    from qarauyl.inventory import get_camera
    from qarauyl.runtime import open_database
    from qarauyl.store.models import Camera, CameraHealthRow

    db = open_database()
    with db.session() as session:
        camera = get_camera(session, code)
        row = session.scalar(
            select(CameraHealthRow)
            .join(Camera, Camera.id == CameraHealthRow.camera_id)
            .where(Camera.code == code)
        )
        probed = row is not None and row.last_probe_at is not None
        codes = list(row.codes or []) if row is not None else []
        cause = stored_cause(row.findings) if row is not None else None
        said = row.error if row is not None else None
        since = row.since if row is not None else None
        last = row.last_probe_at if row is not None else None
    if as_json:
        probe = {
            "since": since.isoformat() if since else None,
            "codes": codes,
            "cause": cause,
            "error": said,
            "last_probe_at": last.isoformat() if last else None,
        }
        print(json.dumps({**camera, "probe": probe if probed else None}, ensure_ascii=False, indent=2))
        return
    for key, value in camera.items():
        shown = ", ".join(value) if isinstance(value, list) else ("" if value is None else value)
        console.print(f"{key:16} {shown}", markup=False, highlight=False)
    if probed:
        lines = (
            ("health since", f"{since:%Y-%m-%d %H:%M} UTC" if since else None),
            ("faults", ", ".join(codes) or "none"),
            ("cannot be read", cause_words(cause) if cause else None),
            ("the probe said", said),
            ("last probe", f"{last:%Y-%m-%d %H:%M} UTC" if last else None),
        )
        for key, text in lines:
            if text:
                console.print(f"{key:16} {text}", markup=False, highlight=False)
