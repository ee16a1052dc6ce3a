"""Encoded variants: what a camera shows (scene x faults x resolution x fps x GOP x codec), encoded once with
PyAV into a short looping clip of access units, cached on disk and shared in memory by every camera that
shows it. Serving a camera only packetises these access units.

Cache file layout (one file per variant, written atomically):
    b"QSIMCLIP1\\n", u32 header length, header JSON, NAL unit bytes back to back, snapshot JPEGs back to back.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import struct
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from qarauyl.sim.faults import FaultSpec

CLIP_FORMAT = b"QSIMCLIP1\n"
CODECS: tuple[str, ...] = ("h264", "h265")
_ENCODERS = {"h264": "libx264", "h265": "libx265"}
# Several slices per picture: dropping one (the `corrupted` fault) damages part of the picture, as a lost
# packet does on a real network, instead of losing whole frames.
_SLICES = 4


@dataclass(frozen=True)
class Profile:
    """What a camera is configured to send, and the scene it looks at."""

    scene: str = "street_day"
    seed: int = 0
    scene_path: str | None = None  # a user video file instead of a procedural scene
    width: int = 640
    height: int = 360
    fps: float = 25.0
    gop: int = 50
    codec: str = "h264"
    bitrate_kbps: int | None = None  # None: chosen from the resolution
    clip_seconds: float = 4.0

    @property
    def effective_bitrate_kbps(self) -> int:
        if self.bitrate_kbps is not None:
            return self.bitrate_kbps
        # About 0.1 bit per pixel per frame, the order of what city cameras are configured for.
        return max(150, int(self.width * self.height * self.fps * 0.1 / 1000))

    def validate(self) -> None:
        from qarauyl.sim.scenes import SCENES

        if self.scene_path is None and self.scene not in SCENES:
            raise ValueError(f"unknown scene {self.scene!r}; known scenes: {', '.join(SCENES)}")
        if not (16 <= self.width <= 4096 and 16 <= self.height <= 4096) or self.width % 2 or self.height % 2:
            raise ValueError(f"resolution must be even and within 16..4096, got {self.width}x{self.height}")
        if not 1 <= self.fps <= 60:
            raise ValueError(f"fps must be within 1..60, got {self.fps}")
        if not 1 <= self.gop <= 600:
            raise ValueError(f"gop must be within 1..600 frames, got {self.gop}")
        if self.codec not in CODECS:
            raise ValueError(f"unknown codec {self.codec!r}; known codecs: {', '.join(CODECS)}")
        if self.bitrate_kbps is not None and not 16 <= self.bitrate_kbps <= 50_000:
            raise ValueError(f"bitrate must be within 16..50000 kbps, got {self.bitrate_kbps}")
        if not 0.5 <= self.clip_seconds <= 30:
            raise ValueError(f"clip length must be within 0.5..30 s, got {self.clip_seconds}")


@dataclass(frozen=True)
class Variant:
    """One encodable clip: the profile after encoded faults, plus the picture faults and the corruption."""

    profile: Profile
    picture_faults: tuple[tuple[str, float], ...] = ()
    corrupted: float = 0.0  # strength of the `corrupted` fault; 0 = intact
    # The size the view is rendered at, when it differs from the encoded size (a camera set to a lower
    # resolution shows the same view, scaled down); None: the profile's own size.
    scene_size: tuple[int, int] | None = None

    @property
    def key(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        mtime = ""
        if self.profile.scene_path:
            # A user video that changes on disk must not be served from a stale cache.
            try:
                st = os.stat(self.profile.scene_path)
                mtime = f"{st.st_mtime_ns}:{st.st_size}"
            except OSError:
                mtime = "missing"
        return hashlib.sha256(blob + mtime.encode() + CLIP_FORMAT).hexdigest()[:24]


def _even(value: float) -> int:
    return max(16, int(value) // 2 * 2)


def variant_for(profile: Profile, faults: Sequence[FaultSpec]) -> Variant:
    """The variant a camera with this profile and these active faults shows. Pure."""
    p = profile
    pictures: list[tuple[str, float]] = []
    corrupted = 0.0
    for f in faults:
        if f.name == "low_resolution":
            scale = 1.0 - 0.5 * f.strength
            p = replace(p, width=_even(p.width * scale), height=_even(p.height * scale))
        elif f.name == "low_fps":
            p = replace(p, fps=max(1.0, round(p.fps * (1.0 - 0.8 * f.strength), 3)))
        elif f.name == "low_bitrate":
            p = replace(p, bitrate_kbps=max(16, int(p.effective_bitrate_kbps * (1.0 - 0.9 * f.strength))))
        elif f.name == "corrupted":
            corrupted = f.strength
        elif f.family == "picture":
            pictures.append((f.name, f.strength))
    if p.fps != profile.fps:
        p = replace(p, gop=max(1, round(p.gop * p.fps / profile.fps)))  # keep the GOP's duration
    scene_size = (
        None if (p.width, p.height) == (profile.width, profile.height) else (profile.width, profile.height)
    )
    return Variant(p, tuple(pictures), corrupted, scene_size)


@dataclass
class Clip:
    """A cached variant in memory: access units as lists of NAL units (without start codes)."""

    key: str
    codec: str
    width: int
    height: int
    fps: float
    gop: int
    bitrate_kbps: float
    parameter_sets: list[bytes]  # h264: [sps, pps]; h265: [vps, sps, pps]
    frames: list[list[bytes]]
    keyframes: list[bool]
    snapshots: list[bytes] = field(default_factory=list)  # JPEG, one per second of the clip
    # RTP payloads per frame, filled lazily by qarauyl.sim.rtp (shared by all sessions showing this clip)
    payloads: list[list[bytes]] | None = None

    @property
    def duration(self) -> float:
        return len(self.frames) / self.fps

    def snapshot_at(self, t: float) -> bytes:
        return self.snapshots[int(t) % len(self.snapshots)]

    def entry_point(self, n: int) -> int:
        """The frame index of the n-th IDR picture (cyclically): where a new session may start."""
        starts = [i for i, key in enumerate(self.keyframes) if key] or [0]
        return starts[n % len(starts)]


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B byte stream, without their start codes."""
    nals: list[bytes] = []
    i, n = 0, len(data)
    starts: list[tuple[int, int]] = []  # (start code position, payload position)
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0:
            break
        starts.append((j - 1 if j > 0 and data[j - 1] == 0 else j, j + 3))
        i = j + 3
    for k, (_, payload) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else n
        nal = data[payload:end]
        if nal:
            nals.append(nal)
    return nals


