"""Scenario files (TOML): per-camera settings and a timeline of faults, e.g. "cam 17 becomes blurred at
t=60 s, recovers at t=300 s". Parsing is pure and reports every problem with its line and field.

    [[cameras]]                 # optional, any number: settings for a group of cameras
    ids = "1-100"               # an id, a list of ids, or "a-b" ranges separated by commas
    scene = "street_night"      # or video = "path/to/file.mp4" (relative to the scenario file)
    width = 1280                # also height, fps, gop, codec ("h264"|"h265"), bitrate_kbps, seed
    username = "admin"          # also password, auth ("digest"|"basic"|"none")

    [[events]]
    at = 60                     # seconds after the simulator is ready
    cameras = 17
    set = "blur"                # adds a fault ...
    strength = 0.6              # ... optional, (0, 1]
    params = { after_frames = 10 }   # optional, for faults with parameters

    [[events]]
    at = 300
    cameras = 17
    clear = "blur"              # or "all"; or: password = "new-secret"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qarauyl.errors import InputError, Problem
from qarauyl.sim.auth import AUTH_MODES
from qarauyl.sim.faults import ALL_FAULTS, FaultSpec, make_fault
from qarauyl.sim.scenes import SCENES, video_file_scene
from qarauyl.sim.variants import CODECS

_GROUP_KEYS = {
    "ids", "scene", "video", "width", "height", "fps", "gop", "codec", "bitrate_kbps", "seed",
    "username", "password", "auth",
}  # fmt: skip
_EVENT_KEYS = {"at", "cameras", "set", "strength", "params", "clear", "password"}


@dataclass(frozen=True)
class CameraGroup:
    ids: tuple[int, ...]
    profile: dict[str, Any] = field(default_factory=dict)  # Profile field overrides
    username: str | None = None
    password: str | None = None
    auth: str | None = None


@dataclass(frozen=True)
class Event:
    at: float
    ids: tuple[int, ...]
    fault: FaultSpec | None = None  # set this fault
    clear: str | None = None  # a fault name, or "all"
    password: str | None = None


@dataclass(frozen=True)
class Scenario:
    path: Path
    groups: tuple[CameraGroup, ...]
    events: tuple[Event, ...]  # sorted by time

    def check_cameras(self, count: int) -> None:
        """Raises InputError if a group or event names a camera beyond 1..count."""
        problems = []
        tables: list[tuple[str, list[tuple[int, ...]]]] = [
            ("cameras", [g.ids for g in self.groups]),
            ("events", [e.ids for e in self.events]),
        ]
        for kind, id_lists in tables:
            for i, ids in enumerate(id_lists, 1):
                bad = [c for c in ids if c > count]
                if bad:
                    problems.append(
                        Problem(
                            str(self.path), f"{kind}[{i}]", f"camera {bad[0]} does not exist (1..{count})"
                        )
                    )
        if problems:
            raise InputError(
                f"{self.path}: the scenario names cameras this simulator does not have", problems
            )


def parse_ids(value: Any) -> tuple[int, ...]:
    """17, [1, 2], "1-10,15" -> camera ids. Raises ValueError with the bad part."""
    if isinstance(value, bool):
        raise ValueError(f"expected camera ids, got {value!r}")
    if isinstance(value, int):
        values: list[Any] = [value]
    elif isinstance(value, list):
        values = value
    elif isinstance(value, str):
        values = [v.strip() for v in value.split(",") if v.strip()]
    else:
        raise ValueError(f'expected an id, a list of ids or a range like "1-10", got {value!r}')
    ids: list[int] = []
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            lo = hi = v
        elif isinstance(v, str) and (m := re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", v)):
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        else:
            raise ValueError(f"bad camera id or range {v!r}")
        if lo < 1 or hi < lo:
            raise ValueError(f"bad camera id or range {v!r} (ids start at 1)")
        ids.extend(range(lo, hi + 1))
    if not ids:
        raise ValueError("no camera ids")
    return tuple(dict.fromkeys(ids))


def _table_lines(text: str, name: str) -> list[int]:
    """Line numbers (1-based) of each `[[name]]` header, to point problems at their table."""
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    return [n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)]


def parse_scenario(text: str, path: Path) -> Scenario:
    """Parses scenario text; raises InputError listing every problem (file:line, field, message)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))  # Python 3.11 has the line only in the message
        location = f"{path}:{found.group(1)}" if found else str(path)
        raise InputError(
            f"{path} is not valid TOML: {exc}", [Problem(location, "", f"not valid TOML: {exc}")]
        ) from None
    problems: list[Problem] = []
    unknown_top = set(data) - {"cameras", "events"}
    for key in sorted(unknown_top):
        problems.append(Problem(str(path), key, "unknown section (expected [[cameras]] or [[events]])"))
    group_lines = _table_lines(text, "cameras")
    event_lines = _table_lines(text, "events")

    def where(lines: list[int], i: int) -> str:
        return f"{path}:{lines[i]}" if i < len(lines) else str(path)

    groups: list[CameraGroup] = []
    raw_groups = data.get("cameras", [])
    if not isinstance(raw_groups, list):
        problems.append(Problem(str(path), "cameras", "must be an array of tables: [[cameras]]"))
        raw_groups = []
    for i, g in enumerate(raw_groups):
        loc, col = where(group_lines, i), f"cameras[{i + 1}]"
        try:
            groups.append(_parse_group(g, path))
        except ValueError as exc:
            field_name, _, message = str(exc).partition(": ")
            problems.append(Problem(loc, f"{col}.{field_name}", message))
    events: list[Event] = []
    raw_events = data.get("events", [])
    if not isinstance(raw_events, list):
        problems.append(Problem(str(path), "events", "must be an array of tables: [[events]]"))
        raw_events = []
    for i, e in enumerate(raw_events):
        loc, col = where(event_lines, i), f"events[{i + 1}]"
        try:
            events.append(_parse_event(e))
        except ValueError as exc:
            field_name, _, message = str(exc).partition(": ")
            problems.append(Problem(loc, f"{col}.{field_name}", message))
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s) in the scenario", problems)
    return Scenario(path, tuple(groups), tuple(sorted(events, key=lambda e: e.at)))


