"""Benchmark 3, probe throughput: cameras per second against the simulator, three ways, same run.

  full     the monitor's own pool running its own job: TCP/OPTIONS check, RTSP handshake, first
           keyframe + N frames, snapshot JPEG, then (the stream closed) diagnosis of the frames on the
           worker's analysis thread, baseline update; frames not shipped back. The camera has no
           reference yet (its first probes). Concurrency counts open streams, as for the others.
  full+ref the same, each camera compared with its reference (a snapshot taken beforehand): the monitor's
           steady state, where the worker restores the reference from the parts and measurements an
           earlier probe sent back (as the monitor keeps them)
  decode   the ceiling: the same streams opened and decoded (first keyframe + N frames) by bare PyAV in
           a pool of pre-started processes, nothing else
  ffmpeg   the common script: one `ffmpeg -rtsp_transport tcp -i URL -frames:v 1 out.jpg` process per
           camera

All run at the same concurrency against the same simulated fleet. Full, full+ref and decode are measured
in turn `--repeats` times and the medians reported (full/decode: the median of the pairs' ratios).
Targets: full >= 10x ffmpeg, full >= 0.8x decode. The script grabs one frame, so the first target is judged at
one frame per probe; with more frames the ratio is printed "vs 1 frame", for information.

Beside each rate it prints the CPU spent per probe by every process involved (this one, its pool workers,
the ffmpeg children and the simulator serving the streams). When the cores are saturated the rates follow
these figures, and unlike the rates they hardly move when something else loads the machine. The summary
says how many cores each side kept busy: the busier bare decoding keeps them, the nearer the full/decode
ratio comes to the ratio of CPU per probe; where it leaves them idle, it is paced by the cameras and the
ratio follows the machine's speed.

    .venv/bin/python bench/bench_probe_throughput.py [--quick] [--cameras 40] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qarauyl.domain.stream_url import with_credentials
from qarauyl.monitor.job import MonitorJob, MonitorResult
from qarauyl.monitor.service import monitor_pool
from qarauyl.probe import ProbeJob, ProbePool
from qarauyl.probe.rtsp import ffmpeg_options, stream_options


def monitor_jobs(
    urls: list[str],
    user: str,
    password: str,
    frames: int,
    references: dict[str, bytes] | None = None,
    measurements: dict[str, MonitorResult] | None = None,
) -> list[MonitorJob]:
    """The jobs the monitor would send, with each camera's reference if `references` has one, and what an
    earlier probe measured and prepared of it if `measurements` has that probe's result."""
    known = references or {}
    measured = measurements or {}
    return [
        MonitorJob(
            url,
            user,
            password,
            frames=frames,
            camera_id=index,
            reference_jpeg=known.get(url),
            reference_measurements=measured[url].reference_measurements if url in measured else None,
            reference_parts=measured[url].reference_parts if url in measured else None,
        )
        for index, url in enumerate(urls, 1)
    ]


def decode_only(url: str, frames: int) -> bool:
    """Bare PyAV: open, skip to the first keyframe, decode `frames` frames. The ceiling."""
    import av

    scheme = urlsplit(url).scheme
    # The probe's own FFmpeg options, the analysis at open that skips decoding included: the ceiling gets
    # every saving the probe has. (PyAV's stubs type stream_options as list[str]; it takes dicts.)
    per_stream: Any = stream_options(scheme=scheme)
    with av.open(
        url,
        format="rtsp",
        options=ffmpeg_options(scheme=scheme, timeout=10),
        stream_options=per_stream,
        timeout=10,
    ) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        decoded = 0
        keyframe = False
        for packet in container.demux(stream):
            keyframe = keyframe or packet.is_keyframe
            if not keyframe:
                continue
            decoded += len(packet.decode())
            if decoded >= frames:
                return True
    return False


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _descendants(pid: int) -> list[int]:
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as children:
                for child in children.read().split():
                    found += [int(child), *_descendants(int(child))]
    except OSError:
        pass  # gone meanwhile, or not Linux
    return found


