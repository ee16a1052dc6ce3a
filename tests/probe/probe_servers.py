"""Small real servers for the probe tests, each on 127.0.0.1 with a bounded lifetime: a scripted RTSP
server (silent, junk, stalled after PLAY), and an HTTP server with Basic/Digest auth and fixed routes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAMERA_USER = "admin"
CAMERA_PASSWORD = "Zx9!pw:secret@42"  # characters that need quoting in a URL


@contextmanager
def gst_rtsp_server(
    *, user: str = "", password: str = "", lifetime: float = 170.0, **params: int
) -> Iterator[int]:
    """GStreamer's rtsp-server in a subprocess; yields its port; serves /test."""
    args = [sys.executable, str(HERE / "gst_rtsp_server.py"), "--port", "0", "--lifetime", str(lifetime)]
    if user:
        args += ["--user", user, "--password", password]
    for key, value in params.items():
        args += [f"--{key}", str(value)]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = _readline_within(process, 30.0)
        if not line.startswith("READY "):
            raise RuntimeError(f"the GStreamer RTSP server did not start: {line!r}")
        yield int(line.split()[1])
    finally:
        if process.stdin:
            process.stdin.close()  # the server exits when its stdin closes
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _readline_within(process: subprocess.Popen[str], timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(
        target=lambda: result.append(process.stdout.readline() if process.stdout else "")
    )
    reader.start()
    reader.join(timeout)
    return result[0].strip() if result else ""


def _free_listener() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel completes them) but never says a word."""
    sock = _free_listener()
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


SDP = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=stalled\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n"
)


@dataclass
class ScriptedRtsp:
    """An RTSP server following a script: `junk` (garbage at once, forever), `junk_reply` (a valid
    OPTIONS answer, then garbage), `stall` (a full, valid handshake, then no media at all), `garbage_sdp`
    (a valid DESCRIBE answer whose SDP is binary noise), `web` (a web server's 400 to anything, as a
    camera's web page or a proxy answers)."""

    mode: str
    port: int = 0
    connections: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def serve(self, listener: socket.socket) -> None:
        listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(0.5)
        with conn:
            try:
                if self.mode == "junk":
                    while not self._stop.is_set():
                        conn.sendall(os.urandom(4096).replace(b"\n", b"x"))
                        time.sleep(0.01)
                    return
                buffer = b""
                while not self._stop.is_set():
                    try:
                        chunk = conn.recv(4096)
                    except TimeoutError:
                        continue
                    if not chunk:
                        return
                    buffer += chunk
                    while b"\r\n\r\n" in buffer:
                        head, buffer = buffer.split(b"\r\n\r\n", 1)
                        self._answer(conn, head.decode("latin-1"))
            except OSError:
                return

    def _answer(self, conn: socket.socket, head: str) -> None:
        lines = head.split("\r\n")
        method = lines[0].split(" ", 1)[0]
        cseq = next(
            (line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("cseq:")), "0"
        )
        if self.mode == "web":
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            return
        if self.mode == "junk_reply" and method != "OPTIONS":
            conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + os.urandom(2048))
            return
        extra = ""
        body = ""
        if method == "OPTIONS":
            extra = "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n"
        elif method == "DESCRIBE":
            body = SDP if self.mode != "garbage_sdp" else bytes(range(128, 168)).decode("latin-1")
            extra = f"Content-Type: application/sdp\r\nContent-Base: rtsp://127.0.0.1:{self.port}/cam/\r\n"
        elif method == "SETUP":
            extra = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 12345678\r\n"
        elif method in ("PLAY", "TEARDOWN"):
            extra = "Session: 12345678\r\n"
        reply = f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{extra}Content-Length: {len(body)}\r\n\r\n{body}"
        conn.sendall(reply.encode("latin-1"))

    def stop(self) -> None:
        self._stop.set()


@contextmanager
def scripted_rtsp(mode: str) -> Iterator[ScriptedRtsp]:
    listener = _free_listener()
    server = ScriptedRtsp(mode=mode, port=listener.getsockname()[1])
    thread = threading.Thread(target=server.serve, args=(listener,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        listener.close()
        thread.join(5)


@dataclass
class Route:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class HttpCamera:
    """Routes (path -> Route); optional auth ("basic" or "digest") with user/password."""

    routes: dict[str, Route]
    auth: str = ""
    user: str = "admin"
    password: str = "pa:ss word"
    port: int = 0
    requests: list[str] = field(default_factory=list)
    realm: str = "qarauyl-test"
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def authorised(self, method: str, header: str | None) -> bool:
        if not self.auth:
            return True
        if header is None:
            return False
        if self.auth == "basic":
            import base64

            expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return header == f"Basic {expected}"
        if not header.startswith("Digest "):
            return False
        fields = _parse_digest(header[7:])
        ha1 = _md5(f"{self.user}:{self.realm}:{self.password}")
        ha2 = _md5(f"{method}:{fields.get('uri', '')}")
        expected = _md5(f"{ha1}:{self.nonce}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:auth:{ha2}")
        return fields.get("username") == self.user and fields.get("response") == expected

    def challenge(self) -> str:
        if self.auth == "basic":
            return f'Basic realm="{self.realm}"'
        return f'Digest realm="{self.realm}", nonce="{self.nonce}", qop="auth", algorithm=MD5'


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _parse_digest(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in text.split(","):
        if "=" in part:
            key, value = part.strip().split("=", 1)
            fields[key] = value.strip('"')
    return fields


@contextmanager
def http_camera(
    routes: dict[str, Route], *, auth: str = "", password: str = "pa:ss word"
) -> Iterator[HttpCamera]:
    camera = HttpCamera(routes=routes, auth=auth, password=password)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            camera.requests.append(self.path)
            if not camera.authorised("GET", self.headers.get("Authorization")):
                self.send_response(401)
                self.send_header("WWW-Authenticate", camera.challenge())
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            route = camera.routes.get(self.path.split("?")[0])
            if route is None:
                self.send_error(404)
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            for key, value in route.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    camera.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield camera
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