def _parse_group(g: Any, path: Path) -> CameraGroup:
    if not isinstance(g, dict):
        raise ValueError("table: expected a table")
    for key in g:
        if key not in _GROUP_KEYS:
            raise ValueError(f"{key}: unknown field (fields: {', '.join(sorted(_GROUP_KEYS))})")
    if "ids" not in g:
        raise ValueError("ids: missing (which cameras does this group configure?)")
    try:
        ids = parse_ids(g["ids"])
    except ValueError as exc:
        raise ValueError(f"ids: {exc}") from None
    profile: dict[str, Any] = {}
    if "scene" in g:
        if g["scene"] not in SCENES:
            raise ValueError(f"scene: unknown scene {g['scene']!r} (scenes: {', '.join(SCENES)})")
        profile["scene"] = g["scene"]
    if "video" in g:
        video = Path(str(g["video"])).expanduser()
        if not video.is_absolute():
            video = path.parent / video
        if not video.is_file():
            raise ValueError(f"video: no such file {video}")
        try:  # decode its first frame now, so an unreadable video is reported with its line
            video_file_scene(video, width=64, height=64, fps=1.0, seconds=1.0)
        except InputError as exc:
            reason = exc.problems[0].message if exc.problems else str(exc)
            raise ValueError(f"video: cannot read {video}: {reason}") from None
        profile["scene_path"] = str(video)
    for key in ("width", "height", "gop", "bitrate_kbps", "seed"):
        if key in g:
            if not isinstance(g[key], int) or isinstance(g[key], bool) or g[key] < 0:
                raise ValueError(f"{key}: expected a non-negative integer, got {g[key]!r}")
            profile[key] = g[key]
    if "fps" in g:
        if isinstance(g["fps"], bool) or not isinstance(g["fps"], int | float) or not 1 <= g["fps"] <= 60:
            raise ValueError(f"fps: expected a number within 1..60, got {g['fps']!r}")
        profile["fps"] = float(g["fps"])
    if "codec" in g:
        if g["codec"] not in CODECS:
            raise ValueError(f"codec: unknown codec {g['codec']!r} (codecs: {', '.join(CODECS)})")
        profile["codec"] = g["codec"]
    if "auth" in g and g["auth"] not in AUTH_MODES:
        raise ValueError(f"auth: unknown mode {g['auth']!r} (modes: {', '.join(AUTH_MODES)})")
    for key in ("username", "password"):
        if key in g and (not isinstance(g[key], str) or not g[key]):
            raise ValueError(f"{key}: expected a non-empty string")
    return CameraGroup(ids, profile, g.get("username"), g.get("password"), g.get("auth"))


def _parse_event(e: Any) -> Event:
    if not isinstance(e, dict):
        raise ValueError("table: expected a table")
    for key in e:
        if key not in _EVENT_KEYS:
            raise ValueError(f"{key}: unknown field (fields: {', '.join(sorted(_EVENT_KEYS))})")
    at = e.get("at")
    if isinstance(at, bool) or not isinstance(at, int | float) or at < 0:
        raise ValueError(f"at: expected seconds >= 0, got {at!r}")
    if "cameras" not in e:
        raise ValueError("cameras: missing (which cameras does this event change?)")
    try:
        ids = parse_ids(e["cameras"])
    except ValueError as exc:
        raise ValueError(f"cameras: {exc}") from None
    actions = [k for k in ("set", "clear", "password") if k in e]
    if len(actions) != 1:
        raise ValueError("set: an event needs exactly one of `set`, `clear` or `password`")
    if "set" in e:
        name = e["set"]
        if name not in ALL_FAULTS:
            raise ValueError(f"set: unknown fault {name!r} (faults: {', '.join(ALL_FAULTS)})")
        params = e.get("params", {})
        if not isinstance(params, dict):
            raise ValueError("params: expected a table, e.g. params = { after_frames = 10 }")
        try:
            fault = make_fault(name, e.get("strength", 1.0), params)
        except ValueError as exc:
            column = "params" if "parameter" in str(exc) else "strength"
            raise ValueError(f"{column}: {exc}") from None
        return Event(float(at), ids, fault=fault)
    if "clear" in e:
        name = e["clear"]
        if name != "all" and name not in ALL_FAULTS:
            raise ValueError(f'clear: unknown fault {name!r} (a fault name or "all")')
        return Event(float(at), ids, clear=name)
    password = e["password"]
    if not isinstance(password, str) or not password:
        raise ValueError("password: expected a non-empty string")
    return Event(float(at), ids, password=password)


def load_scenario(path: Path) -> Scenario:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Cannot read the scenario {path}: {exc}", [Problem(str(path), "", str(exc))]
        ) from None
    return parse_scenario(text, Path(path))
