"""The list of checks, in the order they run, and which findings make others meaningless.

A picture that is black says nothing about focus; a covered lens says nothing about where the camera points.
`SUPPRESSES` removes the consequences so that each burst reports its cause, not its symptoms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qarauyl.diagnosis import (
    brightness,
    colour,
    corruption,
    frozen,
    glare,
    motion,
    noise,
    occlusion,
    scene_change,
    sharpness,
    stream_profile,
    stripes,
)
from qarauyl.diagnosis._context import CheckResult, Context
from qarauyl.diagnosis.settings import DEFAULT_THRESHOLDS, Thresholds
from qarauyl.domain import FaultCode as F


@dataclass(frozen=True)
class Check:
    name: str
    codes: tuple[F, ...]
    run: Callable[[Context], CheckResult]


CHECKS: tuple[Check, ...] = (
    Check("brightness", (F.NO_SIGNAL, F.TOO_DARK, F.OVEREXPOSED, F.LOW_CONTRAST), brightness.check),
    Check("frozen", (F.FROZEN,), frozen.check),
    Check("occlusion", (F.OCCLUDED,), occlusion.check),
    Check("scene_change", (F.SCENE_CHANGED,), scene_change.check),
    Check("sharpness", (F.BLUR,), sharpness.check),
    Check("noise", (F.NOISE,), noise.check),
    Check("colour", (F.COLOR_CAST, F.IR_CUT), colour.check),
    Check("stripes", (F.STRIPES,), stripes.check),
    Check("motion", (F.SHAKING,), motion.check),
    Check("glare", (F.GLARE,), glare.check),
    Check("corruption", (F.CORRUPTED,), corruption.check),
    Check("stream_profile", (F.LOW_RESOLUTION, F.LOW_FPS, F.LOW_BITRATE), stream_profile.check),
)

_PICTURE = frozenset(
    {
        F.TOO_DARK,
        F.OVEREXPOSED,
        F.BLUR,
        F.OCCLUDED,
        F.SCENE_CHANGED,
        F.LOW_CONTRAST,
        F.NOISE,
        F.COLOR_CAST,
        F.STRIPES,
        F.SHAKING,
        F.GLARE,
        F.IR_CUT,
        F.FROZEN,
        F.CORRUPTED,
    }
)
_UNSEEABLE = frozenset(
    {
        F.BLUR,
        F.OCCLUDED,
        F.SCENE_CHANGED,
        F.LOW_CONTRAST,
        F.NOISE,
        F.COLOR_CAST,
        F.STRIPES,
        F.SHAKING,
        F.GLARE,
        F.IR_CUT,
        F.CORRUPTED,
    }
)

# The order in which causes are considered: a code is dropped only if one kept before it explains it.
PRIORITY: tuple[F, ...] = (
    F.NO_SIGNAL,
    F.TOO_DARK,
    F.OVEREXPOSED,
    F.OCCLUDED,
    F.GLARE,
    F.STRIPES,
    F.NOISE,
    F.LOW_CONTRAST,
    F.SHAKING,
    F.SCENE_CHANGED,
    F.BLUR,
    F.IR_CUT,
    F.COLOR_CAST,
    F.FROZEN,
    F.CORRUPTED,
)

# finding -> the findings it explains away
SUPPRESSES: dict[F, frozenset[F]] = {
    F.NO_SIGNAL: _PICTURE,
    F.TOO_DARK: _UNSEEABLE,
    # A clipped picture cannot show change either: its frames are identical whether live or not.
    F.OVEREXPOSED: _UNSEEABLE | {F.FROZEN},
    F.OCCLUDED: frozenset(
        {F.BLUR, F.COLOR_CAST, F.IR_CUT, F.NOISE, F.STRIPES, F.GLARE, F.CORRUPTED, F.SHAKING}
    ),
    F.SCENE_CHANGED: frozenset({F.BLUR, F.GLARE, F.COLOR_CAST, F.SHAKING}),
    F.LOW_CONTRAST: frozenset({F.BLUR, F.SCENE_CHANGED, F.COLOR_CAST}),
    # A light in the lens blinds part of the view: structure and features are lost there.
    F.GLARE: frozenset({F.LOW_CONTRAST, F.COLOR_CAST, F.BLUR, F.SCENE_CHANGED}),
    # Bands and heavy noise swamp the structure that scene change and motion are measured on.
    F.STRIPES: frozenset({F.NOISE, F.CORRUPTED, F.BLUR, F.SCENE_CHANGED, F.SHAKING}),
    F.NOISE: frozenset({F.CORRUPTED, F.SHAKING, F.SCENE_CHANGED}),
    F.SHAKING: frozenset({F.BLUR, F.SCENE_CHANGED}),
}


# What a decoder's error concealment does to a picture: smeared grey or green blocks over part of the view
# (a cover, a new view, blur, bands, noise), the last good frame repeated (frozen), blocks jumping (shaking).
CONCEALMENT_SYMPTOMS = frozenset(
    {
        F.OCCLUDED,
        F.SCENE_CHANGED,
        F.BLUR,
        F.STRIPES,
        F.NOISE,
        F.FROZEN,
        F.SHAKING,
        F.LOW_CONTRAST,
        F.COLOR_CAST,
    }
)


def measured(code: F, metrics: dict[str, float]) -> bool:
    """True for a finding that is a measured fact about the stream rather than a reading of the picture:
    no picture finding explains it away (corruption reported by the decoder itself)."""
    return code is F.CORRUPTED and metrics.get("corrupted_by_decoder", 0.0) > 0.0


def arbitrate(codes: set[F], metrics: dict[str, float], t: Thresholds = DEFAULT_THRESHOLDS) -> set[F]:
    """Codes to drop where two findings claim the same picture and only one can be the cause.

    Each rule judges the codes the rules before it left: judged all against `codes`, three findings that
    each explain one another away (a different scene read as a veil, a cover and a turn) all vanished,
    and a picture that had three faults passed as healthy."""
    drop: set[F] = set()

    def present(*pair: F) -> bool:
        return set(pair) <= codes - drop

    if present(F.CORRUPTED) and measured(F.CORRUPTED, metrics):
        # The decoder reports lost data: what the picture shows is its concealment, not the scene.
        drop |= codes & CONCEALMENT_SYMPTOMS
    if present(F.OCCLUDED, F.LOW_CONTRAST):
        # A veil (fog, film, dirt) is bright and grey; a hand, a bag, paint or leaves are dark or coloured.
        veil = metrics.get("saturation", 1.0) < 0.2 and metrics.get("luma_mean", 0.0) > 100.0
        drop.add(F.OCCLUDED if veil else F.LOW_CONTRAST)
    if present(F.OCCLUDED, F.TOO_DARK):
        # A closed iris darkens the scene but keeps its structure; a dark bag replaces it.
        structure_kept = metrics.get("scene_ncc", 0.0) >= 0.5 or metrics.get("darkening_spread", 1.0) < 0.06
        drop.add(F.OCCLUDED if structure_kept else F.TOO_DARK)
    if present(F.OCCLUDED, F.SCENE_CHANGED):
        # Where the uncovered rest of the view still lines up with the reference, the camera has not moved:
        # the cover hid the features the scene is recognised by.
        judged = metrics.get("occluded_in_place")
        if judged is not None:
            in_place = judged >= 0.5
        else:
            # Nothing of the reference's texture was left outside the changed cells to judge by: they are
            # a cover if they show a colour the reference has nowhere, a turned view if they show its own.
            in_place = metrics.get("occluded_own_colour", 0.0) >= t.occluded_own_colour
        kept = metrics.get("scene_structure_kept")
        if kept is not None and metrics.get("occluded_fraction", 0.0) < 0.5:
            # A near-empty view has too few textured cells to say what stayed in place; its few strong
            # edges do: a cover hides some and leaves the rest where it was, a turned camera moved them all.
            in_place = kept >= 0.4
        # Otherwise: a turned camera still sees a textured world; a cover is smooth.
        # A cover over half the view also leaves too little to match features against.
        textured = (
            metrics.get("scene_structure_ratio", 0.0) >= 0.7 and metrics.get("occluded_fraction", 0.0) < 0.4
        )
        drop.add(F.SCENE_CHANGED if in_place or not textured else F.OCCLUDED)
    if present(F.LOW_CONTRAST, F.SCENE_CHANGED):
        # A veil lowers contrast but leaves every textured cell where it was (their correlation with the
        # reference does not depend on contrast: fog keeps >= 0.15 of them in place on the tune set); a
        # turned camera whose new view is plainer than a busy reference (a car parked in it) keeps none.
        turned = metrics.get("scene_in_place", 1.0) <= t.scene_in_place
        drop.add(F.LOW_CONTRAST if turned else F.SCENE_CHANGED)
    if present(F.FROZEN, F.GLARE):
        # Glare is told from a bright object by staying put through the burst; a frozen burst stays put
        # whatever it shows, so the frozen stream is the finding.
        drop.add(F.GLARE)
    # A view swaying back and forth by more than twice the shaking bar is the mount, whatever fills it.
    swaying = metrics.get("shake_steadiness", 1.0) < 0.3 and metrics.get("shake_shift", 0.0) >= 0.012
    if present(F.SHAKING) and metrics.get("scene_ncc", 1.0) < 0.3 and not swaying:
        # Otherwise, the view no longer lines up with the reference (a truck filling it, a turned camera):
        # what moves is not the camera's usual scene, so its motion says nothing about the mount. (A shaking
        # view of a low-texture lot itself keeps 0.33-0.4.)
        drop.add(F.SHAKING)  # before the noise rule: a shaking set aside explains no flicker
    if (
        present(F.NOISE)
        and (codes - drop) & {F.SHAKING, F.LOW_FPS}
        and metrics.get("noise_by_flicker", 0.0) > 0.0
    ):
        # Noise seen only as flicker: a view moving as a whole changes every pixel, noisy or not, and frames
        # further apart than the camera's normal rate (whose flicker was learned) differ by more motion.
        drop.add(F.NOISE)
    if present(F.BLUR, F.SCENE_CHANGED):
        # Defocus also erases the features a scene is recognised by; a turned camera stays sharp.
        drop.add(F.SCENE_CHANGED if metrics.get("sharpness_ratio", 1.0) < 0.75 else F.BLUR)
    return drop
