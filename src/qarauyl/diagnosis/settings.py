"""Every threshold the checks use, in one typed, frozen object; each default says why it is what it is.

Pixel measures are on the analysis copy (the frame scaled to at most 480 pixels wide, 0..255 luma) unless a
comment says otherwise. Ratios against the reference are current / reference. The defaults were tuned on the
simulator's scenes with seeds 100-199 and on the first half of each footage clip; the accuracy benchmark
evaluates on other seeds and the second half (bench/bench_diagnosis_accuracy.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    # --- no_signal --------------------------------------------------------------------------------------
    # A cut cable shows black; a real dark scene still has a few bright pixels (lamps, IR-lit near field).
    black_mean_luma: float = 6.0
    black_p99_luma: float = 16.0
    # Vendor "no video" screens are flat synthetic colour: most blocks are noise-free (bars and captions
    # break a few)...
    flat_block_std: float = 1.0
    no_signal_flat_fraction: float = 0.8
    # ...and coloured; a flat grey/white picture is a covered lens or fog, not a missing signal.
    no_signal_min_saturation: float = 0.3
    # ...made of a handful of exact colours (8 colours cover this share); sensor noise makes thousands.
    no_signal_exact_colours: float = 0.85

    # --- brightness -------------------------------------------------------------------------------------
    # Below this mean, with no bright detail, nothing can be recognised. Night scenes lit by IR sit well
    # above it (IR lamps light the near field to 60-120), so they are not "too dark".
    too_dark_mean_luma: float = 35.0
    too_dark_p95_luma: float = 70.0
    # Against the reference: under this share of the reference's mean light (night IR keeps > 0.4).
    too_dark_reference_ratio: float = 0.3
    # Overexposure clips a large part of a bright picture; a white wall alone is mostly < 250, and the sun in
    # view (glare) clips under a quarter.
    overexposed_clipped_fraction: float = 0.3
    overexposed_mean_luma: float = 225.0
    # With a reference: the median unclipped pixel of an overexposed picture is this many times brighter
    # than the same pixel of the reference (the faintest benchmarked overexposure lifts it > 2.4); around a
    # light in the lens the picture keeps its level, its halo lifting the median to 1.7 at most.
    overexposed_lift: float = 2.0
    # A light in the lens clips at most about half the picture (the sun on a white wall: 0.54); a compact
    # clipped area bigger than this is the whole picture clipping (overexposure clips 0.84-0.97 at full
    # strength, leaving only the darkest objects as holes).
    overexposed_compact_clipped: float = 0.7

    # --- contrast (fog, dirty dome, protective film) ----------------------------------------------------
    # Without a reference: a 2..98 percentile range under 30 levels with a raised black level is a veil.
    low_contrast_range: float = 30.0
    low_contrast_black_level: float = 60.0
    # With a reference, the spread of the coarse picture shrinks against the camera's own normal (fog at
    # half strength halves it) and the black level rises by the veil's light.
    low_contrast_range_ratio: float = 0.6
    low_contrast_black_lift: float = 15.0
    # A reference whose thumbnail varies by less than this (std, levels) has no contrast of its own to lose
    # (asphalt 1-2, a white wall 3: shading and sensor noise); a veil shows there as its black level moving.
    low_contrast_featureless_std: float = 4.0

    # --- sharpness ----------------------------------------------------------------------------------------
    # Edge sharpness is the ratio of fine- to coarse-scale gradient on strong edges (contrast-invariant):
    # 2.0-3.5 for a focused camera, under 1.5 for a visibly defocused one.
    blur_sharpness: float = 1.5
    # With a reference: the ratio's drop against the reference's. A clean picture stays above 0.95 of its
    # reference; the faintest benchmarked defocus (4 px at 1080p) drops it under 0.85.
    blur_sharpness_ratio: float = 0.85
    # Fewer edge pixels than this share of the frame and sharpness is not judged (asphalt, a white wall).
    blur_min_edge_fraction: float = 0.004
    # With a reference, this share of the 3x3 regions that have edges in both must have lost sharpness:
    # defocus softens all of them, a cover's soft edges or a passing car only some.
    blur_spread: float = 0.6
    # ...and the picture's sharpness where the reference has its edges, against the reference's own there
    # (both read within a pixel, for vibration): defocus widens those edges and keeps it under 0.57 on the
    # wide tune set; fog and covers that lowered the picture's figure (their faint or soft new edges took
    # over) keep it over 0.73, since a veil scales the edges and a cover hides them, neither widens them.
    blur_reference_edge_ratio: float = 0.65

    # --- frozen -------------------------------------------------------------------------------------------
    # Mean absolute change between consecutive frames on the full-resolution sample; live sensor noise and
    # codec drift keep it above ~0.05 somewhere in a burst, a repeated picture is exactly 0.
    frozen_max_change: float = 0.02
    frozen_min_frames: int = 4

    # --- noise ----------------------------------------------------------------------------------------------
    # Noise sigma estimated on flat blocks at native resolution. Night IR scenes run at 6-13 (the
    # simulator's night street is 12.3); gain noise that hides faces starts around 16.
    noise_sigma: float = 15.0
    # The camera's own history raises the bar: a camera that is always noisy at night is not news.
    noise_baseline_margin: float = 4.0
    # Temporal flicker (share of samples changing by 6+ levels, median grid cell, median pair), only against
    # the camera's learned normal: the simulator's clean street flickers 0.01-0.05 through its 290 kbps
    # encoder, heavy noise 0.18-0.36. Two and a half times the normal, and four spreads above it, is
    # noise; under the floor it never is (a still scene tripling from 0.01 is still still).
    noise_flicker_ratio: float = 2.5
    noise_flicker_floor: float = 0.1

    # --- colour
    # -----------------------------------------------------------------------------------------------
    # Cast = chroma of the least saturated fifth of the picture (what should be grey), as a share of luma.
    color_cast: float = 0.09
    # Against the reference's own cast (a camera looking at a brick wall is orange every day).
    color_cast_delta: float = 0.08
    # Against the reference pixel by pixel: the median change of log(R/G), log(B/G) (a gain of 1.1 is
    # 0.095). The weakest benchmarked cast moves one of them by > 0.25.
    color_cast_shift: float = 0.15
    # A picture whose median pixel is this close to neutral (|log R/G| + |log B/G|) is grey (IR night).
    color_cast_grey: float = 0.03
    # IR leak is magenta: red and blue above green by this share, and close to each other.
    ir_cut_magenta: float = 0.06

    # --- stripes
    # ----------------------------------------------------------------------------------------------
    # Peak-to-ring-median ratio of the 2-D spectrum; natural scenes stay under ~25, interference is > 60.
    stripes_prominence: float = 45.0
    # A band's peak over the strongest bin two steps around it: > 8 for bands (the window's main lobe
    # is two bins wide), < 3 for the edges of large objects, whose spectrum is a line, not a point.
    stripes_sharpness: float = 5.0
    # With a reference, on the spectrum of the picture minus the reference: clean bursts, moved cameras,
    # fog, covers and noise leave no sharp peak at all (< 6); the faintest benchmarked bands on a busy
    # street reach 14.
    stripes_prominence_with_reference: float = 7.0
    # ...and over the whole picture: the peak's wave has at least this share of its strongest block's
    # amplitude in the median block of a 4x4 grid (bands > 0.7; the lamp posts of a turned view < 0.5).
    stripes_evenness: float = 0.6
    # ...and the peak's wave is stronger in the picture than in the reference: bands add to the scene; a
    # blurred view of a regular pattern (windows at night) leaves it in the residue weakened.
    stripes_added: float = 1.0

    # --- shaking
    # ----------------------------------------------------------------------------------------------
    # Median frame-to-frame global shift as a share of the width; a passing bus moves the estimate < 0.2 %.
    shaking_shift: float = 0.006
    shaking_min_response: float = 0.08
    # Net displacement over path length across the burst: a deliberate pan or tilt is ~1, shaking < 0.5
    # (the real parking-lot clip tilts at 0.55 once).
    shaking_max_steadiness: float = 0.7

    # --- glare
    # -------------------------------------------------------------------------------------------------
    # A clipped blob this big (share of the frame) with most clipped pixels in it is a light in the lens.
    # The faintest sun in view clips ~4 % of the frame; a white car in sunlight clips < 1.5 %.
    glare_blob_fraction: float = 0.02
    glare_concentration: float = 0.6
    # And it must be new: this many times the reference's clipped share (street lamps at night are normal).
    glare_new_ratio: float = 3.0
    # And it stays: this share of the blob was already bright (>= 230) in the burst's first frame. A light
    # in the lens keeps > 0.69; a white car crossing an empty lot keeps < 0.35 (< 0.55 on a shaking mount).
    glare_persistence: float = 0.6

    # --- against the reference: occlusion and scene change
    # ---------------------------------------------------
    # A cell is covered when its structure no longer matches the reference and it lost its texture.
    occluded_cell_ncc: float = 0.35
    occluded_texture_ratio: float = 0.5
    occluded_detail_ratio: float = 0.35
    # Where the reference cell was flat already: a colour jump this big (RGB distance) to a flat cover.
    occluded_flat_delta: float = 25.0
    # A mismatched cell that kept texture is covered when its colour is this far (RGB distance) from every
    # colour of the reference (leaves with the scene showing between them).
    occluded_foreign_delta: float = 30.0
    # A hand or a bag covers a third of the view or more (a quarter of the grid, counting soft edges only
    # where the cover is solid); people passing are smaller and move between the first and last frame.
    occluded_fraction: float = 0.25
    # Under half covered, the rest of the view must still be the reference's, in place: this share of its
    # textured cells still correlate with the reference. Partly covered scenes keep most; a turned camera
    # keeps next to none, and its new view's flat patches would otherwise pass for a cover (they make up
    # less than half of the grid: flat patches that big are a cover whatever the rest shows).
    occluded_in_place: float = 0.3
    occluded_sure_fraction: float = 0.5
    # Where nothing textured is left outside the changed cells to judge that (the reference's detail was a
    # car in an empty lot), the changed cells must show a colour of their own instead: this far (median RGB
    # distance) from every colour of the reference under the current light. Covers on the wide tune set's
    # lot keep > 35; the lot turned away shows its own asphalt and cars elsewhere (median < 5, max 30).
    occluded_own_colour: float = 15.0
    # Structure correlation with the reference after aligning for vibration: day/night keeps it > 0.45,
    # a turned camera drops it under 0.3.
    scene_ncc: float = 0.3
    # A shift this big (share of the width) with a clear correlation peak is a knocked camera, not vibration.
    scene_shift: float = 0.08
    # Feature matching: the reference's scene is found when this many keypoints (and this share of the
    # fewer side's keypoints) agree on one similarity transform; day vs IR night keeps ~0.13, a turned
    # camera < 0.04.
    scene_min_inliers: int = 12
    scene_inlier_share: float = 0.08
    # A matched scene that turned or zoomed this much was moved (vibration stays under 1 degree / 3 %).
    scene_angle: float = 6.0
    scene_zoom: float = 0.15
    # With no feature match, the coarse structure must also disagree (clean scenes stay > 0.5, IR night
    # with its noise mostly > 0.38).
    scene_ncc_confirm: float = 0.38
    # Structure this similar, barely shifted, is the reference's view without asking the features.
    scene_fast_accept: float = 0.8
    # Cell by cell (occlusion's 8x6 grid): a view with at least this many textured cells, of which at most
    # this share still correlate with the reference in place in both the first and the last frame, is not
    # the reference's view any more. Clean bursts keep > 0.6 (0.2 where a truck fills the lot), heavy noise
    # and bands > 0.2; turned cameras mostly 0.
    scene_min_textured_cells: int = 12
    scene_in_place: float = 0.1
    # ...and with no feature match either, a view that still has this share of them in place is the
    # reference's with something changed in it (a car left the lot: > 0.5); turned cameras keep < 0.17.
    scene_in_place_kept: float = 0.35
    # Where there is too little texture for features: this share of the reference's strongest structure
    # still in place (within 2 thumbnail pixels) is the reference's view with something added. A car
    # parked in the empty lot keeps 1.0; the lot turned away keeps < 0.65.
    scene_structure_kept: float = 0.8

    # --- corruption
    # -------------------------------------------------------------------------------------------
    # Decoder errors per decoded frame that make a stream "corrupted".
    corrupted_error_rate: float = 0.05
    # Edge energy on the 8-pixel block grid against elsewhere; H.264 at sane bitrates stays < 1.5.
    blockiness: float = 2.0

    # --- stream profile
    # ---------------------------------------------------------------------------------------
    # Cameras renegotiate a little below nominal (25 -> 24.x fps, VBR dips); only a real shortfall counts.
    fps_tolerance: float = 0.8
    bitrate_tolerance: float = 1.0

    # --- severity
    # -----------------------------------------------------------------------------------------------
    # Occluded above this share of the view is critical (nothing useful is left).
    occluded_critical_fraction: float = 0.7


DEFAULT_THRESHOLDS = Thresholds()