def nal_type(codec: str, nal: bytes) -> int:
    return (nal[0] & 0x1F) if codec == "h264" else (nal[0] >> 1) & 0x3F


def is_parameter_set(codec: str, nal: bytes) -> bool:
    t = nal_type(codec, nal)
    return t in (7, 8) if codec == "h264" else t in (32, 33, 34)


def is_slice(codec: str, nal: bytes) -> bool:
    t = nal_type(codec, nal)
    return 1 <= t <= 5 if codec == "h264" else t <= 31


def is_idr(codec: str, nal: bytes) -> bool:
    t = nal_type(codec, nal)
    return t == 5 if codec == "h264" else t in (19, 20, 21)


def _frames_of(variant: Variant) -> Iterator[np.ndarray]:
    import cv2

    from qarauyl.sim.scenes import generate_scene, video_file_scene

    p = variant.profile
    # A whole number of GOPs, so the loop restarts on an IDR picture.
    count = max(1, math.ceil(p.clip_seconds * p.fps / p.gop)) * p.gop
    if any(name == "frozen" for name, _ in variant.picture_faults):
        # One GOP, looped: every IDR picture is then bit-identical, as from an encoder fed one frozen frame
        # (re-encoding the same picture at each IDR would differ by its coding noise).
        count = p.gop
    seconds = count / p.fps
    width, height = variant.scene_size or (p.width, p.height)
    if p.scene_path:
        frames = video_file_scene(Path(p.scene_path), width=width, height=height, fps=p.fps, seconds=seconds)
    else:
        frames = generate_scene(p.scene, width=width, height=height, fps=p.fps, seconds=seconds, seed=p.seed)
    if variant.scene_size is not None:
        # The scene's layout depends on its size: render the camera's usual view and scale it down, as
        # a camera set to a lower resolution does.
        frames = (cv2.resize(f, (p.width, p.height), interpolation=cv2.INTER_AREA) for f in frames)
    renderers = []
    if variant.picture_faults:
        from qarauyl.sim.picture_faults import make_fault_renderer

        renderers = [make_fault_renderer(n, strength=s, seed=p.seed) for n, s in variant.picture_faults]
    for i, frame in enumerate(frames):
        t = i / p.fps
        for render in renderers:
            frame = render(frame, t)
        yield frame


