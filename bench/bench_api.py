"""API latency under load: the camera list and the fleet summary, 50 concurrent clients, 10,000 cameras.

Seeds the demo fleet into a fresh database (SQLite file and a fresh PostgreSQL database), serves
`qarauyl.api.create_app` with uvicorn in a child process on 127.0.0.1, and drives it from this process
with an asyncio httpx load generator (bearer token, keep-alive). Prints p50/p95/p99 latency and
throughput per endpoint and backend.

    .venv/bin/python bench/bench_api.py [--quick] [--cameras 10000] [--clients 50] [--requests 40]
        [--backend sqlite|postgresql|both] [--pg-admin URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text

PG_ADMIN = os.environ.get(
    "QARAUYL_TEST_PG_URL", "postgresql+psycopg://qarauyl:qarauyl@127.0.0.1:5432/postgres"
)
SECRET = "bench-secret-key-0123456789"
ENDPOINTS = {
    "cameras (page of 100)": "/api/v1/cameras?limit=100&offset={offset}",
    "cameras filtered": "/api/v1/cameras?vendor=hikvision&lifecycle=connected&limit=50",
    "summary": "/api/v1/summary",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(url: str, data_dir: Path, cameras: int) -> str:
    """Migrates, seeds the demo fleet and an admin with a token; returns the token."""
    from qarauyl.accounts import create_token, create_user
    from qarauyl.config import Settings
    from qarauyl.inventory.demo_fleet import seed_demo
    from qarauyl.runtime import open_database
    from qarauyl.security import CredentialCipher

    settings = Settings(data_dir=data_dir, database_url=url, secret_key=SECRET)
    db = open_database(settings)
    start = time.perf_counter()
    seed_demo(db, cipher=CredentialCipher.from_settings(settings), cameras=cameras)
    print(f"  seeded {cameras:,} cameras in {time.perf_counter() - start:.1f} s", flush=True)
    create_user(db, "bench", "admin", "bench-password-123")
    token = create_token(db, "bench", "bench")
    db.dispose()
    return token


def serve(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn; from qarauyl.api import create_app; from qarauyl.config import Settings; "
        f"s = Settings(data_dir={str(data_dir)!r}, database_url={url!r}, secret_key={SECRET!r}); "
        f"uvicorn.run(create_app(s), host='127.0.0.1', port={port}, log_level='warning', access_log=False, "
        "timeout_keep_alive=60)"
    )
    return subprocess.Popen([sys.executable, "-c", code])


async def wait_ready(base: str, token: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                if (
                    await client.get(f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
                ).is_success:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("the API server did not start within 60 s")


async def load(
    base: str, token: str, path: str, clients: int, per_client: int, cameras: int
) -> tuple[list[float], float]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    errors = 0

    async def one_client(index: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in range(per_client):
            offset = ((index * per_client + i) * 100) % max(cameras - 100, 1)
            start = time.perf_counter()
            try:
                response = await client.get(path.format(offset=offset))
            except httpx.TransportError:  # counted and reported, not hidden
                errors += 1
                continue
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                errors += 1

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60.0) as client:
        await client.get(path.format(offset=0))  # warm-up: connection, query plans, caches
        start = time.perf_counter()
        await asyncio.gather(*(one_client(i, client) for i in range(clients)))
        wall = time.perf_counter() - start
    if errors:
        print(f"  warning: {errors} request(s) to {path} failed", flush=True)
    return latencies, wall


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def run_backend(name: str, url: str, args: argparse.Namespace) -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="qarauyl-bench-api-") as tmp:
        data_dir = Path(tmp) / "data"
        print(f"{name}: preparing", flush=True)
        token = prepare(url, data_dir, args.cameras)
        port = free_port()
        server = serve(url, data_dir, port)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(base, token))
            total = httpx.get(
                f"{base}/api/v1/cameras?limit=1", headers={"Authorization": f"Bearer {token}"}
            ).json()
            assert total["total"] == args.cameras, total
            for label, path in ENDPOINTS.items():
                latencies, wall = asyncio.run(
                    load(base, token, path, args.clients, args.requests, args.cameras)
                )
                ms = [1000 * v for v in latencies]
                line = (
                    f"{name:10} {label:22} n={len(ms):5}  p50={percentile(ms, 50):7.1f} ms  "
                    f"p95={percentile(ms, 95):7.1f} ms  p99={percentile(ms, 99):7.1f} ms  "
                    f"{len(ms) / wall:6.1f} req/s"
                )
                print(line, flush=True)
                lines.append(line)
            # The machine is shared: the load average says how much of the 2 cores the server really had.
            lines.append(f"{name:10} load average during the run: {os.getloadavg()[0]:.1f} (2 cores)")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="500 cameras, 10 clients, 10 requests each")
    parser.add_argument("--cameras", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="requests per client per endpoint")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-admin", default=PG_ADMIN, help="a PostgreSQL URL allowed to CREATE DATABASE")
    args = parser.parse_args()
    if args.quick:
        args.cameras, args.clients, args.requests = 500, 10, 10
    print(f"{args.cameras:,} cameras, {args.clients} concurrent clients, {args.requests} requests per client")
    results: list[str] = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="qarauyl-bench-db-") as tmp:
            results += run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args)
    if args.backend in ("postgresql", "both"):
        admin = create_engine(
            args.pg_admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
        )
        name = f"qarauyl_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.pg_admin).set(database=name).render_as_string(hide_password=False)
            results += run_backend("postgresql", url, args)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print("\nsummary:")
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
