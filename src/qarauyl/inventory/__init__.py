"""The camera register: import and export (CSV, XLSX, GeoJSON), validation, and the demo fleet."""

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
