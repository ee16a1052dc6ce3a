from __future__ import annotations

from sqlalchemy import update

from qarauyl.analytics import fleet_summary
from qarauyl.inventory.demo_fleet import seed_demo
from qarauyl.security import CredentialCipher
from qarauyl.store import Camera, Database


def test_summary_counts_health_of_connected_cameras_only(db: Database) -> None:
    seed_demo(db, cipher=CredentialCipher(b"test-secret-key-0123456789"), cameras=100)
    with db.session() as session:
        connected = session.query(Camera).filter(Camera.lifecycle == "connected").order_by(Camera.code).all()
        ids = [c.id for c in connected]
        session.execute(update(Camera).where(Camera.id.in_(ids[:10])).values(health="failed"))
        session.execute(update(Camera).where(Camera.id.in_(ids[10:15])).values(health="degraded"))
        session.execute(update(Camera).where(Camera.id.in_(ids[15:])).values(health="ok"))
        # A camera that is installed but not connected has no health to count.
        session.execute(update(Camera).where(Camera.lifecycle == "installed").values(health="failed"))
    with db.session() as session:
        total = fleet_summary(session).total
    assert (total.failed, total.degraded, total.ok, total.unknown) == (10, 5, len(ids) - 15, 0)
    assert total.ok + total.degraded + total.failed + total.unknown == total.connected
