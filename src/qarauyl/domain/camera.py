"""What a camera is in the inventory: vendor, kind, lifecycle, and who owns and maintains it."""

from __future__ import annotations

from enum import StrEnum


class Vendor(StrEnum):
    SERGEK = "sergek"
    PELCO = "pelco"
    HIKVISION = "hikvision"
    DAHUA = "dahua"
    AXIS = "axis"
    OTHER = "other"


class CameraKind(StrEnum):
    FIXED = "fixed"
    PTZ = "ptz"
    ANPR = "anpr"  # licence-plate / traffic cameras such as Sergek


class Lifecycle(StrEnum):
    """Set by people; health is measured and lives apart from it."""

    PLANNED = "planned"
    INSTALLED = "installed"
    CONNECTED = "connected"  # installed and connected to the Operational Control Centre
    DECOMMISSIONED = "decommissioned"


class OrgKind(StrEnum):
    POLICE = "police"
    AKIMAT = "akimat"
    CONTRACTOR = "contractor"
    OTHER = "other"