def _encode(variant: Variant) -> list[list[bytes]]:
    import av

    p = variant.profile
    cc: Any = av.CodecContext.create(_ENCODERS[p.codec], "w")
    cc.width, cc.height, cc.pix_fmt = p.width, p.height, "yuv420p"
    tick = Fraction(1, 1000) / Fraction(p.fps).limit_denominator(1000)
    cc.time_base = tick
    cc.framerate = Fraction(p.fps).limit_denominator(1000)
    cc.gop_size = p.gop
    cc.max_b_frames = 0  # cameras stream without B-frames; RTP timestamps then follow decode order
    # One thread: x264's rate control across slice threads depends on their timing, so the same variant
    # came out different from run to run (and a test saw different pictures each time).
    cc.thread_count = 1
    kbps = p.effective_bitrate_kbps
    if any(name == "frozen" for name, _ in variant.picture_faults):
        # A constant quantiser: the repeated picture is coded once and then skipped, so decoded frames stay
        # identical (a rate controller would keep refining the picture, and the frames would drift).
        rc = "qp=20"
    else:
        cc.bit_rate = kbps * 1000
        # Constrain the rate so the stream's measured bitrate follows the profile (the low_bitrate fault).
        rc = f"vbv-maxrate={kbps}:vbv-bufsize={kbps}"
    common = f"keyint={p.gop}:min-keyint={p.gop}:scenecut=0:bframes=0:repeat-headers=1:slices={_SLICES}:{rc}"
    if p.codec == "h264":
        cc.options = {"preset": "veryfast", "tune": "zerolatency", "profile": "main", "x264-params": common}
    else:
        cc.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "x265-params": common + ":log-level=error",
        }
    out: list[list[bytes]] = []
    for i, rgb in enumerate(_frames_of(variant)):
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(
            format="yuv420p"
        )
        frame.pts = i
        out.extend(split_annexb(bytes(packet)) for packet in cc.encode(frame))
    out.extend(split_annexb(bytes(packet)) for packet in cc.encode(None))
    # SEI (encoder banners) is not something cameras send repeatedly; keep parameter sets and slices only.
    return [[n for n in au if is_parameter_set(p.codec, n) or is_slice(p.codec, n)] for au in out]


def _corrupt(codec: str, frames: list[list[bytes]], strength: float, seed: int) -> list[list[bytes]]:
    """Damages slices as a lossy network does: some lose their tail (the last RTP fragments of the slice
    never arrived: decoders report "error while decoding MB ..." and conceal), others are lost whole. The
    first slice of every picture keeps its header so each access unit still exists; the smeared blocks
    propagate until the next IDR picture."""
    rng = np.random.default_rng(seed + 7919)
    p_damage = 0.15 + 0.6 * strength
    damaged: list[list[bytes]] = []
    for au in frames:
        kept: list[bytes] = []
        seen_slice = False
        for nal in au:
            if is_slice(codec, nal) and rng.random() < p_damage:
                if seen_slice and rng.random() < 0.5:
                    continue  # the whole slice is lost
                # Truncated: keep the header and a part of the macroblock data.
                nal = nal[: max(8, int(len(nal) * rng.uniform(0.2, 0.7)))]
            seen_slice = seen_slice or is_slice(codec, nal)
            kept.append(nal)
        damaged.append(kept)
    return damaged


