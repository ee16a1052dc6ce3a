"""low_resolution, low_fps, low_bitrate against what the inventory expects."""

from __future__ import annotations

from diagnosis_pictures import codes, live, textured

from qarauyl.diagnosis import StreamFacts, StreamProfile, diagnose

PROFILE = StreamProfile(width=1920, height=1080, fps=25.0, min_bitrate_kbps=2048.0)


def test_a_stream_that_meets_its_profile_is_fine() -> None:
    facts = StreamFacts("h264", 1920, 1080, 25.0, 4096.0)
    assert codes(diagnose(live(textured()), stream=facts, profile=PROFILE)) == set()


def test_a_factory_reset_camera_streaming_cif_is_flagged_on_all_three() -> None:
    facts = StreamFacts("h264", 352, 288, 6.0, 256.0)
    found = diagnose(live(textured()), stream=facts, profile=PROFILE)
    assert codes(found) == {"low_resolution", "low_fps", "low_bitrate"}
    assert all(f.severity == "critical" for f in found.findings)


def test_a_slight_frame_rate_dip_is_tolerated() -> None:
    facts = StreamFacts("h264", 1920, 1080, 24.2, 4096.0)
    assert codes(diagnose(live(textured()), stream=facts, profile=PROFILE)) == set()


def test_no_profile_means_no_profile_findings() -> None:
    facts = StreamFacts("h264", 352, 288, 6.0, 256.0)
    assert codes(diagnose(live(textured()), stream=facts)) == set()
