"""create_app: the FastAPI application with every API route; the console mounts its pages onto it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from qarauyl.accounts import SessionCodec
from qarauyl.api._deps import allow, reject_nul
from qarauyl.api._errors import ANY_METHOD, api_fallback, document_body_limit, install_error_handlers
from qarauyl.api._limits import BodyLimit
from qarauyl.api.routes import auth, cameras, events, fault_rules, snapshots, summary, tickets, users
from qarauyl.config import Settings, get_settings
from qarauyl.maintenance.metrics import metrics_router
from qarauyl.monitor import SnapshotStore
from qarauyl.runtime import open_database
from qarauyl.security import CredentialCipher, load_secret_key
from qarauyl.store.database import Database

API_PREFIX = "/api/v1"
# JSON bodies are small; an inventory of 100,000 cameras as CSV is about 20 MiB.
JSON_BODY_LIMIT = 1024 * 1024
IMPORT_BODY_LIMIT = 32 * 1024 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    import_limit: int = IMPORT_BODY_LIMIT,
) -> FastAPI:
    """The API under /api/v1 (OpenAPI at /api/v1/openapi.json) plus the /login and /logout form endpoints.

    `app.state` holds `settings`, `db` (opened and migrated here unless given), `snapshots`
    (SnapshotStore under data_dir/snapshots, as the monitor writes them), `cipher` and `sessions`."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Qarauyl API",
        version="1",
        description="The CCTV fleet: cameras, health, events, snapshots, summary, users, audit.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        # The interactive docs pull their scripts from a CDN, which air-gapped installations cannot reach.
        docs_url=None,
        redoc_url=None,
    )
    secret = load_secret_key(settings)
    app.state.settings = settings
    app.state.db = db or open_database(settings)
    app.state.snapshots = SnapshotStore(settings.data_dir / "snapshots")
    app.state.cipher = CredentialCipher(secret)
    app.state.sessions = SessionCodec(secret)

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(reject_nul)])
    modules = (auth, cameras, events, fault_rules, snapshots, summary, tickets, users)
    routers = [module.router for module in modules]
    document_body_limit(routers)
    for router in routers:
        api.include_router(router)
    # Last under the prefix: an unknown API path is a JSON 404 (or 405), not the console's HTML page.
    fallback = api_fallback(routers, API_PREFIX)
    api.add_api_route("/{rest:path}", fallback, methods=list(ANY_METHOD), include_in_schema=False)
    app.include_router(api)
    app.include_router(auth.forms)
    # Prometheus' /metrics sits at the root, where scrapers look, behind the same sign-in as the API.
    app.include_router(metrics_router(), dependencies=[Depends(allow("metrics.read"))])
    install_error_handlers(app)
    # Only our own paths: the console mounted on this app governs its own uploads.
    limits = {
        API_PREFIX: JSON_BODY_LIMIT,
        "/login": JSON_BODY_LIMIT,
        f"{API_PREFIX}/cameras/import": import_limit,
    }
    app.add_middleware(BodyLimit, per_path=limits)
    return app
