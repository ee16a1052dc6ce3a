"""Did a change to diagnosis keep its verdicts? Records findings and metrics over a fixed set, then compares.

For speed work, where every figure should stay what it was: run `save` before the change and `compare`
after it. The set: the simulator's four scenes at 640x360 and 1920x1080 (and the real clips of
../shared/footage where present), bursts of 1 and 6 frames with and without a reference, and every picture
fault at strengths 0.3 and 1.0 against the reference. `compare` lists every case whose codes changed and
the metrics that moved most, and exits 1 if any code changed.

    .venv/bin/python bench/diagnosis_regression.py save|compare [--file F] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from qarauyl.diagnosis import diagnose
from qarauyl.sim.picture_faults import PICTURE_FAULTS, make_fault_renderer
from qarauyl.sim.scenes import SCENES, generate_scene

FOOTAGE = Path(__file__).resolve().parents[2] / "shared" / "footage"
SIZES = ((640, 360), (1920, 1080))
Case = tuple[list[np.ndarray], np.ndarray | None]


def _clip(path: Path, width: int, height: int, count: int, skip: int) -> list[np.ndarray]:
    import av

    frames: list[np.ndarray] = []
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index >= skip:
                frames.append(frame.reformat(width=width, height=height, format="rgb24").to_ndarray())
            if len(frames) == count:
                break
    return frames


def sources(quick: bool) -> Iterator[tuple[str, list[np.ndarray], np.ndarray]]:
    """(name, a 6-frame burst, a reference frame of the same view)."""
    for width, height in SIZES[:1] if quick else SIZES:
        for scene in SCENES[:1] if quick else SCENES:
            frames = list(generate_scene(scene, width=width, height=height, fps=25, seconds=1.0, seed=3))
            yield f"{scene}@{width}", frames[-6:], frames[0]
        for clip in [] if quick else sorted(FOOTAGE.glob("*.mp4")):
            reference = _clip(clip, width, height, 1, 0)[0]
            yield f"{clip.stem}@{width}", _clip(clip, width, height, 6, 200), reference


def cases(quick: bool) -> Iterator[tuple[str, Case]]:
    faults = PICTURE_FAULTS[:2] if quick else PICTURE_FAULTS
    for name, burst, reference in sources(quick):
        for count in (1, 6):
            yield f"{name} {count} frames, no reference", (burst[-count:], None)
            yield f"{name} {count} frames, reference", (burst[-count:], reference)
        for seed, fault in enumerate(faults):
            for strength in (0.3, 1.0):
                render = make_fault_renderer(fault, strength=strength, seed=seed)
                faulty = [render(frame, i / 25) for i, frame in enumerate(burst)]
                yield f"{name} {fault} {strength}", (faulty, reference)


def record(quick: bool) -> dict[str, dict[str, Any]]:
    cv2.setNumThreads(1)
    found: dict[str, dict[str, Any]] = {}
    for key, (burst, reference) in cases(quick):
        diagnosis = diagnose(burst, reference=reference)
        codes = sorted(f.code.value for f in diagnosis.findings)
        found[key] = {"codes": codes, "metrics": {k: float(v) for k, v in diagnosis.metrics.items()}}
    return found


def compare(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> int:
    changed = 0
    moved: dict[str, tuple[float, str, float, float | None]] = {}
    for key, was in before.items():
        now = after.get(key)
        if now is None:
            print(f"case gone: {key}")
            changed += 1
            continue
        if now["codes"] != was["codes"]:
            print(f"codes changed: {key}: {was['codes']} -> {now['codes']}")
            changed += 1
        for metric, value in was["metrics"].items():
            new = now["metrics"].get(metric)
            shift = float("inf") if new is None else abs(new - value) / max(abs(value), 1e-3)
            if shift > moved.get(metric, (0.0,))[0]:
                moved[metric] = (shift, key, value, new)
    for metric, (shift, key, value, new) in sorted(moved.items(), key=lambda item: -item[1][0])[:15]:
        if shift > 1e-4:
            print(f"  {metric} moved by {shift:.1e} (relative) at {key}: {value} -> {new}")
    print(f"{len(before)} cases, {changed} with changed codes")
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("--file", type=Path, default=Path("diagnosis-verdicts.json"))
    parser.add_argument("--quick", action="store_true", help="one scene at 360p and two faults")
    args = parser.parse_args()
    found = record(args.quick)
    if args.action == "save":
        args.file.write_text(json.dumps(found, indent=0), encoding="utf-8")
        print(f"{len(found)} cases saved to {args.file}")
        return 0
    return compare(json.loads(args.file.read_text(encoding="utf-8")), found)


if __name__ == "__main__":
    sys.exit(main())
