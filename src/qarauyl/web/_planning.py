"""The planning page's work without its UI: the installation's layer folder, uploads checked by the
planning readers, the prepared scene cached per layer set, and a plan run that reports its stage.

Layers live in `<data_dir>/planning/layers/`; the first visit fills the folder with the Turkistan demo
set (`planning.demo_layers`). Besides demand layers (.geojson, .json, .csv) the folder may hold
`cameras.csv` (adds or corrects existing cameras by code, as `qarauyl plan --cameras`) and
`candidates.csv` (the candidate sites). Every function that changes the folder or runs a plan checks
`planning.run` itself, so the page's hidden buttons are not the only guard.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import shapely

from qarauyl import accounts
from qarauyl.accounts import Principal
from qarauyl.errors import InputError, QarauylError
from qarauyl.planning import (
    CandidateSite,
    CurvePoint,
    DemandLayer,
    ExistingCamera,
    PlanResult,
    RepairItem,
    Scene,
    apply_overrides,
    coverage_curve,
    demo_layers,
    load_existing_cameras,
    plan,
    plan_geojson,
    prepare_scene,
    read_cameras,
    read_candidates,
    read_layer,
    repair_priority,
)
from qarauyl.store import Database

READ_ACTION = "planning.read"
RUN_ACTION = "planning.run"
LAYER_SUFFIXES = (".geojson", ".json", ".csv")
CAMERAS_FILE = "cameras.csv"
CANDIDATES_FILE = "candidates.csv"
MAX_UPLOAD_BYTES = 20_000_000
MAX_BUDGET = 100
CURVE_CAMERAS = MAX_BUDGET
# The iterated local search is capped so that a budget change answers in seconds on the demo set.
SEARCH_SECONDS = 0.5
EXISTING_CHOICES = ("working", "all")
_SAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


class PlanningError(QarauylError):
    """A refusal or a problem for a person: `key` is a catalogue key, `values` fill its placeholders."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class LayerInfo:
    file: str
    name: str
    kind: str  # a layer kind (area, points, incidents, roads, buildings), or cameras / candidates
    features: int


@dataclass
class LayerSet:
    layers: list[DemandLayer]
    cameras: list[ExistingCamera] | None
    candidates: list[CandidateSite] | None
    infos: list[LayerInfo]
    signature: tuple[tuple[str, int, int], ...]


@dataclass
class Progress:
    """Where a run is, read by the page's timer while the run works in a thread."""

    stage: str = "planning.stage.reading"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)

    def to(self, stage: str, total: int = 0) -> None:
        self.stage, self.done, self.total = stage, 0, total

    def advance(self, n: int) -> None:
        self.done += n


@dataclass(frozen=True)
class PlanOutcome:
    result: PlanResult
    geojson: dict[str, Any]
    curve: list[CurvePoint]
    repairs: list[RepairItem]
    seconds: float
    reused_scene: bool
    budget: int
    existing: str
    signature: tuple[tuple[str, int, int], ...]


def require(person: Principal | None, action: str) -> Principal:
    if person is None or not accounts.permitted(person, action):
        raise PlanningError("error.forbidden")
    return person


# --- the layer folder ----------------------------------------------------------------------------


def layer_dir(data_dir: Path) -> Path:
    return data_dir / "planning" / "layers"


def ensure_layers(data_dir: Path) -> Path:
    """The layer folder, made and filled with the demo set on first use (never again afterwards: a
    planner who removes the demo layers does not get them back uninvited)."""
    folder = layer_dir(data_dir)
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".layers-", dir=folder.parent))
    demo_layers(staging)
    try:
        staging.rename(folder)
    except OSError:  # another request made it first
        for path in staging.iterdir():
            path.unlink()
        staging.rmdir()
    return folder


def layer_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in LAYER_SUFFIXES
    )


