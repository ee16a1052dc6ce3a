"""Storage: SQLAlchemy tables, engines and sessions, and the Alembic migrations that build them."""

import qarauyl.accounts.models
import qarauyl.maintenance.models  # noqa: F401  (registers the maintenance tables on Base.metadata)
from qarauyl.store.database import Database
from qarauyl.store.models import Base, Camera, District, NetworkZone, Organisation

__all__ = ["Base", "Camera", "Database", "District", "NetworkZone", "Organisation"]
