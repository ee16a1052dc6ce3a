"""Remote probing end to end: a real Redis broker (and a real RabbitMQ for the main path), a real
`qarauyl worker` process, the simulator's RTSP cameras, and the monitor recording what the worker found,
as if the worker sat in a district's network. Also: the broker never holds a camera password, and with
no worker the monitor records nothing instead of calling cameras offline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from qarauyl.inventory.importer import import_file
from qarauyl.monitor import Monitor, MonitorOptions, SnapshotStore
from qarauyl.monitor.job import MonitorJob
from qarauyl.monitor.targets import load_targets
from qarauyl.probe.result import ProbeResult
from qarauyl.remote import NoWorkerAnswered, RemotePool, Sealer
from qarauyl.remote.app import make_app
from qarauyl.security import CredentialCipher
from qarauyl.sim.harness import Simulator, run_simulator
from qarauyl.store import Camera, Database
from qarauyl.store.models import CameraHealthRow
from qarauyl.store.schema import upgrade

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("QARAUYL_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
AMQP_URL = os.environ.get("QARAUYL_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
SECRET = "remote-test-secret-key-0123456789"
PASSWORD = "Remote-Pa55"


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:  # scripts/test-services.sh starts it; a missing broker is a failure
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}): run scripts/test-services.sh")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


@pytest.fixture(scope="module")
def amqp_broker() -> str:
    from kombu import Connection

    try:
        with Connection(AMQP_URL, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:  # scripts/test-services.sh starts it; a missing broker is a failure
        pytest.fail(f"RabbitMQ is not reachable at {AMQP_URL} ({exc}): run scripts/test-services.sh")
    return AMQP_URL


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    cache = tmp_path_factory.mktemp("remote-sim")
    with run_simulator(
        3, cache_dir=cache, password=PASSWORD, fps=12.5, clip_seconds=4.0, max_lifetime=600
    ) as s:
        yield s


def _inventory(path: Path, sim: Simulator) -> Path:
    rows = ["code,name,vendor,latitude,longitude,main_stream_url,username,password,resolution,fps,lifecycle"]
    for cam in (1, 2):
        user, password = sim.credentials(cam)
        rows.append(
            f"R-{cam},Remote {cam},dahua,43.3,68.2,{sim.rtsp_url(cam)},{user},{password},"
            "640x360,12.5,connected"
        )
    user, _ = sim.credentials(3)
    rows.append(f"R-3,Remote 3,axis,43.3,68.2,{sim.rtsp_url(3)},{user},Wrong-Pa55,640x360,12.5,connected")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def database(tmp_path: Path, sim: Simulator) -> Iterator[tuple[Database, CredentialCipher]]:
    db = Database(f"sqlite:///{tmp_path / 'qarauyl.db'}")
    upgrade(db)
    cipher = CredentialCipher(SECRET.encode())
    import_file(db, _inventory(tmp_path / "fleet.csv", sim), cipher=cipher)
    yield db, cipher
    db.dispose()


@contextmanager
def _worker(broker: str, queue: str, data_dir: Path) -> Iterator[list[str]]:
    """A `qarauyl worker` process for the length of the block; what it printed is in the list after."""
    env = dict(
        os.environ, QARAUYL_SECRET_KEY=SECRET, QARAUYL_DATA_DIR=str(data_dir), QARAUYL_LOG_LEVEL="INFO"
    )
    env.pop("QARAUYL_BROKER_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "qarauyl", "worker", "--broker", broker, "--queue", queue,
         "--concurrency", "4", "--name", f"test-{queue}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    log: list[str] = []
    try:
        yield log
    finally:
        log.append(_stop(process))


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.terminate()
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate(timeout=10)
    return out.decode(errors="replace")


def _jobs(db: Database, cipher: CredentialCipher, tmp_path: Path) -> list[MonitorJob]:
    """The jobs the monitor sends for the connected cameras (credentials decrypted, as it does)."""
    monitor = Monitor(db, cipher, SnapshotStore(tmp_path / "snapshots"), MonitorOptions(), pool=_NoPool())
    return [monitor._job(target) for target in load_targets(db, cipher)]


class _NoPool:
    size = 1

    def submit_job(self, job: object) -> Future[ProbeResult]:
        raise AssertionError("only building jobs here")

    def close(self) -> None:
        pass


def _health(db: Database) -> dict[str, tuple[str, tuple[str, ...]]]:
    query = select(Camera.code, CameraHealthRow.state, CameraHealthRow.codes).join(
        CameraHealthRow, CameraHealthRow.camera_id == Camera.id
    )
    with db.session() as session:
        return {code: (state, tuple(codes or ())) for code, state, codes in session.execute(query)}


def test_a_remote_worker_probes_and_the_monitor_records_its_verdicts(
    broker: str, database: tuple[Database, CredentialCipher], tmp_path: Path
) -> None:
    _probe_through(broker, database, tmp_path)


def test_the_same_over_rabbitmq(
    amqp_broker: str, database: tuple[Database, CredentialCipher], tmp_path: Path
) -> None:
    # AMQP brokers carry results back on reply queues (rpc://), not in the broker's own store.
    _probe_through(amqp_broker, database, tmp_path)


def _probe_through(broker: str, database: tuple[Database, CredentialCipher], tmp_path: Path) -> None:
    db, cipher = database
    queue = f"district-{uuid.uuid4().hex[:8]}"
    options = MonitorOptions(concurrency=4, timeout=10.0, frames=6)
    with (
        _worker(broker, queue, tmp_path / "worker-data") as log,
        RemotePool(make_app(broker), Sealer(SECRET.encode()), size=4, queue=queue, queue_wait=60.0) as pool,
        Monitor(db, cipher, SnapshotStore(tmp_path / "snapshots"), options, pool=pool) as monitor,
    ):
        summary = monitor.run_once()
    assert summary.probed == 3, log
    health = _health(db)
    assert health["R-1"][0] == health["R-2"][0] == "ok", (health, log)
    assert "auth_failed" in health["R-3"][1], health
    # The worker's snapshots reached the monitor's store.
    assert list((tmp_path / "snapshots").rglob("*.jpg")), "no snapshot came back from the worker"


def test_the_broker_never_holds_a_camera_password(
    broker: str, database: tuple[Database, CredentialCipher], tmp_path: Path
) -> None:
    db, cipher = database
    queue = f"parked-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(broker)
    jobs = _jobs(db, cipher, tmp_path)
    with RemotePool(make_app(broker), Sealer(SECRET.encode()), size=2, queue=queue, queue_wait=0.5) as pool:
        for job in jobs:
            pool.submit_job(job)
        parked = client.lrange(queue, 0, -1)  # no worker on this queue: the messages wait in Redis
        assert len(parked) == len(jobs) == 3
        everything = b"".join(parked)
        for job in jobs:
            assert job.password and job.password.encode() not in everything
        assert PASSWORD.encode() not in everything and b"Wrong-Pa55" not in everything
        assert b"rtsp://" not in everything  # not even where the cameras are
    client.delete(queue)


def test_with_no_worker_the_monitor_records_nothing_and_says_why(
    broker: str, database: tuple[Database, CredentialCipher], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db, cipher = database
    queue = f"nobody-{uuid.uuid4().hex[:8]}"
    options = MonitorOptions(concurrency=2, timeout=1.0, frames=1)
    started = time.monotonic()
    with (
        RemotePool(make_app(broker), Sealer(SECRET.encode()), size=2, queue=queue, queue_wait=0.5) as pool,
        Monitor(db, cipher, SnapshotStore(tmp_path / "snapshots"), options, pool=pool) as monitor,
    ):
        summary = monitor.run_once()
    assert time.monotonic() - started < 60  # each job gives up at its deadline
    assert (summary.probed, summary.unanswered) == (0, 3)
    assert _health(db) == {}  # no camera called offline for a missing worker
    assert "no probe worker answered" in caplog.text


def test_a_worker_with_another_key_is_refused_and_named(
    broker: str, database: tuple[Database, CredentialCipher], tmp_path: Path
) -> None:
    db, cipher = database
    queue = f"stranger-{uuid.uuid4().hex[:8]}"
    stranger = Sealer(b"another-installation-key-987654321")
    with (
        _worker(broker, queue, tmp_path / "worker-data"),
        RemotePool(make_app(broker), stranger, size=2, queue=queue, queue_wait=30.0) as pool,
    ):
        error = pool.submit_job(_jobs(db, cipher, tmp_path)[0]).exception(timeout=90)
    assert isinstance(error, NoWorkerAnswered)
    assert "another secret key" in str(error)


def test_the_worker_refuses_to_start_without_the_monitors_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QARAUYL_")}
    env["QARAUYL_DATA_DIR"] = str(tmp_path / "empty")
    done = subprocess.run(
        [sys.executable, "-m", "qarauyl", "worker", "--broker", REDIS_URL],
        env=env, capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "QARAUYL_SECRET_KEY" in (done.stdout + done.stderr).decode()
    assert not (tmp_path / "empty" / "secret.key").exists()  # a worker never invents a key


def test_monitor_once_through_a_broker_from_the_command_line(
    broker: str, database: tuple[Database, CredentialCipher], tmp_path: Path
) -> None:
    db, _ = database
    queue = f"cli-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, QARAUYL_SECRET_KEY=SECRET, QARAUYL_DATA_DIR=str(tmp_path))
    env.pop("QARAUYL_DATABASE_URL", None)
    with _worker(broker, queue, tmp_path / "worker-data"):
        done = subprocess.run(
            [sys.executable, "-m", "qarauyl", "monitor", "--once", "--broker", broker, "--queue", queue,
             "--concurrency", "3"],
            env=env, capture_output=True, timeout=180,
        )  # fmt: skip
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert f"queue {queue}" in out and "Probed 3 camera(s)" in out, out
    assert "2 ok" in out and "auth_failed 1" in out, out
    assert {state for state, _ in _health(db).values()} <= {"ok", "failed", "unknown"}


def test_with_no_worker_the_queue_stops_growing(
    broker: str, database: tuple[Database, CredentialCipher], tmp_path: Path
) -> None:
    db, cipher = database
    queue = f"backlog-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(broker)
    from qarauyl.remote import pool as remote

    job = _jobs(db, cipher, tmp_path)[0]
    with RemotePool(make_app(broker), Sealer(SECRET.encode()), size=1, queue=queue, queue_wait=600) as pool:
        futures = []
        for _ in range(12):
            futures.append(pool.submit_job(job))
            time.sleep(remote.BACKLOG_CHECK / 4)  # the queue is counted once a second
        assert client.llen(queue) <= remote.BACKLOG_PER_SLOT + 4
        refused = [f.exception(timeout=1) for f in futures if f.done()]
        assert refused and all(isinstance(e, NoWorkerAnswered) for e in refused)
        assert "no worker takes them" in str(refused[-1])
    client.delete(queue)
