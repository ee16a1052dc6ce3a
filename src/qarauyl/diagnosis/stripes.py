"""Stripe interference: `stripes` — periodic bands from a bad ground or an analogue link.

A sinusoidal band is one sharp peak in the 2-D spectrum; natural scenes spread their energy smoothly over
each frequency ring. Large objects (a car on empty asphalt) concentrate energy along lines of the spectrum,
so the peak must also be sharp: it falls away within two bins. Regular things in the scene (a fence,
floorboards) also peak, so with a reference the spectrum looked at is that of the picture minus the
reference: the scene cancels and the bands stay. A swaying camera's view is shifted against its reference,
so a regular pattern (rows of windows) would not cancel: when a peak is found, the reference is first moved
onto the picture (phase correlation) and the difference looked at again. Moving the
reference cannot take away bands that are only in the picture.
"""

from __future__ import annotations

import cv2
import numpy as np
import scipy.fft

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import Array, area_resize, phase_correlate, score
from qarauyl.domain import FaultCode

SIZE = 256  # vertical bands 10 px apart at 1080p must stay above 2 px per period
_WINDOW = cv2.createHanningWindow((SIZE, SIZE), cv2.CV_32F)
_FY = np.fft.fftfreq(SIZE)[:, None] * SIZE
_FX = np.fft.rfftfreq(SIZE)[None, :] * SIZE
_RADIUS = np.sqrt(_FX**2 + _FY**2)
_RING = np.clip(np.round(_RADIUS).astype(np.int32), 0, SIZE)
# Periods from 2.5 pixels of the grid to a third of the frame: fine moiré to a few bands per frame.
_BAND = (_RADIUS >= 3.2) & (_RADIUS <= SIZE / 2.5)


def _small(grey_f: Array) -> Array:
    return area_resize(grey_f, (SIZE, SIZE))


def _magnitude(small: Array) -> Array:
    # SciPy's FFT keeps float32 and is ~6x faster here than NumPy's (the same spectrum to 1e-7).
    magnitude: Array = np.abs(scipy.fft.rfft2((small - small.mean()) * _WINDOW))
    return magnitude


def spectrum(grey_f: Array) -> Array:
    return _magnitude(_small(grey_f))


_BAND_INDEX = np.flatnonzero(_BAND)  # the in-band bins, as flat indices (a take is faster than a mask)
_RING_BAND = _RING.ravel()[_BAND_INDEX]
_RING_COUNT = np.maximum(np.bincount(_RING_BAND, minlength=SIZE + 1), 1)
# Offsets of the square ring two bins around a bin: a band's windowed peak has fallen away there, while the
# spectrum of a large object (a car, a door: a sinc along a line) is still as strong.
_AROUND = np.array(
    [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3) if max(abs(dy), abs(dx)) == 2], np.float32
)
CANDIDATES = 64  # the most prominent bins whose sharpness is checked


def band_prominence(mag: Array) -> Array:
    """Each in-band bin (in the order of _BAND_INDEX) against the typical level of its frequency ring (the
    geometric mean: like a median, one peak barely moves it)."""
    in_band = mag.ravel().take(_BAND_INDEX)
    logs = np.log(in_band + 1e-3)
    ring_level = np.exp(np.bincount(_RING_BAND, weights=logs, minlength=SIZE + 1) / _RING_COUNT)
    ratio: Array = in_band / (ring_level.take(_RING_BAND) + 1e-3)
    return ratio


def sharpness(mag: Array, iy: Array, ix: Array) -> Array:
    """Bins' magnitudes over the strongest bin two steps around each, across its frequency ring rather than
    along its radius: the scene's own residue (a regular pattern left over from the reference) sits at
    neighbouring frequencies of the same direction. The half-spectrum of `rfft2` is completed by symmetry:
    the bin (y, -x) is the conjugate of (-y, x)."""
    fy, fx = _FY[iy, 0], _FX[0, ix]
    norm = np.maximum(np.hypot(fy, fx), 1e-6)
    dy, dx = _AROUND[:, 0], _AROUND[:, 1]
    # |cos| of the angle between each offset and each bin's radius; within 30 degrees is "along it".
    along = np.abs(np.outer(fy, dy) + np.outer(fx, dx)) / (norm[:, None] * np.hypot(dy, dx)[None, :]) > 0.87
    y = iy[:, None] + dy.astype(np.int64)[None, :]
    x = ix[:, None] + dx.astype(np.int64)[None, :]
    mirrored = x < 0
    y, x = np.where(mirrored, -y, y), np.abs(x)
    around = np.where(along, 0.0, mag[y % SIZE, x]).max(axis=1)
    result: Array = mag[iy, ix] / (around + 1e-3)
    return result


def peak(mag: Array, min_sharpness: float = 0.0, floor: float = 0.0) -> tuple[float, int, float]:
    """(prominence, flat index, sharpness) of the most prominent in-band bin that is at least
    `min_sharpness` sharp, among the CANDIDATES most prominent of those at least `floor` prominent;
    prominence 0.0 if there is none."""
    ratio = band_prominence(mag)
    # Thresholding first keeps the selection to a handful of bins (a full argpartition costs 2 ms).
    top = np.flatnonzero(ratio >= floor) if floor > 0.0 else np.arange(ratio.size)
    if top.size == 0:
        return 0.0, 0, 0.0
    if top.size > CANDIDATES:
        top = top[np.argpartition(ratio[top], -CANDIDATES)[-CANDIDATES:]]
    # From here on, bins are numbered as in the spectrum.
    ratio, top = ratio[top], _BAND_INDEX[top]
    iy, ix = np.divmod(top, mag.shape[1])
    sharp = sharpness(mag, iy, ix)
    ok = sharp >= min_sharpness
    if not np.any(ok):
        return 0.0, int(top[0]), 0.0
    best = int(np.argmax(np.where(ok, ratio, -1.0)))
    return float(ratio[best]), int(top[best]), float(sharp[best])


