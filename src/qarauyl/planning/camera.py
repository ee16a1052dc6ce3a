"""The camera view model: image-quality tiers (IEC 62676-4), camera models, useful ranges and view wedges."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qarauyl.errors import InputError

# Height of the part of a person the tiers are about (a face, a torso): the slant distance from a camera
# mounted at 6 m to a target at 1.5 m is what decides pixel density, not the ground distance.
TARGET_HEIGHT_M = 1.5
DEFAULT_MOUNT_HEIGHT_M = 6.0
# Used for inventory cameras whose field of view or resolution is not recorded: a common 2 MP 4 mm bullet.
DEFAULT_HFOV_DEG = 90.0
DEFAULT_WIDTH_PX = 1920
# A 1/2.8" sensor (5.37 mm wide), the commonest in 2 MP street cameras: used with a focal length alone.
DEFAULT_SENSOR_WIDTH_MM = 5.37


@dataclass(frozen=True)
class Tier:
    """An image-quality tier: the pixel density on the target (pixels per metre) it needs."""

    name: str
    px_per_m: float


# IEC 62676-4:2014 pixel densities; the names are the ones the layers use. Editable per run.
DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier("detect", 25.0),
    Tier("observe", 62.5),
    Tier("recognise", 125.0),
    Tier("identify", 250.0),
)


@dataclass(frozen=True)
class CameraModel:
    """A camera one can buy: horizontal field of view, horizontal pixels, cost (any currency).

    `max_range_m` caps the range whatever the pixel density says: lenses, IR illumination and
    atmosphere make a 300 m "detect" range of a narrow 8 MP camera unrealistic at night."""

    name: str
    hfov_deg: float
    width_px: int
    cost: float = 1.0
    max_range_m: float = 150.0


DEFAULT_MODELS: tuple[CameraModel, ...] = (
    CameraModel("bullet-2mp-90", hfov_deg=90.0, width_px=1920, cost=1.0),
    CameraModel("bullet-4mp-60", hfov_deg=60.0, width_px=2560, cost=1.5),
    CameraModel("bullet-8mp-30", hfov_deg=30.0, width_px=3840, cost=2.5),
)


def hfov_from_focal(focal_mm: float, sensor_width_mm: float) -> float:
    """Horizontal field of view (degrees) of a rectilinear lens on a sensor of the given width."""
    if focal_mm <= 0 or sensor_width_mm <= 0:
        raise InputError(f"Focal length ({focal_mm} mm) and sensor width ({sensor_width_mm} mm) must be > 0.")
    return math.degrees(2.0 * math.atan(sensor_width_mm / (2.0 * focal_mm)))


def slant_range_m(width_px: float, hfov_deg: float, px_per_m: float) -> float:
    """Distance along the view at which the image has `px_per_m` pixels per metre:
    width / (px_per_m · 2·tan(hfov/2))."""
    if not 0 < hfov_deg < 180:
        raise InputError(f"A horizontal field of view of {hfov_deg}° is outside (0, 180).")
    return float(width_px) / (px_per_m * 2.0 * math.tan(math.radians(hfov_deg) / 2.0))


def ground_range_m(
    width_px: float,
    hfov_deg: float,
    px_per_m: float,
    *,
    mount_height_m: float = DEFAULT_MOUNT_HEIGHT_M,
    max_range_m: float = math.inf,
) -> float:
    """Ground distance from the pole within which a target at TARGET_HEIGHT_M gets the tier's density."""
    slant = slant_range_m(width_px, hfov_deg, px_per_m)
    drop = max(mount_height_m - TARGET_HEIGHT_M, 0.0)
    ground = math.sqrt(max(slant * slant - drop * drop, 0.0))
    return min(ground, max_range_m)


def tier_index(tiers: tuple[Tier, ...], name: str) -> int:
    for i, tier in enumerate(tiers):
        if tier.name == name:
            return i
    raise InputError(f"Unknown tier '{name}'; known tiers: {', '.join(t.name for t in tiers)}.")


def range_table(
    model: CameraModel, tiers: tuple[Tier, ...], mount_height_m: float = DEFAULT_MOUNT_HEIGHT_M
) -> NDArray[np.float64]:
    """Ground range (m) of one model for each tier, in tier order."""
    return np.array(
        [
            ground_range_m(
                model.width_px,
                model.hfov_deg,
                t.px_per_m,
                mount_height_m=mount_height_m,
                max_range_m=model.max_range_m,
            )
            for t in tiers
        ],
        dtype=np.float64,
    )


def bearing_deg(dx: NDArray[np.float64], dy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Compass bearing (0 = north, clockwise, in [0, 360)) of the vectors (dx east, dy north)."""
    out: NDArray[np.float64] = np.mod(np.degrees(np.arctan2(dx, dy)), 360.0)
    return out


def angle_off(bearing: NDArray[np.float64], heading_deg: float | NDArray[np.float64]) -> NDArray[np.float64]:
    """Absolute angle (degrees, 0..180) between bearings and a heading, correct across north (0/360)."""
    out: NDArray[np.float64] = np.abs(np.mod(bearing - heading_deg + 180.0, 360.0) - 180.0)
    return out


def in_wedge(bearing: NDArray[np.float64], heading_deg: float, hfov_deg: float) -> NDArray[np.bool_]:
    """Whether each bearing lies inside the field of view centred on heading_deg."""
    return angle_off(bearing, heading_deg) <= hfov_deg / 2.0 + 1e-9


def wedge_outline(
    x: float, y: float, heading_deg: float, hfov_deg: float, range_m: float, steps: int = 16
) -> list[tuple[float, float]]:
    """Closed outline (metric coordinates) of a view wedge, for drawing; north-crossing wedges are
    traced through 0° naturally because the arc is generated from heading − hfov/2 upwards."""
    start = heading_deg - hfov_deg / 2.0
    pts = [(x, y)]
    for k in range(steps + 1):
        a = math.radians(start + hfov_deg * k / steps)
        pts.append((x + range_m * math.sin(a), y + range_m * math.cos(a)))
    pts.append((x, y))
    return pts


def default_headings(count: int) -> tuple[float, ...]:
    if count < 1 or count > 72:
        raise InputError(f"The number of headings per site must be between 1 and 72, not {count}.")
    return tuple(360.0 * k / count for k in range(count))
