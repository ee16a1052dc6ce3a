"""Encoded variants: encoded once, loop on an IDR picture, decode; faults change the encoded stream."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from sim_rtsp_client import decode_units

from qarauyl.sim.faults import make_fault
from qarauyl.sim.variants import Profile, build_clip_file, is_idr, load_clip, variant_for

SMALL = Profile(width=320, height=180, fps=10.0, gop=10, clip_seconds=1.0)


def clip_for(cache: Path, *faults: tuple[str, float], profile: Profile = SMALL):  # type: ignore[no-untyped-def]
    variant = variant_for(profile, [make_fault(n, s) for n, s in faults])
    return load_clip(build_clip_file(variant, cache))


def test_clip_is_whole_gops_starting_with_idr_and_decodes(sim_cache: Path) -> None:
    clip = clip_for(sim_cache)
    assert (clip.width, clip.height, clip.fps, clip.codec) == (320, 180, 10.0, "h264")
    assert len(clip.frames) % clip.gop == 0
    assert [i for i, k in enumerate(clip.keyframes) if k] == list(range(0, len(clip.frames), clip.gop))
    assert is_idr("h264", clip.frames[0][-1])
    assert [p[0] & 0x1F for p in clip.parameter_sets] == [7, 8]
    frames, errors = decode_units("h264", clip.frames)
    assert errors == 0 and len(frames) == len(clip.frames)
    assert frames[0].shape == (180, 320, 3)
    assert clip.snapshots and clip.snapshots[0][:2] == b"\xff\xd8"  # JPEG


def test_cache_is_reused(sim_cache: Path) -> None:
    variant = variant_for(SMALL, [])
    path = build_clip_file(variant, sim_cache)
    mtime = path.stat().st_mtime_ns
    started = time.monotonic()
    assert build_clip_file(variant, sim_cache) == path
    assert time.monotonic() - started < 0.05 and path.stat().st_mtime_ns == mtime


def test_a_variant_encodes_to_the_same_bytes_every_time(tmp_path: Path) -> None:
    # Heavy noise under a tight rate is where a multi-threaded rate control used to vary from run to
    # run: a test then saw other pictures each time it ran.
    variant = variant_for(Profile(width=640, height=360, fps=12.5, gop=12, clip_seconds=1.0),
                          [make_fault("noise", 1.0)])  # fmt: skip
    encodings = {build_clip_file(variant, tmp_path / str(i)).read_bytes() for i in range(4)}
    assert len(encodings) == 1


def test_variant_key_distinguishes_every_dimension() -> None:
    keys = {
        variant_for(SMALL, []).key,
        variant_for(Profile(width=320, height=180, fps=10.0, gop=20, clip_seconds=1.0), []).key,
        variant_for(SMALL, [make_fault("blur", 0.5)]).key,
        variant_for(SMALL, [make_fault("blur", 1.0)]).key,
        variant_for(SMALL, [make_fault("corrupted", 1.0)]).key,
        variant_for(Profile(width=320, height=180, fps=10.0, gop=10, clip_seconds=1.0, codec="h265"), []).key,
    }
    assert len(keys) == 6


def test_stream_faults_do_not_change_the_picture() -> None:
    assert variant_for(SMALL, [make_fault("offline"), make_fault("stall")]) == variant_for(SMALL, [])


def test_profile_faults_lower_resolution_fps_bitrate() -> None:
    assert variant_for(SMALL, [make_fault("low_resolution", 1.0)]).profile.width == 160
    low_fps = variant_for(SMALL, [make_fault("low_fps", 1.0)]).profile
    assert low_fps.fps == 2.0 and low_fps.gop == 2  # the GOP keeps its duration
    low = variant_for(SMALL, [make_fault("low_bitrate", 1.0)]).profile
    assert low.effective_bitrate_kbps < SMALL.effective_bitrate_kbps / 5


def test_corrupted_drops_slices_and_damages_decoding(sim_cache: Path) -> None:
    clean = clip_for(sim_cache)
    broken = clip_for(sim_cache, ("corrupted", 1.0))
    assert sum(map(len, broken.frames)) < sum(map(len, clean.frames)) * 0.8
    assert len(broken.frames) == len(clean.frames)  # every picture still exists, damaged
    good, _ = decode_units("h264", clean.frames)
    bad, _ = decode_units("h264", broken.frames)
    diff = [float(np.abs(a.astype(int) - b.astype(int)).mean()) for a, b in zip(good, bad, strict=False)]
    assert max(diff) > 10  # real decoder artefacts, not a painted overlay


def test_frozen_repeats_one_picture(sim_cache: Path) -> None:
    def steps(clip) -> list[float]:  # type: ignore[no-untyped-def]
        frames, _ = decode_units("h264", clip.frames)
        return [float(np.abs(a.astype(int) - b.astype(int)).mean()) for a, b in itertools.pairwise(frames)]

    frozen, moving = steps(clip_for(sim_cache, ("frozen", 1.0))), steps(clip_for(sim_cache))
    # Only encoder refinement differs between frozen pictures (the first IDR is coarser); a live
    # street changes every frame.
    assert np.median(frozen) < 1.0
    assert np.median(moving) > 3.0


def test_h265_variant(sim_cache: Path) -> None:
    clip = clip_for(
        sim_cache, profile=Profile(width=320, height=180, fps=10.0, gop=10, clip_seconds=1.0, codec="h265")
    )
    assert clip.codec == "h265" and len(clip.parameter_sets) == 3
    frames, errors = decode_units("h265", clip.frames)
    assert errors == 0 and len(frames) == len(clip.frames)


def test_bad_profile_is_named() -> None:
    with pytest.raises(ValueError, match="vp9"):
        Profile(codec="vp9").validate()
    with pytest.raises(ValueError, match="641x360"):
        Profile(width=641).validate()


def test_fault_lists_agree_with_picture_faults_and_domain() -> None:
    from qarauyl.domain import FaultCode
    from qarauyl.sim import faults, picture_faults

    assert set(faults.PICTURE_FAULTS) == set(picture_faults.PICTURE_FAULTS)
    codes = {c.value for c in FaultCode}
    assert set(faults.PICTURE_FAULTS) | set(faults.ENCODED_FAULTS) <= codes


@pytest.mark.parametrize(
    "fault",
    [
        "no_signal",
        "too_dark",
        "overexposed",
        "blur",
        "occluded",
        "scene_changed",
        "low_contrast",
        "noise",
        "color_cast",
        "stripes",
        "shaking",
        "glare",
        "ir_cut",
    ],
)
def test_every_picture_fault_encodes_and_changes_the_picture(sim_cache: Path, fault: str) -> None:
    tiny = Profile(width=160, height=90, fps=5.0, gop=5, clip_seconds=1.0)
    clean, _ = decode_units("h264", clip_for(sim_cache, profile=tiny).frames)
    faulty, errors = decode_units("h264", clip_for(sim_cache, (fault, 1.0), profile=tiny).frames)
    assert errors == 0 and len(faulty) == len(clean)
    diff = np.mean([np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(clean, faulty, strict=True)])
    assert diff > 2.0


def test_low_resolution_shows_the_same_view_scaled_down(sim_cache: Path) -> None:
    # The procedural scene's layout depends on its size; a camera set to a lower resolution must still
    # look at the same street, or the monitor rightly calls it turned away.
    full = clip_for(sim_cache)
    low = clip_for(sim_cache, ("low_resolution", 1.0))
    assert (low.width, low.height) == (160, 90)
    full_frame = decode_units("h264", full.frames[:1])[0][0].astype(np.float32)
    low_frame = decode_units("h264", low.frames[:1])[0][0].astype(np.float32)
    scaled = cv2.resize(full_frame, (160, 90), interpolation=cv2.INTER_AREA)
    assert np.corrcoef(scaled.ravel(), low_frame.ravel())[0, 1] > 0.9