def _process_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


class CpuMeter:
    """CPU seconds of this process and all its descendants, the living (pool workers, the simulator:
    read from /proc) and the reaped (ffmpeg children: from getrusage)."""

    def __init__(self) -> None:
        self._start = self._living()
        self._reaped = self._reaped_children()

    @staticmethod
    def _reaped_children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    @staticmethod
    def _living() -> dict[int, float]:
        me = os.getpid()
        return {pid: _process_cpu(pid) for pid in [me, *_descendants(me)]}

    def seconds(self) -> float:
        now = self._living()
        living = sum(now[pid] - self._start.get(pid, 0.0) for pid in now)
        return living + self._reaped_children() - self._reaped


def _warm(_index: int) -> int:
    import av  # noqa: F401

    from qarauyl.probe.allocator import keep_freed_memory

    # The same allocator setting as the probe workers, so that the ceiling is not lowered by page faults
    # the full probe is spared.
    keep_freed_memory()
    return os.getpid()


def ffmpeg_one(url: str, out_dir: str, index: int) -> bool:
    out = Path(out_dir) / f"{index}.jpg"
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url,
         "-frames:v", "1", "-y", str(out)],
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return done.returncode == 0 and out.exists()


@dataclass(frozen=True)
class Run:
    seconds: float
    ok: int
    cpu_per_probe: float  # seconds, all processes

    @staticmethod
    def median(runs: list[Run]) -> Run:
        """The repeats' median time and CPU, and the fewest successes any of them had."""
        return Run(
            statistics.median(r.seconds for r in runs),
            min(r.ok for r in runs),
            statistics.median(r.cpu_per_probe for r in runs),
        )


def run_full(
    urls: list[str],
    user: str,
    password: str,
    concurrency: int,
    frames: int,
    references: dict[str, bytes] | None = None,
    measurements: dict[str, MonitorResult] | None = None,
) -> tuple[Run, float]:
    # The monitor's pool: two processes per core, the rest of the concurrency in stream slots, and an
    # analysis thread per process.
    with monitor_pool(concurrency) as pool:
        # Warm-up: workers are long-lived in the monitor; their start is not part of a probe.
        warm_up = monitor_jobs([urls[0]] * concurrency, user, password, frames, references, measurements)
        list(pool.map(warm_up))
        jobs = monitor_jobs(urls, user, password, frames, references, measurements)
        start, meter = time.monotonic(), CpuMeter()
        results = list(pool.map(jobs))
        elapsed, cpu = time.monotonic() - start, meter.seconds()
    ok = sum(r.ok for r in results)
    first = [r.timings.first_frame_ms for r in results if r.timings.first_frame_ms is not None]
    return Run(elapsed, ok, cpu / len(urls)), statistics.median(first) if first else float("nan")


def take_references(cameras: list[str], user: str, password: str) -> dict[str, bytes]:
    """Each camera's snapshot, taken once beforehand, as the reference the monitor would have learnt."""
    with ProbePool(1, slots=4) as pool:
        results = list(
            pool.map([ProbeJob(url, user, password, frames=1, keep_frames=False) for url in cameras])
        )
    return {url: r.snapshot_jpeg for url, r in zip(cameras, results, strict=True) if r.snapshot_jpeg}


def measure_references(
    cameras: list[str], user: str, password: str, frames: int, references: dict[str, bytes]
) -> dict[str, MonitorResult]:
    """A first probe against each camera's reference: what it measured and prepared of the reference the
    monitor keeps and sends with every later probe of the camera."""
    with monitor_pool(4) as pool:
        results = list(pool.map(monitor_jobs(cameras, user, password, frames, references)))
    return {
        url: r
        for url, r in zip(cameras, results, strict=True)
        if isinstance(r, MonitorResult) and r.reference_measurements and r.reference_parts
    }