def _snapshots(codec: str, frames: list[list[bytes]], fps: float) -> list[bytes]:
    """Decodes the final stream (corruption included) and keeps one JPEG per second, as a camera's
    snapshot endpoint would show."""
    import av
    import cv2

    dec: Any = av.CodecContext.create(codec if codec == "h264" else "hevc", "r")
    step = max(1, round(fps))
    jpegs: list[bytes] = []
    for i, au in enumerate(frames):
        data = b"".join(b"\x00\x00\x00\x01" + n for n in au)
        try:
            decoded = dec.decode(av.Packet(data))
        except Exception:  # a damaged picture: conceal like a camera would, keep the previous snapshot
            decoded = []
        for frame in decoded:
            if i % step == 0 or not jpegs:
                bgr = frame.to_ndarray(format="bgr24")
                ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])
                if ok:
                    jpegs.append(buf.tobytes())
    return jpegs or [b""]


def build_clip_file(variant: Variant, cache_dir: Path) -> Path:
    """Encodes a variant and writes its cache file (idempotent: an existing file is reused).
    Runs in a worker process; returns the file's path."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{variant.key}.clip"
    if path.exists():
        return path
    p = variant.profile
    frames = _encode(variant)
    if variant.corrupted > 0:
        frames = _corrupt(p.codec, frames, variant.corrupted, p.seed)
    parameter_sets: list[bytes] = []
    for nal in frames[0]:
        if is_parameter_set(p.codec, nal) and nal not in parameter_sets:
            parameter_sets.append(nal)
    nals = [n for au in frames for n in au]
    snapshots = _snapshots(p.codec, frames, p.fps)
    header = {
        "variant": asdict(variant),
        "codec": p.codec,
        "width": p.width,
        "height": p.height,
        "fps": p.fps,
        "gop": p.gop,
        "bitrate_kbps": sum(len(n) for n in nals) * 8 / (len(frames) / p.fps) / 1000,
        "parameter_sets": [ps.hex() for ps in parameter_sets],
        "frames": [[len(n) for n in au] for au in frames],
        "keyframes": [any(is_idr(p.codec, n) for n in au) for au in frames],
        "snapshots": [len(s) for s in snapshots],
    }
    blob = json.dumps(header).encode()
    buf = io.BytesIO()
    buf.write(CLIP_FORMAT)
    buf.write(struct.pack("!I", len(blob)))
    buf.write(blob)
    for n in nals:
        buf.write(n)
    for s in snapshots:
        buf.write(s)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)  # atomic: concurrent builders of the same variant never see half a file
    return path


def load_clip(path: Path) -> Clip:
    data = path.read_bytes()
    if not data.startswith(CLIP_FORMAT):
        raise ValueError(f"{path} is not a simulator clip (or an older format)")
    pos = len(CLIP_FORMAT)
    (hlen,) = struct.unpack_from("!I", data, pos)
    pos += 4
    header = json.loads(data[pos : pos + hlen])
    pos += hlen
    frames: list[list[bytes]] = []
    for lengths in header["frames"]:
        au = []
        for n in lengths:
            au.append(data[pos : pos + n])
            pos += n
        frames.append(au)
    snapshots = []
    for n in header["snapshots"]:
        snapshots.append(data[pos : pos + n])
        pos += n
    return Clip(
        key=path.stem,
        codec=header["codec"],
        width=header["width"],
        height=header["height"],
        fps=header["fps"],
        gop=header["gop"],
        bitrate_kbps=header["bitrate_kbps"],
        parameter_sets=[bytes.fromhex(h) for h in header["parameter_sets"]],
        frames=frames,
        keyframes=header["keyframes"],
        snapshots=snapshots,
    )
