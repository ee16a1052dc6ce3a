"""corrupted: decoder errors from the probe, and an 8-pixel block grid left on the picture."""

from __future__ import annotations

import numpy as np
from diagnosis_pictures import codes, live, textured

from qarauyl.diagnosis import StreamFacts, diagnose
from qarauyl.diagnosis.corruption import blockiness


def _blocky(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    small = frame[::8, ::8]
    return np.repeat(np.repeat(small, 8, axis=0), 8, axis=1)[:h, :w].copy()


def test_decoder_errors_are_corruption() -> None:
    facts = StreamFacts("h264", 480, 270, 25.0, 2000.0, decode_errors=6, frames_decoded=8)
    assert codes(diagnose(live(textured()), stream=facts)) == {"corrupted"}


def test_a_few_decoder_errors_in_many_frames_are_tolerated() -> None:
    facts = StreamFacts("h264", 480, 270, 25.0, 2000.0, decode_errors=1, frames_decoded=200)
    assert "corrupted" not in codes(diagnose(live(textured()), stream=facts))


def test_a_block_grid_is_blocky_and_a_clean_picture_is_not() -> None:
    picture = live(textured(seed=3), n=1)[0]
    assert blockiness(picture[..., 1]) < 1.5
    assert blockiness(_blocky(picture)[..., 1]) > 2.0


def _concealed(frame: np.ndarray) -> np.ndarray:
    """What a decoder shows for lost slices: the lower half smeared to flat grey."""
    out = frame.copy()
    out[frame.shape[0] // 2 :] = 128
    return out


def test_decoder_errors_win_over_the_cover_their_concealment_looks_like() -> None:
    picture = textured()
    frames = [_concealed(f) for f in live(picture)]
    # Without the decoder's word the grey half is, to the picture checks, a cover.
    assert "occluded" in codes(diagnose(frames, reference=picture))
    facts = StreamFacts("h264", 480, 270, 25.0, 2000.0, decode_errors=4, frames_decoded=8)
    assert codes(diagnose(frames, reference=picture, stream=facts)) == {"corrupted"}
