"""The camera register: import and export (CSV, XLSX, GeoJSON), validation, and the demo fleet.

The package's names are loaded on first use, so that the CLI can read the demo fleet's figures
(`inventory.demo_figures`) for its option defaults without importing the database layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qarauyl._lazy import lazy_names

if TYPE_CHECKING:
    from qarauyl.inventory.importer import ImportPlan, import_file, import_records
    from qarauyl.inventory.queries import CameraFilter, count_cameras, get_camera, iter_cameras
    from qarauyl.inventory.writers import export_cameras

__all__ = [
    "CameraFilter",
    "ImportPlan",
    "count_cameras",
    "export_cameras",
    "get_camera",
    "import_file",
    "import_records",
    "iter_cameras",
]

_HOMES = {
    "ImportPlan": "qarauyl.inventory.importer",
    "import_file": "qarauyl.inventory.importer",
    "import_records": "qarauyl.inventory.importer",
    "CameraFilter": "qarauyl.inventory.queries",
    "count_cameras": "qarauyl.inventory.queries",
    "get_camera": "qarauyl.inventory.queries",
    "iter_cameras": "qarauyl.inventory.queries",
    "export_cameras": "qarauyl.inventory.writers",
}

__getattr__ = lazy_names(__name__, _HOMES)