def signature(files: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for path in files:
        stat = path.stat()
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


_read_cache: dict[tuple[str, int, int], DemandLayer | list[ExistingCamera] | list[CandidateSite]] = {}
_read_lock = threading.Lock()


def _read_any(path: Path) -> DemandLayer | list[ExistingCamera] | list[CandidateSite]:
    name = path.name.lower()
    if name == CAMERAS_FILE:
        return read_cameras(path)
    if name == CANDIDATES_FILE:
        return read_candidates(path)
    return read_layer(path)


def _info(file: str, parsed: DemandLayer | list[ExistingCamera] | list[CandidateSite]) -> LayerInfo:
    if isinstance(parsed, DemandLayer):
        return LayerInfo(file, parsed.name, parsed.kind, len(parsed.features))
    kind = "cameras" if file.lower() == CAMERAS_FILE else "candidates"
    return LayerInfo(file, Path(file).stem, kind, len(parsed))


def _details(exc: InputError, path: Path, shown_as: str, limit: int = 6) -> str:
    """The reader's problems, with the server's path replaced by the name the person knows."""
    lines = [
        f"{p.location.replace(str(path), shown_as)}: {p.column + ': ' if p.column else ''}{p.message}"
        for p in exc.problems[:limit]
    ]
    if len(exc.problems) > limit:
        lines.append(f"… (+{len(exc.problems) - limit})")
    headline = str(exc).replace(str(path), shown_as)
    if not lines:
        return headline
    # "FILE: 3 problems in the layer." says nothing the list does not; other headlines do.
    counted = re.search(r": \d+ problems? in the ", headline)
    return "; ".join(lines) if counted else f"{headline} {'; '.join(lines)}"


def read_set(folder: Path) -> LayerSet:
    """Every file of the folder, parsed once per version (name, modification time, size)."""
    files = layer_files(folder)
    sig = signature(files)
    layers: list[DemandLayer] = []
    cameras: list[ExistingCamera] | None = None
    candidates: list[CandidateSite] | None = None
    infos = []
    for path, key in zip(files, sig, strict=True):
        with _read_lock:
            parsed = _read_cache.get(key)
        if parsed is None:
            try:
                parsed = _read_any(path)
            except InputError as exc:
                raise PlanningError(
                    "planning.error.stored", name=path.name, details=_details(exc, path, path.name)
                ) from None
            with _read_lock:
                _read_cache[key] = parsed
        infos.append(_info(path.name, parsed))
        if isinstance(parsed, DemandLayer):
            layers.append(parsed)
        elif path.name.lower() == CAMERAS_FILE:
            cameras = list(parsed)  # type: ignore[arg-type]
        else:
            candidates = list(parsed)  # type: ignore[arg-type]
    with _read_lock:  # one folder per installation: versions no longer in it are dropped
        for stale in [k for k in _read_cache if k not in sig]:
            del _read_cache[stale]
    return LayerSet(layers, cameras, candidates, infos, sig)


def safe_file_name(filename: str) -> str:
    base = Path(filename.replace("\\", "/")).name.strip()
    cleaned = _SAFE_NAME.sub("_", base).lstrip(".")
    return cleaned[:120] or "layer"


def upload_layer(person: Principal | None, data_dir: Path, filename: str, data: bytes) -> LayerInfo:
    """Checks an uploaded file with the planning readers and, if it reads, puts it in the layer folder
    (replacing a file of the same name). Nothing is stored when it does not read."""
    require(person, RUN_ACTION)
    name = safe_file_name(filename)
    if Path(name).suffix.lower() not in LAYER_SUFFIXES:
        raise PlanningError("planning.error.format", name=filename)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PlanningError("planning.error.too_big", name=filename, mb=MAX_UPLOAD_BYTES // 1_000_000)
    if not data.strip():
        raise PlanningError("planning.error.empty", name=filename)
    folder = ensure_layers(data_dir)
    with tempfile.TemporaryDirectory(prefix=".upload-", dir=folder.parent) as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            parsed = _read_any(path)
        except InputError as exc:
            raise PlanningError(
                "planning.error.bad_file", name=filename, details=_details(exc, path, filename)
            ) from None
        info = _info(name, parsed)
        if info.features == 0:
            raise PlanningError("planning.error.no_features", name=filename)
        os.replace(path, folder / name)
    return info


def remove_layer(person: Principal | None, data_dir: Path, file: str) -> None:
    require(person, RUN_ACTION)
    folder = ensure_layers(data_dir)
    for path in layer_files(folder):
        if path.name == file:  # only names the folder lists: no path from the browser reaches the disk
            path.unlink()
            return


def restore_demo(person: Principal | None, data_dir: Path) -> None:
    require(person, RUN_ACTION)
    demo_layers(ensure_layers(data_dir))


# --- map data ------------------------------------------------------------------------------------


def layers_geojson(layer_set: LayerSet) -> str:
    """All demand and building features as one FeatureCollection (text), tagged with layer and kind."""
    parts = []
    for layer in layer_set.layers:
        props = f'{{"layer": {_json(layer.name)}, "kind": {_json(layer.kind)}}}'
        for feature in layer.features:
            geometry = shapely.to_geojson(shapely.set_precision(feature.geometry, 1e-6))
            parts.append(f'{{"type": "Feature", "properties": {props}, "geometry": {geometry}}}')
    return '{"type": "FeatureCollection", "features": [' + ",".join(parts) + "]}"


def _json(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def existing_cameras(db: Database, layer_set: LayerSet) -> list[ExistingCamera]:
    cams = load_existing_cameras(db)
    return apply_overrides(cams, layer_set.cameras) if layer_set.cameras else cams


def bounds(layer_set: LayerSet, pad_deg: float = 0.01) -> tuple[float, float, float, float] | None:
    boxes = [f.geometry.bounds for layer in layer_set.layers for f in layer.features]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes) - pad_deg,
        min(b[1] for b in boxes) - pad_deg,
        max(b[2] for b in boxes) + pad_deg,
        max(b[3] for b in boxes) + pad_deg,
    )


def existing_points(
    cameras: Sequence[ExistingCamera], box: tuple[float, float, float, float] | None
) -> dict[str, list[Any]]:
    """The existing cameras near the layers, as parallel arrays for the map (counted ones only)."""
    out: dict[str, list[Any]] = {k: [] for k in ("code", "lat", "lon", "working", "heading", "hfov")}
    if box is None:
        return out
    for c in cameras:
        if c.lifecycle not in ("installed", "connected"):
            continue
        if not (box[0] <= c.longitude <= box[2] and box[1] <= c.latitude <= box[3]):
            continue
        out["code"].append(c.code)
        out["lat"].append(c.latitude)
        out["lon"].append(c.longitude)
        out["working"].append(c.working)
        out["heading"].append(c.heading_deg)
        out["hfov"].append(c.hfov_deg)
    return out


# --- running a plan --------------------------------------------------------------------------------


@dataclass
class _Cached:
    scene: Scene
    curves: dict[str, list[CurvePoint]] = field(default_factory=dict)


_scenes: OrderedDict[tuple[Any, ...], _Cached] = OrderedDict()
_scenes_lock = threading.Lock()  # one scene build or plan at a time: scenes are not thread-safe
KEEP_SCENES = 1  # a scene of the demo set holds ~160 MB; a new layer set replaces the old one


def _existing_key(cameras: Sequence[ExistingCamera]) -> tuple[Any, ...]:
    return tuple(
        (
            c.code,
            c.latitude,
            c.longitude,
            c.heading_deg,
            c.hfov_deg,
            c.width_px,
            c.mount_height_m,
            c.working,
            c.lifecycle,
        )
        for c in cameras
    )


def run_plan(
    person: Principal | None,
    data_dir: Path,
    db: Database,
    budget: int,
    existing: str,
    progress: Progress | None = None,
) -> PlanOutcome:
    """Plans `budget` new cameras on the installation's layers, with the inventory's cameras (and the
    folder's cameras.csv) as the existing ones. The scene is prepared once per layer set and kept, so
    another budget or the other existing-camera choice only re-runs the optimiser."""
    require(person, RUN_ACTION)
    if existing not in EXISTING_CHOICES:
        raise PlanningError("planning.error.mode")
    if not 1 <= budget <= MAX_BUDGET:
        raise PlanningError("planning.error.budget", most=MAX_BUDGET)
    progress = progress or Progress()
    t0 = time.monotonic()
    progress.to("planning.stage.reading")
    layer_set = read_set(ensure_layers(data_dir))
    if not any(layer.kind != "buildings" and layer.features for layer in layer_set.layers):
        raise PlanningError("planning.error.no_demand")
    cameras = existing_cameras(db, layer_set)
    key = layer_set.signature
    with _scenes_lock:
        cached = _scenes.get(key)
        reused = cached is not None
        try:
            if cached is None:
                progress.to("planning.stage.scene")
                scene = prepare_scene(layer_set.layers, candidates=layer_set.candidates, existing=cameras)
                cached = _Cached(scene)
            elif _existing_key(cached.scene.existing) != _existing_key(cameras):
                # The inventory moved on (health, a new camera): the candidates' coverage still holds.
                cached = _Cached(
                    replace(cached.scene, existing=list(cameras), _existing=None, _existing_cams=[])
                )
            _scenes[key] = cached
            _scenes.move_to_end(key)
            while len(_scenes) > KEEP_SCENES:
                _scenes.popitem(last=False)
            scene = cached.scene
            progress.to("planning.stage.coverage", len(scene.sites))
            scene.candidate_matrix(progress=progress.advance)
            progress.to("planning.stage.optimise")
            result = plan(scene, float(budget), existing=existing, search_seconds=SEARCH_SECONDS)
            curve = cached.curves.get(existing)
            if curve is None:
                progress.to("planning.stage.curve")
                curve = coverage_curve(scene, CURVE_CAMERAS, existing=existing)
                cached.curves[existing] = curve
            progress.to("planning.stage.repairs")
            repairs = repair_priority(scene)
        except InputError as exc:
            if str(exc).startswith("No candidate sites"):
                raise PlanningError("planning.error.no_sites") from None
            raise PlanningError("planning.error.failed", details=str(exc)) from None
    outcome = PlanOutcome(
        result,
        plan_geojson(result),
        curve,
        repairs,
        time.monotonic() - t0,
        reused,
        budget,
        existing,
        key,
    )
    global _last
    _last = outcome
    return outcome


_last: PlanOutcome | None = None


def last_outcome(layer_set: LayerSet) -> PlanOutcome | None:
    """The installation's latest plan, if it was made on these layers (shown to everyone who may read)."""
    return _last if _last is not None and _last.signature == layer_set.signature else None


def forget_scenes() -> None:
    """Drops the cached scenes (tests; memory)."""
    global _last
    with _scenes_lock:
        _scenes.clear()
        _last = None
