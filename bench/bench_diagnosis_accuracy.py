"""Accuracy of `qarauyl.diagnosis`: precision and recall per fault code, false alarms on clean frames.

The labelled set: bursts of 8 consecutive frames from the real clips in ../shared/footage/ and from the
simulator's scenes (street day, IR night, asphalt, white wall), each clean and with every picture fault of
qarauyl.sim.picture_faults at strengths 0.3, 0.6 and 1.0 and several shape/colour variants. Each camera
gets a reference frame taken at the start of its footage (as the product learns one from its first probes).

Tuning and evaluation are kept apart: thresholds were tuned with `--split tune` (first half of each clip,
simulator seed 100); the default `--split eval` uses the second half of each clip and seed 1000, never
looked at while tuning. `--split tune --wide` widens the tune set without touching eval: simulator seeds
101 and 102 as well, each clip's first half seen a second time from a later reference
(`<clip>@<frame>`: another state of the scene, a car parked in the lot, as the learned picture), twice
the faulty bursts per source, and three times the variants of the two faults that
are told apart by their shape (occluded, scene_changed: every turned view is a new pan/tilt/rotation/zoom,
every cover a new mask), all from seeds the eval split never uses. `--faults` limits the faulty bursts to
some codes (clean bursts are always run), for quick iterations.

A fault the picture cannot show (blur on a featureless wall) is left out of the
labels and counted as "invisible": the thumbnails of clean and faulty frames differ by less than one level
on average, or, for scene_changed, their gradient magnitudes by less than 4 levels per pixel (a turned camera
is recognised by structure; on a featureless wall it looks like a change of light).

    .venv/bin/python bench/bench_diagnosis_accuracy.py [--quick] [--split eval|tune] [--wide] [--verbose]
        [--faults occluded,scene_changed]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from qarauyl.diagnosis import diagnose
from qarauyl.sim.picture_faults import PICTURE_FAULTS, make_fault_renderer
from qarauyl.sim.scenes import SCENES, generate_scene

FOOTAGE = Path(__file__).resolve().parents[2] / "shared" / "footage"
BURST = 8
STRENGTHS = (0.3, 0.6, 1.0)
SIM_SIZE = (640, 360)
SIM_FPS = 12.5


@dataclass(frozen=True)
class Source:
    name: str
    frames: list[np.ndarray]
    fps: float


def _decode(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


# Simulator seeds per split; the wide tune set adds two (never eval's 1000).
SIM_SEEDS = {"tune": (100,), "eval": (1000,)}
WIDE_SIM_SEEDS = (100, 101, 102)
# The wide tune set's second reference frame per clip, inside the first half.
SECOND_REFERENCE = {"car-detection.mp4": 64, "one-by-one-person-detection.mp4": 232}
# Faults whose variants differ in shape (a new mask, a new turn): the wide tune set renders more of them.
SHAPED = ("occluded", "scene_changed")


def sources(split: str, quick: bool, wide: bool = False) -> list[Source]:
    if not FOOTAGE.is_dir():
        sys.exit(
            f"footage not found at {FOOTAGE}: this benchmark needs ../shared/footage beside the repository"
        )
    out = []
    for clip, fps in (("car-detection.mp4", 12.5), ("one-by-one-person-detection.mp4", 10.0)):
        frames = _decode(FOOTAGE / clip)
        half = len(frames) // 2
        out.append(Source(clip.split(".")[0], frames[:half] if split == "tune" else frames[half:], fps))
        if wide:
            # The same first half seen from a second reference: another state of the scene as the camera's
            # learned picture (in the parking lot, a car that has just parked; clean bursts after it stay
            # healthy, unlike a reference of a car that then drives off, whose contrast the empty lot lacks).
            second = SECOND_REFERENCE[clip]
            out.append(Source(f"{clip.split('.')[0]}@{second}", frames[second:half], fps))
    seconds = 8.0 if quick else 16.0
    seeds = WIDE_SIM_SEEDS if wide else SIM_SEEDS[split]
    for seed in seeds:
        for scene in SCENES:
            frames = list(
                generate_scene(
                    scene, width=SIM_SIZE[0], height=SIM_SIZE[1], fps=SIM_FPS, seconds=seconds, seed=seed
                )
            )
            name = f"sim:{scene}" if seed == seeds[0] else f"sim:{scene}:{seed}"
            out.append(Source(name, frames, SIM_FPS))
    return out


def bursts(source: Source, count: int) -> Iterator[tuple[float, list[np.ndarray]]]:
    """`count` bursts spread over the source after its reference frame (frame 0)."""
    starts = np.linspace(BURST, len(source.frames) - BURST, count).astype(int)
    for start in starts:
        yield start / source.fps, source.frames[start : start + BURST]


def _thumb(frame: np.ndarray) -> np.ndarray:
    return cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), (80, 45), interpolation=cv2.INTER_AREA).astype(
        np.float32
    )


def _structure(frame: np.ndarray) -> np.ndarray:
    thumb = _thumb(frame)
    return cv2.magnitude(cv2.Sobel(thumb, cv2.CV_32F, 1, 0), cv2.Sobel(thumb, cv2.CV_32F, 0, 1))


def visible(fault: str, clean: list[np.ndarray], faulty: list[np.ndarray]) -> bool:
    if fault == "frozen":
        return True
    if fault == "scene_changed":
        # Where a camera points is seen through structure. A featureless surface turned away shows only its
        # brightness ramp moved (a white wall: 1.8-2.1 levels/px of gradient change, sensor noise included),
        # which is what a change of light looks like; any scene with edges changes by 10 or more.
        pairs = zip(clean, faulty, strict=True)
        return max(float(np.abs(_structure(a) - _structure(b)).mean()) for a, b in pairs) >= 4.0
    return max(float(np.abs(_thumb(a) - _thumb(b)).mean()) for a, b in zip(clean, faulty, strict=True)) >= 1.0


@dataclass
class Tally:
    tp: Counter[str]
    fn: Counter[str]
    fp: Counter[str]
    missed_as: defaultdict[str, Counter[str]]
    clean: Counter[str]
    clean_alarms: Counter[str]
    alarm_codes: Counter[str]
    invisible: Counter[str]


def fault_seed(split: str, fault: str, strength: float, b: int, v: int, variants: int, wide: bool) -> int:
    """The renderer seed of variant `v` of faulty burst `b`. Eval's seeds are as they always were; the wide
    tune set's extra variants of shaped faults come from their own range (2000 and up)."""
    if fault in ("no_signal", "occluded", "color_cast"):
        if wide and fault == "occluded":
            return 2000 + b * variants + v  # the occluder's kind is the seed modulo 4: all four still come
        return v + (b * variants)  # these pick their variant from the seed
    if split == "eval":
        return b * 7 + v * 3 + int(strength * 10)
    if wide and fault in SHAPED:
        return 2000 + b * variants + v
    return 500 + b * 7 + v


