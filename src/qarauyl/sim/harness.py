"""Test harness: `with run_simulator(...) as sim:` runs `python -m qarauyl sim serve` in a subprocess,
waits until every camera answers, and always stops it (on exit, on error, and, through --parent-pid,
even if the test process is killed)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import httpx

from qarauyl.sim.faults import make_fault


class SimulatorError(RuntimeError):
    """The simulator did not start, or its control API refused a request."""


class Simulator:
    """A running simulator. URLs carry no credentials; ask `credentials(cam_id)`."""

    def __init__(self, info: dict[str, Any], process: subprocess.Popen[bytes], log_path: Path,
                 username: str, password: str) -> None:  # fmt: skip
        self.info = info
        self.process = process
        self.log_path = log_path
        self.host: str = info["host"]
        self.port: int = info["rtsp_port"]
        self.control_port: int = info["control_port"]
        self.cameras: int = info["cameras"]
        self._credentials: dict[int, tuple[str, str]] = {}
        self._username, self._password = username, password
        self.control_url = f"http://{self.host}:{self.control_port}"
        self._http = httpx.Client(base_url=self.control_url, timeout=120.0)

    def rtsp_url(self, cam_id: int) -> str:
        return f"rtsp://{self.host}:{self.port}/cam/{cam_id}"

    def snapshot_url(self, cam_id: int) -> str:
        return f"{self.control_url}/cam/{cam_id}/snapshot.jpg"

    def credentials(self, cam_id: int) -> tuple[str, str]:
        return self._credentials.get(cam_id, (self._username, self._password))

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise SimulatorError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def set_fault(self, cam_id: int, fault: str, strength: float = 1.0, **params: float) -> None:
        """Adds (or updates) a fault; returns once the camera serves it."""
        make_fault(fault, strength, params)  # fail here, with the name, before the HTTP round trip
        self._call(
            "POST", f"/cameras/{cam_id}/faults", json={"fault": fault, "strength": strength, "params": params}
        )

    def clear_fault(self, cam_id: int, fault: str | None = None) -> None:
        self._call("DELETE", f"/cameras/{cam_id}/faults" + (f"/{fault}" if fault else ""))

    def set_fault_many(
        self, cameras: str | list[int], fault: str, strength: float = 1.0, **params: float
    ) -> int:
        """Adds a fault to many cameras ("1-100" or a list); returns how many changed."""
        make_fault(fault, strength, params)
        body = {"cameras": cameras, "fault": fault, "strength": strength, "params": params}
        return int(self._call("POST", "/fleet/faults", json=body)["cameras"])

    def clear_fault_many(self, cameras: str | list[int], fault: str | None = None) -> int:
        ids = cameras if isinstance(cameras, str) else ",".join(map(str, cameras))
        query = {"cameras": ids, **({"fault": fault} if fault else {})}
        return int(self._call("DELETE", "/fleet/faults", params=query)["cameras"])

    def set_password(self, cam_id: int, password: str) -> None:
        self._call("PUT", f"/cameras/{cam_id}/credentials", json={"password": password})
        self._credentials[cam_id] = (self.credentials(cam_id)[0], password)

    def camera(self, cam_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/cameras/{cam_id}")
        return result

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        self._http.close()


def _normalise_faults(faults: Mapping[int, Any] | None) -> list[str]:
    """{id: "blur"} / {id: ("blur", 0.5)} / {id: ["blur", ("noise", 0.3)]} -> --fault options."""
    out: list[str] = []
    for cam_id, value in (faults or {}).items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            name, strength = (item, 1.0) if isinstance(item, str) else (item[0], float(item[1]))
            make_fault(name, strength)
            out.append(f"{cam_id}={name}:{strength:g}")
    return out


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5.0)


@contextlib.contextmanager
def run_simulator(
    cameras: int = 20,
    *,
    cache_dir: Path,
    username: str = "admin",
    password: str = "admin",
    faults: Mapping[int, Any] | None = None,
    port: int = 0,
    control_port: int = 0,
    auth: str = "digest",
    scene: str | None = None,
    scenario: Path | None = None,
    width: int = 640,
    height: int = 360,
    fps: float = 25.0,
    gop: int | None = None,
    codec: str = "h264",
    variety: int = 1,
    clip_seconds: float = 2.0,
    idle_timeout: float = 30.0,
    request_timeout: float = 10.0,
    session_timeout: int = 60,
    extra_args: list[str] | None = None,
    ready_timeout: float = 180.0,
    max_lifetime: float = 1800.0,
) -> Iterator[Simulator]:
    """Starts a simulator on 127.0.0.1 and yields it once ready. Encoded clips are cached in `cache_dir`:
    share one directory across tests (a session-scoped tmp dir) to encode each variant once."""
    args = [
        sys.executable, "-m", "qarauyl", "sim", "serve", "--cameras", str(cameras), "--port", str(port),
        "--control-port", str(control_port), "--host", "127.0.0.1", "--cache-dir", str(cache_dir),
        "--username", username, "--password", password, "--auth", auth, "--width", str(width),
        "--height", str(height), "--fps", f"{fps:g}", "--gop", str(gop or max(1, round(fps))),
        "--codec", codec, "--variety", str(variety), "--clip-seconds", f"{clip_seconds:g}",
        "--idle-timeout", f"{idle_timeout:g}", "--request-timeout", f"{request_timeout:g}",
        "--session-timeout", str(session_timeout),
        "--parent-pid", str(os.getpid()), "--max-lifetime", f"{max_lifetime:g}", "--ready-json",
    ]  # fmt: skip
    if scene:
        args += ["--scene", scene]
    if scenario:
        args += ["--scenario", str(scenario)]
    for option in _normalise_faults(faults):
        args += ["--fault", option]
    args += extra_args or []
    log_file = tempfile.NamedTemporaryFile(prefix="qarauyl-sim-", suffix=".log", delete=False)  # noqa: SIM115
    log_path = Path(log_file.name)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log_file, env=env, start_new_session=True)
    log_file.close()
    sim: Simulator | None = None
    try:
        info = _wait_ready(process, ready_timeout, log_path)
        sim = Simulator(info, process, log_path, username, password)
        yield sim
    finally:
        if sim is not None:
            sim.close()
        _stop(process)
        with contextlib.suppress(OSError):
            log_path.unlink()


def _wait_ready(process: subprocess.Popen[bytes], timeout: float, log_path: Path) -> dict[str, Any]:
    assert process.stdout is not None
    found: dict[str, Any] = {}
    done = threading.Event()

    def reader(stream: IO[bytes]) -> None:
        # Reads the ready line, then keeps draining stdout so the server never blocks on a full pipe.
        for raw in stream:
            if not found:
                with contextlib.suppress(ValueError):
                    data = json.loads(raw)
                    if isinstance(data, dict) and data.get("event") == "ready":
                        found.update(data)
                        done.set()
        done.set()

    threading.Thread(target=reader, args=(process.stdout,), daemon=True).start()
    deadline = time.monotonic() + timeout
    while not done.wait(0.1):
        if time.monotonic() > deadline:
            raise SimulatorError(
                f"the simulator was not ready within {timeout:g} s; its log:\n{_tail(log_path)}"
            )
    if not found:
        process.wait(5.0)
        raise SimulatorError(
            f"the simulator exited with code {process.returncode} before it was ready; "
            f"its log:\n{_tail(log_path)}"
        )
    return found


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
