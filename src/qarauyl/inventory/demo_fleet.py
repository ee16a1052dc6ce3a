"""A plausible synthetic camera fleet of Turkistan region, deterministic for a seed.

The shape follows what the region reported: 1,303 cameras installed, 1,035 connected to the
police Operational Control Centre, 56 Pelco cameras in Turkistan city, Sergek traffic cameras
along the main roads, the rest mixed vendors, all maintained by contractors. Places are the
region's real towns and district centres at approximate coordinates; streets, addresses and
organisations beyond that are invented.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from qarauyl.domain import CameraKind, Lifecycle, OrgKind, Vendor
from qarauyl.inventory.demo_figures import (
    DEMO_CAMERAS,
    DEMO_CONNECTED,
    DEMO_PASSWORD,
    DEMO_PELCO_IN_TURKISTAN,
    DEMO_SEED,
    DEMO_USERNAME,
)
from qarauyl.inventory.records import CameraRecord
from qarauyl.security import CredentialCipher
from qarauyl.store import Database, District, Organisation


@dataclass(frozen=True)
class Place:
    district: str
    prefix: str
    latitude: float
    longitude: float
    share: float  # of the non-Sergek cameras
    radius_km: float


# Turkistan city is the regional centre and holds most cameras; district centres follow.
PLACES: tuple[Place, ...] = (
    Place("Turkistan", "TUR", 43.2973, 68.2518, 0.36, 4.5),
    Place("Kentau", "KEN", 43.5165, 68.5045, 0.08, 2.5),
    Place("Arys", "ARY", 42.4306, 68.8069, 0.06, 2.2),
    Place("Saryagash", "SRY", 41.4590, 69.1680, 0.07, 2.5),
    Place("Shardara", "SHR", 41.2580, 67.9700, 0.04, 2.0),
    Place("Zhetysay", "ZHT", 40.7755, 68.3270, 0.05, 2.2),
    Place("Lenger (Tolebi)", "LEN", 42.1833, 69.8833, 0.05, 2.0),
    Place("Shaulder (Otyrar)", "OTR", 42.7833, 68.3667, 0.03, 1.5),
    Place("Sholakkorgan (Sozak)", "SZK", 43.7650, 69.1750, 0.03, 1.5),
    Place("Kazygurt", "KZG", 41.7590, 69.3830, 0.03, 1.5),
    Place("Myrzakent (Maktaaral)", "MKT", 40.6667, 68.5500, 0.04, 1.8),
    Place("Temirlan (Ordabasy)", "ORD", 42.6000, 69.2600, 0.03, 1.5),
    Place("Shayan (Baidibek)", "BDB", 42.9800, 69.3800, 0.03, 1.5),
    Place("Aksukent (Sairam)", "SRM", 42.6167, 69.8500, 0.04, 1.8),
    Place("Turar Ryskulov (Tulkibas)", "TLK", 42.4667, 70.3000, 0.03, 1.5),
    Place("Abai (Keles)", "KLS", 41.2900, 69.3200, 0.03, 1.5),
)

# Main roads the Sergek traffic cameras stand on, as chains of (lat, lon).
SHYMKENT = (42.3417, 69.5901)
ROADS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("M-32 Turkistan–Shymkent", ((43.2973, 68.2518), (42.7833, 68.3667), (42.4306, 68.8069), SHYMKENT)),
    ("A-2 Shymkent–Saryagash", (SHYMKENT, (41.7590, 69.3830), (41.4590, 69.1680))),
    ("A-2 Shymkent–Lenger", (SHYMKENT, (42.1833, 69.8833), (42.4667, 70.3000))),
    ("Turkistan–Kentau", ((43.2973, 68.2518), (43.5165, 68.5045))),
    ("Saryagash–Zhetysay", ((41.4590, 69.1680), (41.2580, 67.9700), (40.7755, 68.3270))),
)
SERGEK_SHARE = 0.10

POLICE = "Turkistan Region Police Department"
AKIMAT = "Turkistan Region Digitalisation Office"
CONTRACTOR = "Ontustik Telecom Service LLP"
SERGEK_CONTRACTOR = "Sergek Road Safety Operator LLP"
ORGANISATIONS = {
    POLICE: OrgKind.POLICE,
    AKIMAT: OrgKind.AKIMAT,
    CONTRACTOR: OrgKind.CONTRACTOR,
    SERGEK_CONTRACTOR: OrgKind.CONTRACTOR,
}

STREETS = (
    "Тәуке хан даңғылы",
    "Бекзат Саттарханов даңғылы",
    "Қожа Ахмет Ясауи көшесі",
    "Есім хан көшесі",
    "Абай даңғылы",
    "Жібек жолы көшесі",
    "Ы. Алтынсарин көшесі",
    "Төле би көшесі",
    "Әйтеке би көшесі",
    "Қазыбек би көшесі",
    "Рабиға Сұлтан Бегім көшесі",
    "Арыстан баб көшесі",
    "Мұхтар Әуезов көшесі",
    "Тұран көшесі",
    "Астана көшесі",
    "Наурыз көшесі",
)
MIXED_VENDORS: tuple[tuple[Vendor, float, tuple[str, ...]], ...] = (
    (Vendor.HIKVISION, 0.46, ("DS-2CD2T47G2-L", "DS-2CD2143G2-I", "DS-2DE4425IW-DE")),
    (Vendor.DAHUA, 0.34, ("IPC-HFW2431S-S-S2", "IPC-HDW2431T-AS", "SD49225XA-HNR")),
    (Vendor.AXIS, 0.10, ("P1465-LE", "Q6075-E", "M3106-L Mk II")),
    (Vendor.OTHER, 0.10, ("Uniview IPC2124LB", "Milesight MS-C5364")),
)


def _offset(lat: float, lon: float, rng: random.Random, radius_km: float) -> tuple[float, float]:
    # Uniform in a disc; 111 km per degree of latitude, scaled by cos(lat) for longitude.
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(angle) / 111.0
    dlon = distance * math.sin(angle) / (111.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _along(road: tuple[tuple[float, float], ...], fraction: float) -> tuple[float, float]:
    segments = list(itertools.pairwise(road))
    lengths = [math.dist(a, b) for a, b in segments]
    target = fraction * sum(lengths)
    for (a, b), length in zip(segments, lengths, strict=True):
        if target <= length:
            t = target / length if length else 0.0
            return round(a[0] + t * (b[0] - a[0]), 6), round(a[1] + t * (b[1] - a[1]), 6)
        target -= length
    return road[-1]


def _nearest_place(lat: float, lon: float) -> Place:
    return min(PLACES, key=lambda p: math.dist((p.latitude, p.longitude), (lat, lon)))


def _pick(
    rng: random.Random, options: tuple[tuple[Vendor, float, tuple[str, ...]], ...]
) -> tuple[Vendor, str]:
    roll = rng.random()
    for vendor, share, models in options:
        if roll < share:
            return vendor, rng.choice(models)
        roll -= share
    vendor, _, models = options[-1]
    return vendor, rng.choice(models)


# The demo's "realistic mix": what share of connected cameras shows which fault in the simulator.
# Roughly the region's numbers: about 6% broken (offline, refused), and a tail of picture problems.
DEMO_FAULT_SHARES: tuple[tuple[str, float], ...] = (
    ("offline", 0.040),
    ("no_answer", 0.005),
    ("auth_failed", 0.005),
    ("flapping", 0.003),
    ("blur", 0.015),
    ("occluded", 0.010),
    ("too_dark", 0.008),
    ("no_signal", 0.008),
    ("frozen", 0.007),
    ("scene_changed", 0.007),
    ("low_contrast", 0.007),
    ("noise", 0.005),
    ("color_cast", 0.005),
    ("stripes", 0.003),
    ("shaking", 0.003),
    ("glare", 0.003),
    ("ir_cut", 0.003),
    ("corrupted", 0.003),
)


def generate_fleet(
    cameras: int = DEMO_CAMERAS, seed: int = DEMO_SEED, rtsp_base: str = "rtsp://127.0.0.1:8554"
) -> list[dict[str, Any]]:
    """The demo fleet as inventory rows (the same columns an import file has). Pure and deterministic."""
    if cameras < 1:
        raise ValueError("the demo fleet needs at least one camera")
    rng = random.Random(seed)
    sergek = round(cameras * SERGEK_SHARE)
    pelco = min(DEMO_PELCO_IN_TURKISTAN, cameras - sergek) if cameras >= 200 else 0
    others = cameras - sergek - pelco
    rows: list[dict[str, Any]] = []
    counters: dict[str, int] = {}

    def next_code(prefix: str) -> str:
        counters[prefix] = counters.get(prefix, 0) + 1
        return f"{prefix}-{counters[prefix]:04d}"

    def base(
        place: Place, lat: float, lon: float, vendor: Vendor, model: str, kind: CameraKind
    ) -> dict[str, Any]:
        street, cross = rng.sample(STREETS, 2)
        intersection = rng.random() < 0.4
        address = f"{street} / {cross} қиылысы" if intersection else f"{street}, {rng.randint(1, 180)}"
        width, height = (1280, 720) if vendor == Vendor.PELCO else (1920, 1080)
        hfov = {
            CameraKind.ANPR: 32.0,
            CameraKind.PTZ: 58.0,
            CameraKind.FIXED: float(rng.choice((87, 92, 103))),
        }[kind]
        return {
            "name": f"{place.district.split(' (')[0]}: {address}",
            "vendor": vendor,
            "model": model,
            "kind": kind,
            "latitude": lat,
            "longitude": lon,
            "address": address,
            "district": place.district,
            "zone": f"{place.district.split(' (')[0]} access network",
            "heading_deg": float(rng.randrange(0, 360, 5)),
            "hfov_deg": hfov,
            "resolution": (width, height),
            "fps": 25.0,
            "owner": POLICE,
            "maintainer": CONTRACTOR,
            "installed_on": date(2017, 1, 1) + timedelta(days=rng.randrange(0, 8 * 365)),
            "tags": [],
        }

    turkistan = PLACES[0]
    for _ in range(pelco):
        lat, lon = _offset(turkistan.latitude, turkistan.longitude, rng, turkistan.radius_km)
        model = rng.choice(("Sarix IME322", "Spectra Enhanced 7"))
        kind = CameraKind.PTZ if model.startswith("Spectra") else CameraKind.FIXED
        row = base(turkistan, lat, lon, Vendor.PELCO, model, kind)
        row.update(code=next_code("TUR"), tags=["city-centre", "pelco-2019"])
        rows.append(row)
    weights = [p.share for p in PLACES]
    for _ in range(others):
        place = rng.choices(PLACES, weights)[0]
        lat, lon = _offset(place.latitude, place.longitude, rng, place.radius_km)
        vendor, model = _pick(rng, MIXED_VENDORS)
        kind = CameraKind.PTZ if model.startswith(("DS-2DE", "SD4", "Q60")) else CameraKind.FIXED
        row = base(place, lat, lon, vendor, model, kind)
        row["code"] = next_code(place.prefix)
        rows.append(row)
    for index in range(sergek):
        road_name, road = ROADS[index % len(ROADS)]
        lat, lon = _along(road, rng.random())
        place = _nearest_place(lat, lon)
        row = base(place, lat, lon, Vendor.SERGEK, "Sergek ANPR-3", CameraKind.ANPR)
        row.update(
            code=next_code("SRG"),
            name=f"Sergek {road_name}, km {rng.randint(1, 160)}",
            address=f"{road_name}",
            owner=AKIMAT,
            maintainer=SERGEK_CONTRACTOR,
            tags=["sergek", "traffic"],
        )
        rows.append(row)
    # Connected to the OCC: all but the newest, more remote installations (1,035 of 1,303).
    connected = round(cameras * DEMO_CONNECTED / DEMO_CAMERAS)
    by_priority = sorted(
        range(len(rows)),
        key=lambda i: (rows[i]["district"] != turkistan.district, rows[i]["installed_on"], rows[i]["code"]),
    )
    connected_set = set(by_priority[:connected])
    for index, row in enumerate(rows):
        row["lifecycle"] = Lifecycle.CONNECTED if index in connected_set else Lifecycle.INSTALLED
        # The simulator's camera ids follow the same order, so the demo can point each camera at one.
        row["main_stream_url"] = f"{rtsp_base}/cam/{index + 1}"
        row["username"] = DEMO_USERNAME
        row["password"] = DEMO_PASSWORD
    return rows


# Faults judged against a camera's learned reference: of a camera already covered or turned away when the
# monitor first sees it, nothing tells how it should look (and a turned view is learnt as the normal one).
# The demo starts its cameras without these and adds them once the monitor has learnt its references.
REFERENCE_FAULTS = ("occluded", "scene_changed")


def split_faults(faults: dict[int, str]) -> tuple[dict[int, str], dict[str, list[int]]]:
    """(the faults the simulated cameras start with, the REFERENCE_FAULTS held back: fault -> cameras)."""
    at_start = {camera: fault for camera, fault in faults.items() if fault not in REFERENCE_FAULTS}
    later = {
        fault: sorted(camera for camera, f in faults.items() if f == fault)
        for fault in REFERENCE_FAULTS
        if fault in faults.values()
    }
    return at_start, later


def demo_faults(rows: list[dict[str, Any]], seed: int = DEMO_SEED) -> dict[int, str]:
    """Which simulated camera (id = position in the fleet + 1) shows which fault; connected ones only."""
    rng = random.Random(f"{seed}:faults")
    connected = [i + 1 for i, row in enumerate(rows) if row["lifecycle"] == Lifecycle.CONNECTED]
    rng.shuffle(connected)
    faults: dict[int, str] = {}
    cursor = 0
    for fault, share in DEMO_FAULT_SHARES:
        count = max(1, round(share * len(connected))) if len(connected) >= 50 else 0
        for camera_id in connected[cursor : cursor + count]:
            faults[camera_id] = fault
        cursor += count
    return faults


# The demo's power cut: once the monitor knows how the cameras look, one town's access network loses power,
# so that the console shows root-cause grouping (one incident for the contractor, not a ticket per camera)
# and, when the power is back, the incident closing itself. Four is the fewest the district rule groups.
OUTAGE_CAMERAS = 6


def demo_outage(
    rows: list[dict[str, Any]], faults: dict[int, str], seed: int = DEMO_SEED
) -> tuple[str, list[int]]:
    """(district, simulated camera ids) of the power cut: six connected cameras of the main contractor with
    no fault of their own, in a town drawn from those that have six (the largest town if none has); none
    in a fleet too small to show an incident."""
    eligible: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        camera_id = index + 1
        if (
            row["lifecycle"] == Lifecycle.CONNECTED
            and row["maintainer"] == CONTRACTOR
            and camera_id not in faults
        ):
            eligible.setdefault(row["district"], []).append(camera_id)
    towns = sorted(district for district, cameras in eligible.items() if len(cameras) >= OUTAGE_CAMERAS)
    if towns:
        district = random.Random(f"{seed}:outage").choice(towns)
    elif eligible and max(len(c) for c in eligible.values()) >= 4:
        district = max(eligible, key=lambda d: (len(eligible[d]), d))
    else:
        return "", []
    return district, eligible[district][:OUTAGE_CAMERAS]


def fleet_records(rows: list[dict[str, Any]]) -> list[CameraRecord]:
    present = frozenset(rows[0]) if rows else frozenset()
    return [CameraRecord(f"demo:{i + 1}", dict(row), present) for i, row in enumerate(rows)]


def ensure_reference_data(db: Database) -> None:
    """Organisations with their kinds and districts with their centres, before cameras refer to them."""
    with db.session() as session:
        orgs = {o.name: o for o in session.query(Organisation).all()}
        for name, kind in ORGANISATIONS.items():
            if name not in orgs:
                session.add(Organisation(name=name, kind=kind.value))
        districts = {d.name: d for d in session.query(District).all()}
        for place in PLACES:
            existing = districts.get(place.district)
            if existing is None:
                session.add(District(name=place.district, latitude=place.latitude, longitude=place.longitude))
            elif existing.latitude is None:
                existing.latitude, existing.longitude = place.latitude, place.longitude


def seed_demo(
    db: Database,
    *,
    cipher: CredentialCipher,
    cameras: int = DEMO_CAMERAS,
    seed: int = DEMO_SEED,
    rtsp_base: str = "rtsp://127.0.0.1:8554",
    stream_resolution: tuple[int, int] | None = None,
    stream_fps: float | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Any:
    from qarauyl.inventory.importer import import_records

    ensure_reference_data(db)
    rows = generate_fleet(cameras, seed, rtsp_base)
    if stream_resolution is not None:
        # The simulator streams every camera at one resolution; the profile must say so, or every
        # camera would be reported as low_resolution.
        for row in rows:
            row["resolution"] = stream_resolution
    if stream_fps is not None:  # likewise the frame rate, or every camera would be low_fps
        for row in rows:
            row["fps"] = stream_fps
    records = fleet_records(rows)
    return import_records(db, records, cipher=cipher, progress=progress)
