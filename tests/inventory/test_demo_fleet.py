from __future__ import annotations

from collections import Counter

from qarauyl.analytics import fleet_summary
from qarauyl.inventory.demo_fleet import (
    PLACES,
    REFERENCE_FAULTS,
    demo_faults,
    generate_fleet,
    seed_demo,
    split_faults,
)
from qarauyl.security import CredentialCipher
from qarauyl.store import Database, Organisation


def test_default_fleet_has_the_regions_shape() -> None:
    rows = generate_fleet()
    assert len(rows) == 1303
    assert len({r["code"] for r in rows}) == 1303
    lifecycle = Counter(r["lifecycle"] for r in rows)
    assert lifecycle == {"connected": 1035, "installed": 268}
    pelco = [r for r in rows if r["vendor"] == "pelco"]
    assert len(pelco) == 56 and {r["district"] for r in pelco} == {"Turkistan"}
    sergek = [r for r in rows if r["vendor"] == "sergek"]
    assert sergek and all(r["kind"] == "anpr" for r in sergek)
    vendors = Counter(r["vendor"] for r in rows)
    assert {"hikvision", "dahua", "axis", "other"} <= set(vendors)
    districts = {r["district"] for r in rows}
    assert {
        "Turkistan",
        "Kentau",
        "Arys",
        "Saryagash",
        "Shardara",
        "Zhetysay",
        "Lenger (Tolebi)",
    } <= districts
    # Every camera lies within the region's bounding box (roughly 40.5–46 N, 65.5–71 E).
    assert all(40.5 < r["latitude"] < 46 and 65.5 < r["longitude"] < 71 for r in rows)
    # Turkistan city is the centre: it holds the most cameras.
    assert Counter(r["district"] for r in rows).most_common(1)[0][0] == PLACES[0].district


def test_fleet_is_deterministic_for_a_seed() -> None:
    assert generate_fleet(200, seed=7) == generate_fleet(200, seed=7)
    assert generate_fleet(200, seed=7) != generate_fleet(200, seed=8)


def test_seeding_twice_is_idempotent_and_status_counts_it(db: Database) -> None:
    cipher = CredentialCipher(b"test-secret-key-0123456789")
    first = seed_demo(db, cipher=cipher, cameras=300)
    assert len(first.created) == 300
    second = seed_demo(db, cipher=cipher, cameras=300)
    assert not second.changes_anything
    with db.session() as session:
        summary = fleet_summary(session)
        kinds = {o.name: o.kind for o in session.query(Organisation)}
    assert summary.total.installed == 300
    assert summary.total.connected == round(300 * 1035 / 1303)
    assert summary.total.unknown == summary.total.connected  # nothing probed yet
    assert sum(c.installed for c in summary.by_district.values()) == 300
    assert sum(c.connected for c in summary.by_vendor.values()) == summary.total.connected
    assert sorted(kinds.values()) == ["akimat", "contractor", "contractor", "police"]


def test_the_faults_judged_against_a_reference_are_held_back_and_nothing_is_lost() -> None:
    rows = generate_fleet()
    faults = demo_faults(rows)
    at_start, later = split_faults(faults)
    assert set(later) == set(REFERENCE_FAULTS)  # the full fleet has cameras of both
    held = {camera: fault for fault, cameras in later.items() for camera in cameras}
    assert not held.keys() & at_start.keys()
    assert {**at_start, **held} == faults
    assert not set(at_start.values()) & set(REFERENCE_FAULTS)
    assert all(cameras == sorted(cameras) for cameras in later.values())
    assert split_faults({3: "blur"}) == ({3: "blur"}, {})
