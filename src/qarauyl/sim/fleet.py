"""The simulated fleet: per-camera state (credentials, profile, active faults), the shared clip cache, and
the frame clocks that pace every stream.

Per-camera state is a small slotted object pointing at shared Profile and Clip objects, so 10,000 cameras
cost a few megabytes; clips are encoded in a worker process and shared by every camera showing them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from qarauyl.sim.faults import FaultSpec
from qarauyl.sim.variants import Clip, Profile, Variant, build_clip_file, load_clip, variant_for

log = logging.getLogger("qarauyl.sim")


class ClipCache:
    """Variant -> Clip, encoded once (in a worker process, so encoding never stalls the streams), kept on
    disk in `cache_dir` and in memory while the server runs."""

    def __init__(self, cache_dir: Path, *, workers: int = 1) -> None:
        self.cache_dir = cache_dir
        self._clips: dict[Variant, Clip] = {}
        self._pending: dict[Variant, asyncio.Future[Clip]] = {}
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def ready(self, variant: Variant) -> Clip | None:
        return self._clips.get(variant)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a forked child of a process running an event loop and threads is not safe.
            self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    async def get(self, variant: Variant) -> Clip:
        clip = self._clips.get(variant)
        if clip is not None:
            return clip
        pending = self._pending.get(variant)
        if pending is None:
            pending = asyncio.ensure_future(self._build(variant))
            self._pending[variant] = pending
        return await asyncio.shield(pending)

    async def _build(self, variant: Variant) -> Clip:
        loop = asyncio.get_running_loop()
        try:
            path = self.cache_dir / f"{variant.key}.clip"
            if not path.exists():
                started = time.monotonic()
                path = await loop.run_in_executor(self._executor(), build_clip_file, variant, self.cache_dir)
                log.info("encoded variant %s in %.1f s", variant.key, time.monotonic() - started)
            clip = await loop.run_in_executor(None, load_clip, path)
            self._clips[variant] = clip
            return clip
        finally:
            self._pending.pop(variant, None)

    def memory_bytes(self) -> int:
        return sum(sum(len(n) for au in c.frames for n in au) * 2 for c in self._clips.values())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def unique_faults(faults: Iterable[FaultSpec]) -> tuple[FaultSpec, ...]:
    """One instance of each fault, in order; a later one of the same name wins."""
    unique: dict[str, FaultSpec] = {}
    for f in faults:
        unique[f.name] = f
    return tuple(unique.values())


class Camera:
    """One simulated camera. Slotted: the fleet holds thousands."""

    __slots__ = (
        "auth", "clip", "fault_since", "faults", "id", "password", "plays", "profile", "username", "variant",
    )  # fmt: skip

    def __init__(self, cam_id: int, username: str, password: str, profile: Profile, auth: str) -> None:
        self.id = cam_id
        self.username = username
        self.password = password
        self.profile = profile
        self.auth = auth
        self.faults: tuple[FaultSpec, ...] = ()
        self.fault_since = 0.0
        self.variant: Variant = variant_for(profile, ())
        self.clip: Clip | None = None  # the clip of `variant` once it is ready
        # Sessions (and snapshots) started so far: each starts at the next IDR picture of the looping clip,
        # so two successive connections never see the same picture, as with a live camera.
        self.plays = 0

    def next_entry(self, clip: Clip) -> int:
        self.plays += 1
        return clip.entry_point(self.id + self.plays)

    def fault(self, name: str) -> FaultSpec | None:
        for f in self.faults:
            if f.name == name:
                return f
        return None

    def is_down(self, now: float) -> bool:
        """Offline now: the `offline` fault, or the down phase of `flapping`."""
        if self.fault("offline"):
            return True
        flap = self.fault("flapping")
        if flap is None:
            return False
        period = max(0.2, flap.param("period_s"))
        phase = ((now - self.fault_since) % period) / period
        # Starts with the down phase, so a fault set at t is visible right away.
        return phase < min(1.0, flap.param("down_fraction"))


class FrameClock:
    """Ticks at one frame rate and calls every subscriber each tick: one timer for all the streams at
    that rate instead of one per stream."""

    def __init__(self, fps: float) -> None:
        self.fps = fps
        self._subscribers: dict[int, Callable[[], None]] = {}
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, key: int, callback: Callable[[], None]) -> None:
        self._subscribers[key] = callback
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def unsubscribe(self, key: int) -> None:
        self._subscribers.pop(key, None)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        period = 1.0 / self.fps
        next_tick = loop.time()
        while self._subscribers:
            next_tick += period
            delay = next_tick - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:
                next_tick = loop.time()  # overloaded: drop the backlog instead of bursting
            for callback in list(self._subscribers.values()):
                try:
                    callback()
                except Exception:  # one broken session must not stop the others
                    log.exception("stream tick failed")

    def stop(self) -> None:
        self._subscribers.clear()
        if self._task is not None:
            self._task.cancel()


class Fleet:
    """All cameras of one simulator, their faults, and the clips they show."""

    def __init__(
        self,
        count: int,
        *,
        cache: ClipCache,
        profiles: Sequence[Profile],
        username: str = "admin",
        password: str = "admin",
        auth: str = "digest",
    ) -> None:
        if count < 1:
            raise ValueError(f"the fleet needs at least one camera, got {count}")
        self.cache = cache
        self.started = time.monotonic()
        # Shared profiles: camera i looks at profiles[i % len(profiles)] (different seeds: different streets).
        self.cameras = [
            Camera(i, username, password, profiles[(i - 1) % len(profiles)], auth)
            for i in range(1, count + 1)
        ]
        self._clocks: dict[float, FrameClock] = {}
        self._listeners: list[Callable[[Camera], None]] = []

    def camera(self, cam_id: int) -> Camera | None:
        if 1 <= cam_id <= len(self.cameras):
            return self.cameras[cam_id - 1]
        return None

    def clock(self, fps: float) -> FrameClock:
        clock = self._clocks.get(fps)
        if clock is None:
            clock = self._clocks[fps] = FrameClock(fps)
        return clock

    def on_change(self, listener: Callable[[Camera], None]) -> None:
        """`listener(camera)` runs after a camera's faults or credentials change (sessions react)."""
        self._listeners.append(listener)

    def _changed(self, cam: Camera) -> None:
        for listener in self._listeners:
            listener(cam)

    def variants(self) -> set[Variant]:
        return {c.variant for c in self.cameras}

    async def warm_up(
        self, extra: Iterable[Variant] = (), progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Encodes (or loads) every variant the fleet shows now, plus `extra` ones (initial faults, the
        scenario's timeline), in parallel on the cache's workers; then attaches the clips."""
        wanted = self.variants() | set(extra)
        for done, finished in enumerate(asyncio.as_completed([self.cache.get(v) for v in wanted]), 1):
            await finished
            if progress:
                progress(done, len(wanted))
        for cam in self.cameras:
            cam.clip = self.cache.ready(cam.variant)

    async def ensure_clip(self, cam: Camera) -> Clip:
        clip = cam.clip
        if clip is not None:
            return clip
        variant = cam.variant
        clip = await self.cache.get(variant)
        if cam.variant == variant:
            cam.clip = clip
        return clip

    async def set_faults(self, cam_ids: Iterable[int], faults: Sequence[FaultSpec]) -> None:
        """Replaces the active faults of cameras; returns once their new clips are ready, so a caller
        that set `blur` can rely on the next frames being blurred."""
        specs = unique_faults(faults)
        cams = [self._require(i) for i in cam_ids]
        variants = {c.id: variant_for(c.profile, specs) for c in cams}
        # Build first (errors such as an unreadable scene video leave the cameras unchanged).
        clips = {v: await self.cache.get(v) for v in set(variants.values())}
        now = time.monotonic()
        for cam in cams:
            cam.faults = specs
            cam.fault_since = now
            cam.variant = variants[cam.id]
            cam.clip = clips[cam.variant]
            self._changed(cam)

    async def add_fault(self, cam_id: int, fault: FaultSpec) -> None:
        cam = self._require(cam_id)
        await self.set_faults([cam_id], [*(f for f in cam.faults if f.name != fault.name), fault])

    async def clear_faults(self, cam_ids: Iterable[int], name: str | None = None) -> None:
        for cam_id in cam_ids:
            cam = self._require(cam_id)
            keep = [] if name is None else [f for f in cam.faults if f.name != name]
            await self.set_faults([cam_id], keep)

    def set_credentials(self, cam_id: int, *, password: str, username: str | None = None) -> None:
        cam = self._require(cam_id)
        cam.password = password
        if username is not None:
            cam.username = username
        self._changed(cam)

    def _require(self, cam_id: int) -> Camera:
        cam = self.camera(cam_id)
        if cam is None:
            raise KeyError(f"no camera {cam_id}: this simulator has cameras 1..{len(self.cameras)}")
        return cam

    def close(self) -> None:
        for clock in self._clocks.values():
            clock.stop()
        with contextlib.suppress(Exception):
            self.cache.close()
