"""WGS 84 in and out, a metric UTM projection inside, chosen from the data."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

from qarauyl.errors import InputError


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone containing (lon, lat); Turkistan (68.27 E) is zone 42N, 32642."""
    if not (-180.0 <= lon <= 180.0 and -80.0 <= lat <= 84.0):
        raise InputError(f"Coordinates ({lat}, {lon}) are outside the UTM range (latitude -80..84).")
    zone = min(math.floor((lon + 180.0) / 6.0) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


@dataclass
class LocalProjection:
    """Forward (lon/lat → x/y metres) and inverse transforms for one planning run."""

    epsg: int
    _fwd: Transformer = field(init=False, repr=False)
    _inv: Transformer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._fwd = Transformer.from_crs(4326, self.epsg, always_xy=True)
        self._inv = Transformer.from_crs(self.epsg, 4326, always_xy=True)

    @classmethod
    def for_points(cls, lons: ArrayLike, lats: ArrayLike) -> LocalProjection:
        lo = np.asarray(lons, dtype=np.float64)
        la = np.asarray(lats, dtype=np.float64)
        if lo.size == 0:
            raise InputError("No coordinates to plan on: the layers and candidates are empty.")
        return cls(utm_epsg(float(np.median(lo)), float(np.median(la))))

    def to_xy(self, lons: ArrayLike, lats: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x, y = self._fwd.transform(np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_lonlat(self, xs: ArrayLike, ys: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lo, la = self._inv.transform(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
        return np.asarray(lo, dtype=np.float64), np.asarray(la, dtype=np.float64)
