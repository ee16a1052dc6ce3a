"""Benchmark 4, scale: can `monitor` keep a 10,000-camera fleet on a 5-minute cycle on this machine?

The simulator serves N cameras (640x360, 12.5 fps, one-second GOP: a typical sub-stream), the inventory
holds them all as connected, and the monitor probes and diagnoses every camera once (`run_once`: the
whole fleet as fast as the pool allows, which is what a 5-minute cycle must beat). Reported: cycle time,
cameras per second, the monitor's CPU (its own process and its probe workers, apart from the simulator's),
and the peak memory of the monitor with its workers (RSS and PSS; PSS shares the libraries fairly).

The timed cycle is the steady state: a first untimed cycle takes each camera's snapshot as its reference,
a second lets the workers measure those references once (the monitor keeps the measurements), and the
third is timed, every camera judged against its reference. `--cold` times the first cycle of a new fleet
instead (no reference, nothing learned: cheaper per probe, and what this bench measured before session 7).

    .venv/bin/python bench/bench_monitor_scale.py [--cameras 10000] [--concurrency 36] [--frames 4]

With `--broker redis://127.0.0.1:6379/12` the probes go through the remote path instead: `--workers`
`qarauyl worker` processes on this machine take sealed jobs from the broker (their CPU and memory count
as the monitor's), which measures what remote probing costs over local.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from qarauyl.inventory.importer import import_file
from qarauyl.monitor import Monitor, MonitorOptions, SnapshotStore
from qarauyl.monitor.recording import REFERENCE_VOTES
from qarauyl.remote import RemotePool, Sealer
from qarauyl.remote.app import make_app
from qarauyl.security import CredentialCipher
from qarauyl.sim.harness import run_simulator
from qarauyl.store import Database
from qarauyl.store.models import CameraHealthRow
from qarauyl.store.schema import upgrade

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _tree(pid: int, exclude: set[int]) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in exclude:
            continue
        out.append(p)
        todo += _children(p)
    return out


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _tree_cpu(pid: int) -> float:
    total = 0.0
    for member in _tree(pid, set()):
        try:
            total += _cpu_seconds(member)
        except (OSError, IndexError):
            continue
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, all) core-seconds the whole machine has spent since boot, from /proc/stat: the ground truth
    for how saturated the cores were, whatever process did the work."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS, sum(fields[:8]) / TICKS


def _memory_mb(pid: int) -> tuple[float, float]:
    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            pss = int(line.split()[1]) * 1024
    return rss / 2**20, pss / 2**20


@dataclass
class Sampler:
    """Samples the monitor's process tree (minus the simulator): peak memory, and CPU per process from its
    reading at `start` (or its birth) to its last reading (or the end)."""

    exclude: set[int]
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    peak_main_pss: float = 0.0  # the monitor's own process, apart from its probe workers
    first: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._pids: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, memory: bool = True, tree: bool = True) -> None:
        if tree:
            self._pids = _tree(os.getpid(), self.exclude)
        rss = pss = 0.0
        for pid in self._pids:
            try:
                # The last reading before a worker is recycled. A worker born during the cycle starts at 0.
                self.last[pid] = _cpu_seconds(pid)
                r, p = _memory_mb(pid) if memory else (0.0, 0.0)
            except (OSError, IndexError):
                continue
            self.first.setdefault(pid, 0.0)
            rss, pss = rss + r, pss + p
            if pid == os.getpid():
                self.peak_main_pss = max(self.peak_main_pss, p)
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def _run(self) -> None:
        # CPU every 0.5 s, the process tree every 2 s, memory every 5 s. The sampler runs in the monitor's
        # process and its cost counts as the monitor's: listing the children of every thread and having the
        # kernel walk every mapping to total the PSS, twice a second, took a fifth of a core. The workers
        # keep what they allocate (allocator.py), so a memory peak outlasts 5 s.
        ticks = 0
        while not self._stop.wait(0.5):
            ticks += 1
            self._sample(memory=ticks % 10 == 0, tree=ticks % 4 == 0)

    def start(self) -> None:
        # Read before the cycle starts: a worker recycled in its first half second (the pool replaces a
        # worker with a long record when it is idle, as between cycles) once went uncounted, with the CPU it
        # had before the cycle subtracted.
        for pid in _tree(os.getpid(), self.exclude):
            try:
                self.first[pid] = _cpu_seconds(pid)
            except (OSError, IndexError):
                continue
        self._sample()
        self._thread.start()

    def stop(self) -> float:
        """CPU seconds the tree spent between start and stop."""
        self._stop.set()
        self._thread.join()
        self._sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def _inventory(path: Path, urls: list[tuple[str, str, str]]) -> Path:
    lines = ["code,name,vendor,latitude,longitude,main_stream_url,username,password,resolution,fps,lifecycle"]
    for i, (url, user, password) in enumerate(urls, start=1):
        lat, lon = 43.25 + (i % 100) / 1000, 68.2 + (i // 100) / 1000
        place = f"{lat:.4f},{lon:.4f}"
        lines.append(f"B-{i:05d},Bench {i},hikvision,{place},{url},{user},{password},640x360,12.5,connected")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SECRET = "bench-remote-secret-0123456789"


def _remote_pool(stack: ExitStack, args: argparse.Namespace, tmp: Path) -> RemotePool:
    """Starts `--workers` probe workers on a fresh queue and returns the monitor's RemotePool (once the
    workers are up: their start is not part of a cycle)."""

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        QARAUYL_SECRET_KEY=SECRET,
        QARAUYL_DATA_DIR=str(tmp / "worker"),
        QARAUYL_LOG_LEVEL="WARNING",
    )
    per_worker = max(1, args.concurrency // args.workers)
    for i in range(args.workers):
        worker = subprocess.Popen(
            [sys.executable, "-m", "qarauyl", "worker", "--broker", args.broker, "--queue", queue,
             "--concurrency", str(per_worker), "--name", f"bench-{i}"],
            env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        stack.callback(worker.wait, 30)
        stack.callback(worker.terminate)
    pool = RemotePool(
        make_app(args.broker), Sealer(SECRET.encode()), size=per_worker * args.workers, queue=queue
    )
    stack.callback(pool.close)
    app = pool.app
    deadline = time.monotonic() + 120
    while len(app.control.ping(timeout=1.0) or []) < args.workers and time.monotonic() < deadline:
        time.sleep(0.5)
    return pool


def _take_references(db: Database, snapshots: SnapshotStore) -> int:
    """Every camera's latest snapshot becomes its reference, as an operator's "retake" would make it."""
    at = datetime.now(UTC)
    with db.session() as session:
        ids = session.scalars(
            select(CameraHealthRow.camera_id).where(CameraHealthRow.snapshot_path.is_not(None))
        ).all()
    for start in range(0, len(ids), 500):  # in batches, as the monitor learns them, not 10,000 rows at once
        with db.session() as session:
            chunk = select(CameraHealthRow).where(CameraHealthRow.camera_id.in_(ids[start : start + 500]))
            for row in session.scalars(chunk):
                assert row.snapshot_path is not None
                latest = snapshots.read(row.snapshot_path)
                row.reference_path = snapshots.save_reference(row.camera_id, latest, at)
                row.reference_at = at
                row.reference_votes = REFERENCE_VOTES
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=36)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--interval", type=float, default=300.0, help="the cycle to keep, seconds")
    parser.add_argument("--broker", help="probe through remote workers on this Celery broker")
    parser.add_argument("--workers", type=int, default=1, help="`qarauyl worker` processes (with --broker)")
    parser.add_argument(
        "--cold", action="store_true",
        help="time the first cycle of a new fleet (no references, nothing learned), not the steady state",
    )  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qarauyl-bench-scale-") as tmp_dir:
        tmp = Path(tmp_dir)
        db = Database(f"sqlite:///{tmp / 'qarauyl.db'}")
        upgrade(db)
        cipher = CredentialCipher(SECRET.encode())
        print(f"starting the simulator with {args.cameras} cameras…", flush=True)
        with run_simulator(
            args.cameras, cache_dir=tmp / "cache", fps=12.5, clip_seconds=4.0, max_lifetime=7200,
            ready_timeout=600, session_timeout=60,
        ) as sim:  # fmt: skip
            sim_pid = sim.process.pid
            urls = [(sim.rtsp_url(i), *sim.credentials(i)) for i in range(1, args.cameras + 1)]
            start = time.monotonic()
            import_file(db, _inventory(tmp / "fleet.csv", urls), cipher=cipher)
            print(
                f"inventory of {args.cameras} cameras imported in {time.monotonic() - start:.1f} s",
                flush=True,
            )
            options = MonitorOptions(concurrency=args.concurrency, timeout=10.0, frames=args.frames)
            sampler = Sampler(exclude={sim_pid})
            with ExitStack() as stack:
                pool = _remote_pool(stack, args, tmp) if args.broker else None
                snapshots = SnapshotStore(tmp / "snapshots")
                monitor = stack.enter_context(Monitor(db, cipher, snapshots, options, pool=pool))
                if not args.cold:
                    # The steady state: every camera compared with its reference (learned after a few
                    # healthy probes; here the warm-up cycle's snapshot is taken as it) and judged against
                    # what its baseline learned. A reference costs the worker a JPEG to decode, preparing and
                    # comparing against on every probe (its measurements, once; see the second cycle).
                    start = time.monotonic()
                    warm = monitor.run_once()
                    taken = _take_references(db, snapshots)
                    print(
                        f"warm-up cycle: {warm.probed} cameras in {time.monotonic() - start:.0f} s, "
                        f"{taken} references taken",
                        flush=True,
                    )
                    # A second one, in which the workers measure each new reference and the monitor keeps
                    # the measurements, as it has done for every camera after its first cycles of the day.
                    start = time.monotonic()
                    warm = monitor.run_once()
                    print(
                        f"second warm-up cycle: {warm.probed} cameras in {time.monotonic() - start:.0f} s, "
                        "references measured",
                        flush=True,
                    )
                # The simulator's CPU from here, not from its start: it encodes every clip variant during the
                # warm-up, which once made it look like half a core.
                sim_cpu_before = _tree_cpu(sim_pid)
                sampler.start()
                main_before = _cpu_seconds(os.getpid())
                busy_before, all_before = _machine_busy()
                start = time.monotonic()
                summary = monitor.run_once()
                cycle = time.monotonic() - start
                sim_cpu = _tree_cpu(sim_pid) - sim_cpu_before
                cpu = sampler.stop()
                main_cpu = _cpu_seconds(os.getpid()) - main_before
                busy_after, all_after = _machine_busy()
                machine = (busy_after - busy_before) / max(1e-9, all_after - all_before)
            with db.session() as session:
                # Only a comparison with a reference measures the scene's correlation with it.
                metrics = session.scalars(select(CameraHealthRow.metrics)).all()
                compared = sum(1 for m in metrics if m and "scene_ncc" in m)
        db.dispose()

    rate = summary.probed / cycle
    needed = args.cameras / rate
    verdict = "meets" if needed <= args.interval else "misses"
    cores = os.cpu_count() or 1
    print()
    timed = "the first (cold)" if args.cold else "steady state: every camera has a reference"
    print(f"timed cycle          {timed}")
    print(f"cameras probed       {summary.probed} ({dict(summary.states)})")
    print(f"judged by reference  {compared}")
    print(f"faults reported      {dict(summary.codes) or 'none'}")
    print(f"cycle time           {cycle:.1f} s ({rate:.1f} cameras/s)")
    print(f"whole fleet          {needed:.0f} s per cycle: {verdict} the {args.interval:.0f} s cycle")
    print(f"monitor CPU          {cpu:.1f} core-s: {100 * cpu / cycle:.0f}% of a core, {cores} cores")
    # A small fleet's main process spends hundredths of a second: one decimal would print it as 0.
    main_shown = f"{main_cpu:.1f}" if main_cpu >= 1 else f"{main_cpu:.3f}"
    print(f"  of which main      {main_shown} core-s (scheduling, recording; the rest: probe workers)")
    print(f"simulator CPU        {sim_cpu:.0f} core-s: {100 * sim_cpu / cycle:.0f}% of a core")
    print(f"machine busy         {100 * machine:.0f}% of its {cores} cores (every process)")
    # The target is on PSS, the memory the monitor takes from the machine: summed RSS counts every shared
    # library (FFmpeg, OpenCV, NumPy: ~110 MiB) once more for each worker process.
    print(
        f"monitor peak memory  PSS {sampler.peak_pss:.0f} MiB (target < 1024), "
        f"RSS summed over its processes {sampler.peak_rss:.0f} MiB"
    )
    print(f"  of which main      PSS {sampler.peak_main_pss:.0f} MiB (the rest: probe workers)")
    print(f"not recorded         {summary.not_recorded}, no answer {summary.unanswered}")
    if args.broker:
        print(f"remote               {args.workers} worker(s) through {args.broker}")


if __name__ == "__main__":
    main()