_BLOCKS = 4
_BLOCK_OF = np.arange(SIZE) * _BLOCKS // SIZE  # which of the 4 blocks each row / column is in


def spread(image: Array, iy: int, ix: int) -> float:
    """How evenly the wave of spectrum bin (iy, ix) covers a SIZE x SIZE image: the median over the max of
    its amplitude in a 4x4 grid of blocks (1.0 for a wave over the whole picture)."""
    fy, fx = float(np.fft.fftfreq(SIZE)[iy]), ix / SIZE
    # The demodulating wave is separable: per-block sums are two small matrix products, not a full
    # complex image.
    along_y = np.exp(-2j * np.pi * fy * np.arange(SIZE))
    along_x = np.exp(-2j * np.pi * fx * np.arange(SIZE))
    by_y = np.zeros((SIZE, _BLOCKS), complex)
    by_y[np.arange(SIZE), _BLOCK_OF] = along_y
    by_x = np.zeros((SIZE, _BLOCKS), complex)
    by_x[np.arange(SIZE), _BLOCK_OF] = along_x
    blocks = np.abs(by_y.T @ image.astype(np.float64) @ by_x)
    return float(np.median(blocks) / (blocks.max() + 1e-6))


def added_energy(picture: Array, reference: Array, iy: int, ix: int) -> float:
    """How much stronger the wave of spectrum bin (iy, ix) is in the picture than in the (contrast-matched,
    aligned) reference: interference adds its wave to the scene, while a blurred picture minus its sharp
    reference leaves the scene's own fine regular detail (a row of windows) weakened, not strengthened."""
    return float(_magnitude(picture)[iy, ix] / (_magnitude(reference)[iy, ix] + 1e-3))


def _centred(image: Array) -> Array:
    centred: Array = image - image.mean()
    return centred


def _residue_peak(
    centred: Array, ref_small: Array, min_sharpness: float, floor: float
) -> tuple[Array, float, int, float, float]:
    """The picture minus its reference at the same contrast, and the peak of that residue's spectrum:
    (residue, prominence, flat index, sharpness, contrast gain)."""
    gain = float((centred * ref_small).mean()) / max(float((ref_small * ref_small).mean()), 1e-3)
    residue = centred - max(0.0, gain) * ref_small
    prominence, index, sharp = peak(_magnitude(residue), min_sharpness, floor)
    return residue, prominence, index, sharp, gain


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    small = _small(ctx.view.key.grey_f)
    if ctx.reference is None:
        mag = _magnitude(small)
        prominence, _, sharp = peak(mag, t.stripes_sharpness, t.stripes_prominence)
        metrics = {"stripes_prominence": prominence, "stripes_sharpness": sharp}
        if prominence < t.stripes_prominence:
            return [], metrics
        limit = t.stripes_prominence
    else:
        # Against the reference the scene itself can be taken away: what is left of the picture minus its
        # reference (scaled to the same contrast, so a change of light cancels too) is moving things and
        # whatever was added on the way, and a band is then the one sharp peak of that difference, even
        # where the scene has a regular pattern of the same pitch (slatted walls, floorboards).
        ref_grey = ctx.reference.grey_f
        ref_small = ctx.reference.cached("stripes_small", lambda: _centred(_small(ref_grey)))
        centred = _centred(small)
        limit = t.stripes_prominence_with_reference
        found = _residue_peak(centred, ref_small, t.stripes_sharpness, limit)
        residue, prominence, index, sharp, gain = found
        if prominence >= limit:
            # Only now is the alignment worth its cost (see the module docstring).
            (dx, dy), _ = phase_correlate(ref_small, centred, _WINDOW)
            if np.hypot(dx, dy) >= 0.5:
                move = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], np.float32)
                moved = cv2.warpAffine(ref_small, move, (SIZE, SIZE), borderMode=cv2.BORDER_REFLECT_101)
                residue, prominence, index, sharp, gain = _residue_peak(
                    centred, moved - moved.mean(), t.stripes_sharpness, limit
                )
        metrics = {"stripes_prominence": prominence, "stripes_sharpness": sharp, "stripes_gain": gain}
        if prominence < limit:
            return [], metrics
        iy, ix = divmod(index, SIZE // 2 + 1)
        added = added_energy(centred, centred - residue, iy, ix)
        metrics["stripes_added"] = added
        if added < t.stripes_added:
            return [], metrics
        # A turned camera cancels nothing: its new view's own regular things (a row of lamp posts, windows)
        # remain, in part of the picture. Interference is added to the signal, over all of it.
        evenness = spread(residue, iy, ix)
        metrics["stripes_evenness"] = evenness
        if evenness < t.stripes_evenness:
            return [], metrics
    return [
        finding(
            FaultCode.STRIPES,
            prominence > 3 * limit,
            score(prominence, limit, 3 * limit),
            prominence=prominence,
        )
    ], metrics
