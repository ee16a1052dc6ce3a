"""Picking a reference from a camera's first healthy probes."""

from __future__ import annotations

import numpy as np
from diagnosis_pictures import live, textured

from qarauyl.diagnosis import Candidate, diagnose, pick_reference
from qarauyl.diagnosis.reference import MIN_HEALTHY_PROBES


def test_waits_for_enough_healthy_probes_and_skips_faulty_ones() -> None:
    picture = textured()
    black = np.zeros_like(picture)
    candidates = [Candidate(black, diagnose([black] * 4))]
    for i in range(MIN_HEALTHY_PROBES - 1):
        frame = live(picture, n=1, seed=i)[0]
        candidates.append(Candidate(frame, diagnose([frame])))
    assert pick_reference(candidates) is None
    frame = live(picture, n=1, seed=99)[0]
    candidates.append(Candidate(frame, diagnose([frame])))
    chosen = pick_reference(candidates)
    assert chosen is not None and chosen.mean() > 10