def run_decode(urls: list[str], user: str, password: str, concurrency: int, frames: int) -> Run:
    full_urls = [with_credentials(url, user, password) for url in urls]
    with ProcessPoolExecutor(concurrency) as executor:
        list(executor.map(_warm, range(concurrency * 2)))
        list(executor.map(decode_only, full_urls[:concurrency], [frames] * concurrency))
        start, meter = time.monotonic(), CpuMeter()
        ok = sum(executor.map(decode_only, full_urls, [frames] * len(full_urls)))
        elapsed, cpu = time.monotonic() - start, meter.seconds()
    return Run(elapsed, ok, cpu / len(urls))


def run_ffmpeg(urls: list[str], user: str, password: str, concurrency: int) -> Run:
    full_urls = [with_credentials(url, user, password) for url in urls]
    with tempfile.TemporaryDirectory() as out_dir, ThreadPoolExecutor(concurrency) as executor:
        start, meter = time.monotonic(), CpuMeter()
        ok = sum(executor.map(ffmpeg_one, full_urls, [out_dir] * len(full_urls), range(len(full_urls))))
        elapsed, cpu = time.monotonic() - start, meter.seconds()
    return Run(elapsed, ok, cpu / len(urls))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small fleet, for a smoke test")
    parser.add_argument("--cameras", type=int, default=40)
    # Ten rounds: 400 probes, a few seconds per measurement. With three (under a second at 16 streams) one
    # second of the shared machine's moods decided a pair's ratio (0.75-0.88 around the same centre).
    parser.add_argument("--rounds", type=int, default=10, help="probes per camera (full and decode modes)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="alternating full/decode measurements; medians are reported"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 16])
    parser.add_argument(
        "--frames", type=int, nargs="+", default=[1, 6],
        help="frames per probe: 1 is the same work as `ffmpeg -frames:v 1`, 6 is the monitor's default",
    )  # fmt: skip
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    args = parser.parse_args()
    if args.quick:
        args.cameras, args.rounds, args.concurrency, args.frames, args.repeats = 8, 1, [4], [1], 1

    from qarauyl.sim.harness import run_simulator

    password = "bench-Pa55"
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as cache, run_simulator(
        args.cameras, cache_dir=Path(cache), password=password, width=args.width, height=args.height,
        max_lifetime=3600,
    ) as sim:  # fmt: skip
        cameras = [sim.rtsp_url(cam) for cam in range(1, args.cameras + 1)]
        urls = cameras * args.rounds
        user = sim.credentials(1)[0]
        print(
            f"probe throughput: {args.cameras} simulated cameras ({args.width}x{args.height} H.264, "
            f"{sim.info.get('fps', 25)} fps, digest auth), {len(urls)} probes per measurement "
            f"({len(cameras)} for ffmpeg), {os.cpu_count()} cores shared with the simulator",
            flush=True,
        )
        references = take_references(cameras, user, password)
        # What the monitor keeps of each reference depends on the frames per probe, not the concurrency.
        measured_for = {
            frames: measure_references(cameras, user, password, frames, references) for frames in args.frames
        }
        for concurrency in args.concurrency:
            ffmpeg = run_ffmpeg(cameras, user, password, concurrency)
            ffmpeg_rate = len(cameras) / ffmpeg.seconds
            print(
                f"  c={concurrency}: (b) ffmpeg per camera {ffmpeg_rate:.1f}/s "
                f"({ffmpeg.ok}/{len(cameras)} ok, {ffmpeg.cpu_per_probe * 1000:.1f} ms CPU per probe)"
            )
            for frames in args.frames:
                measured = measured_for[frames]
                # Full and decode alternate, and the medians are kept: on a shared machine the rate of one
                # run swings by a quarter with the neighbours, and a ratio of two runs minutes apart by more.
                fulls: list[Run] = []
                referenced: list[Run] = []
                decodes: list[Run] = []
                ttffs: list[float] = []
                for _ in range(args.repeats):
                    full, ttff = run_full(urls, user, password, concurrency, frames)
                    fulls.append(full)
                    ttffs.append(ttff)
                    referenced.append(
                        run_full(urls, user, password, concurrency, frames, references, measured)[0]
                    )
                    decodes.append(run_decode(urls, user, password, concurrency, frames))
                full_rate = statistics.median(len(urls) / run.seconds for run in fulls)
                ref_rate = statistics.median(len(urls) / run.seconds for run in referenced)
                decode_rate = statistics.median(len(urls) / run.seconds for run in decodes)
                ratios = [d.seconds / f.seconds for f, d in zip(fulls, decodes, strict=True)]
                ratio = statistics.median(ratios)
                ref_ratio = statistics.median(
                    d.seconds / f.seconds for f, d in zip(referenced, decodes, strict=True)
                )
                full, with_ref, decode = Run.median(fulls), Run.median(referenced), Run.median(decodes)
                ttff = statistics.median(ttffs)
                print(
                    f"  c={concurrency} frames={frames}: full probe + diagnosis {full_rate:.1f}/s "
                    f"({full.ok}/{len(urls)} ok, median first frame {ttff:.0f} ms, "
                    f"{full.cpu_per_probe * 1000:.1f} ms CPU per probe); "
                    f"with references {ref_rate:.1f}/s ({with_ref.ok} ok, "
                    f"{with_ref.cpu_per_probe * 1000:.1f} ms CPU per probe); "
                    f"(a) decode only {decode_rate:.1f}/s ({decode.ok} ok, "
                    f"{decode.cpu_per_probe * 1000:.1f} ms CPU per probe); "
                    f"full/decode per pair {', '.join(f'{r:.2f}' for r in ratios)}",
                    flush=True,
                )
                # The script grabs one frame: against a probe of several frames the ratio is no target.
                ffmpeg_bar = "(>= 10)" if frames == 1 else "(vs 1 frame)"
                rows.append(
                    f"  c={concurrency:<3d} frames={frames}:  full {full_rate:6.1f}/s  "
                    f"decode {decode_rate:6.1f}/s  "
                    f"ffmpeg {ffmpeg_rate:5.1f}/s  full/ffmpeg {full_rate / ffmpeg_rate:5.1f}x {ffmpeg_bar}  "
                    f"full/decode {ratio:4.2f}x (>= 0.8)  "
                    f"CPU ms/probe full {full.cpu_per_probe * 1000:.1f} decode "
                    f"{decode.cpu_per_probe * 1000:.1f} ffmpeg {ffmpeg.cpu_per_probe * 1000:.1f}\n"
                    f"  {'':18s}full+ref {ref_rate:6.1f}/s  (the steady state: against each camera's "
                    f"reference)  full+ref/ffmpeg {ref_rate / ffmpeg_rate:5.1f}x  "
                    f"full+ref/decode {ref_ratio:4.2f}x  CPU ms/probe full+ref "
                    f"{with_ref.cpu_per_probe * 1000:.1f}"
                )
                # Which side the cores bind: a run that keeps them busy is paced by its CPU per probe, one
                # that does not by the cameras (handshakes, the frame interval). The busier bare decoding,
                # the nearer the full/decode ratio comes to the ratio of their CPU per probe.
                cores = os.cpu_count() or 1
                busy_full = full_rate * full.cpu_per_probe
                busy_decode = decode_rate * decode.cpu_per_probe
                rows.append(
                    f"  {'':18s}cores busy (all processes, of {cores}): full {busy_full:.2f} "
                    f"({busy_full / cores:.0%}), decode {busy_decode:.2f} ({busy_decode / cores:.0%}); "
                    f"CPU per probe decode/full {decode.cpu_per_probe / full.cpu_per_probe:.2f}"
                )
                if min(full.ok, with_ref.ok, decode.ok) < len(urls) or ffmpeg.ok < len(cameras):
                    rows.append("    WARNING: some probes failed; the rates count them as done")
    print("summary:")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