def run(split: str, quick: bool, verbose: bool, wide: bool = False, faults: tuple[str, ...] = ()) -> Tally:
    tally = Tally(
        Counter(), Counter(), Counter(), defaultdict(Counter), Counter(), Counter(), Counter(), Counter()
    )
    clean_bursts = 8 if quick else 30
    fault_bursts = (2 if quick else 4) * (2 if wide else 1)
    base_variants = 2 if quick else 4
    for source in sources(split, quick, wide):
        reference = source.frames[0]
        for i, (_t0, frames) in enumerate(bursts(source, clean_bursts)):
            codes = diagnose(frames, reference=reference).codes()
            tally.clean[source.name] += 1
            if codes:
                tally.clean_alarms[source.name] += 1
                tally.alarm_codes.update(codes)
                for code in codes:
                    tally.fp[code] += 1
                if verbose:
                    print(f"  false alarm {source.name} burst {i}: {sorted(codes)}")
        for b, (t0, frames) in enumerate(bursts(source, fault_bursts)):
            for fault in PICTURE_FAULTS:
                if faults and fault not in faults:
                    continue
                variants = base_variants * (3 if wide and fault in SHAPED else 1)
                for strength in STRENGTHS:
                    for v in range(variants):
                        seed = fault_seed(split, fault, strength, b, v, variants, wide)
                        render = make_fault_renderer(fault, strength=strength, seed=seed)
                        faulty = [render(f, t0 + k / source.fps) for k, f in enumerate(frames)]
                        if not visible(fault, frames, faulty):
                            tally.invisible[f"{fault}@{source.name}"] += 1
                            continue
                        codes = diagnose(faulty, reference=reference).codes()
                        if fault in codes:
                            tally.tp[fault] += 1
                        else:
                            tally.fn[fault] += 1
                            tally.missed_as[fault][",".join(sorted(codes)) or "-"] += 1
                            if verbose:
                                print(
                                    f"  missed {fault}@{strength} v{v} on {source.name} b{b}: {sorted(codes)}"
                                )
                        for code in codes - {fault}:
                            tally.fp[code] += 1
                            if verbose:
                                print(f"  wrong {code} for {fault}@{strength} v{v} on {source.name} b{b}")
    return tally


def report(tally: Tally) -> None:
    print(f"{'fault':15} {'precision':>9} {'recall':>7} {'TP':>5} {'FN':>5} {'FP':>5}   missed as")
    codes = list(PICTURE_FAULTS) + sorted(set(tally.fp) - set(PICTURE_FAULTS))
    for code in codes:
        tp, fn, fp = tally.tp[code], tally.fn[code], tally.fp[code]
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        missed = ", ".join(f"{k}:{n}" for k, n in tally.missed_as[code].most_common(3))
        print(f"{code:15} {precision:9.3f} {recall:7.3f} {tp:5d} {fn:5d} {fp:5d}   {missed}")
    total_clean = sum(tally.clean.values())
    total_alarms = sum(tally.clean_alarms.values())
    rate = total_alarms / max(1, total_clean)
    print(f"\nfalse alarms on clean bursts: {total_alarms}/{total_clean} = {rate:.1%}")
    for name in tally.clean:
        print(f"  {name:32} {tally.clean_alarms[name]:3d}/{tally.clean[name]}")
    if tally.alarm_codes:
        print("  codes raised on clean bursts:", dict(tally.alarm_codes))
    if tally.invisible:
        print("left out as invisible (fault@source: samples):", dict(tally.invisible))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller set, for smoke tests")
    parser.add_argument("--split", choices=("eval", "tune"), default="eval")
    parser.add_argument("--wide", action="store_true", help="tune split only: more seeds and variants")
    parser.add_argument("--faults", default="", help="comma-separated codes to render (default: all)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if args.wide and args.split != "tune":
        parser.error("--wide widens the tune set only: the eval split stays as it is defined")
    faults = tuple(f for f in args.faults.split(",") if f)
    unknown = set(faults) - set(PICTURE_FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    cv2.setNumThreads(1)
    started = time.perf_counter()
    tally = run(args.split, args.quick, args.verbose, args.wide, faults)
    report(tally)
    print(
        f"\nsplit={args.split} wide={args.wide} faults={args.faults or 'all'} quick={args.quick}"
        f" in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
