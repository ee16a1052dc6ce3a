"""The RTSP 1.0 server (RFC 2326) of the simulated fleet: one port, cameras at /cam/<id>.

OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER/SET_PARAMETER (keep-alive); RTP over TCP
(interleaved) and UDP unicast; Basic or Digest authentication per camera; stream faults. Sessions belong to
the connection that created them and end with it. Every read has a timeout; a client that sends garbage,
an oversized header, or nothing at all is dropped without affecting the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import secrets
import socket
import struct
import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, cast
from urllib.parse import urlsplit

from qarauyl.sim.auth import Authenticator
from qarauyl.sim.fleet import Camera, Fleet, FrameClock
from qarauyl.sim.rtp import RTP_CLOCK, clip_payloads, interleaved_frame, rtp_packets, sdp_media, sender_report
from qarauyl.sim.variants import Clip

log = logging.getLogger("qarauyl.sim.rtsp")

SERVER_NAME = "Qarauyl-Sim/0.1"
TRACK = "track1"
_PATH = re.compile(r"^/cam/(\d{1,9})(?:/(?:track1|trackID=\d+)?)?/?$")
_REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
    431: "Request Header Fields Too Large", 454: "Session Not Found", 455: "Method Not Valid in This State",
    459: "Aggregate Operation Not Allowed", 461: "Unsupported Transport", 500: "Internal Server Error",
    501: "Not Implemented", 503: "Service Unavailable", 505: "RTSP Version Not Supported",
}  # fmt: skip
_METHODS = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"
# A TCP client that stops reading: skip to the next keyframe past this backlog, drop it past the next.
_SKIP_BACKLOG = 2 * 1024 * 1024
_DROP_BACKLOG = 16 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8554
    request_timeout: float = 10.0  # a started request must be complete within this
    idle_timeout: float = 30.0  # a connection without a playing session may stay silent this long
    session_timeout: int = 60  # advertised; a playing UDP session without keep-alive ends after 2x
    max_header_bytes: int = 8192
    max_body_bytes: int = 65536
    max_connections: int = 20_000
    hold_timeout: float = 300.0  # how long a `no_answer` camera keeps a connection it never answers


class _Drop(Exception):
    """Ends a connection (a protocol violation, a timeout, a fault)."""

    def __init__(self, reason: str, *, reset: bool = False) -> None:
        super().__init__(reason)
        self.reset = reset


@dataclass
class Request:
    method: str
    url: str
    version: str
    headers: dict[str, str]
    body: bytes

    @property
    def cseq(self) -> str:
        return self.headers.get("cseq", "0")


def parse_request(head: bytes) -> Request:
    """Parses a request line and headers (terminated by an empty line). Raises ValueError if malformed."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("request is not UTF-8") from None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not re.fullmatch(r"[A-Z][A-Z_]{0,31}", parts[0]):
        raise ValueError(f"malformed request line {lines[0][:80]!r}")
    method, url, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            raise ValueError(f"malformed header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return Request(method, url, version, headers, b"")


class _UdpSink(asyncio.DatagramProtocol):
    """The server's RTP/RTCP sockets: send only; what clients send (RTCP receiver reports, NAT punches)
    is ignored."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Python's selector datagram transport does not subclass DatagramTransport, hence the cast.
        self.transport = cast(asyncio.DatagramTransport, transport)


class Session:
    """One PLAYing (or ready) stream of one camera to one client."""

    def __init__(self, conn: _Connection, cam: Camera, clip: Clip) -> None:
        self.conn = conn
        self.cam = cam
        self.clip = clip
        self.id = secrets.token_hex(8).upper()
        self.ssrc = random.getrandbits(32)
        self.seq = random.getrandbits(16)
        self.rtp_time = float(random.getrandbits(31))
        self.index = 0
        self.frames_sent = 0
        self.packets_sent = 0
        self.octets_sent = 0
        self.playing = False
        self.waiting_for_keyframe = False
        self.start_after = 0.0
        self.interleaved: int | None = None  # RTP channel for TCP
        self.udp_addr: tuple[str, int] | None = None  # client RTP address for UDP
        self.clock: FrameClock | None = None
        self.last_sr = 0.0

    def play(self) -> None:
        if not self.playing and self.frames_sent == 0:
            self.index = self.cam.next_entry(self.clip)
        self.playing = True
        slow = self.cam.fault("slow_start")
        self.start_after = time.monotonic() + (slow.param("delay_s") if slow else 0.0)
        self._subscribe(self.clip.fps)

    def pause(self) -> None:
        self.playing = False
        self._unsubscribe()

    def stop(self) -> None:
        self.playing = False
        self._unsubscribe()

    def _subscribe(self, fps: float) -> None:
        self._unsubscribe()
        self.clock = self.conn.server.fleet.clock(fps)
        self.clock.subscribe(id(self), self.tick)

    def _unsubscribe(self) -> None:
        if self.clock is not None:
            self.clock.unsubscribe(id(self))
            self.clock = None

    def tick(self) -> None:
        now = time.monotonic()
        cam = self.cam
        if cam.is_down(now):
            self.conn.abort("camera went offline")
            return
        clip = cam.clip
        if clip is not None and clip is not self.clip:
            # The camera's faults changed: continue with the new clip from its IDR picture, with the
            # same SSRC and running sequence numbers and timestamps, as a camera changing settings does.
            self.clip, self.index = clip, 0
            self.waiting_for_keyframe = False
            if clip.fps != (self.clock.fps if self.clock else None):
                self._subscribe(clip.fps)
        clip = self.clip
        frame_ticks = RTP_CLOCK / clip.fps
        if now < self.start_after or cam.fault("no_answer"):
            return
        stall = cam.fault("stall")
        if stall is not None and self.frames_sent >= stall.param("after_frames"):
            return  # stalled: the session stays, no more media
        index = self.index
        self.index = (index + 1) % len(clip.frames)
        timestamp = int(self.rtp_time) & 0xFFFFFFFF
        self.rtp_time += frame_ticks
        payloads = clip_payloads(clip)[index]
        if self.interleaved is not None:
            transport = self.conn.writer.transport
            if transport.is_closing():
                return
            backlog = transport.get_write_buffer_size()
            if backlog > _DROP_BACKLOG:
                self.conn.abort("client stopped reading")
                return
            if backlog > _SKIP_BACKLOG:
                self.waiting_for_keyframe = True
                return
            if self.waiting_for_keyframe and not clip.keyframes[index]:
                return
            self.waiting_for_keyframe = False
            transport.write(interleaved_frame(payloads, self.interleaved, self.seq, timestamp, self.ssrc))
        else:
            udp = self.conn.server.udp_rtp.transport
            if udp is None or self.udp_addr is None:
                return
            for packet in rtp_packets(payloads, self.seq, timestamp, self.ssrc):
                udp.sendto(packet, self.udp_addr)
        self.seq = (self.seq + len(payloads)) & 0xFFFF
        self.frames_sent += 1
        self.packets_sent += len(payloads)
        self.octets_sent += sum(len(p) for p in payloads)
        if now - self.last_sr >= 5.0:
            self.last_sr = now
            self._send_sender_report(timestamp)

    def _send_sender_report(self, timestamp: int) -> None:
        report = sender_report(self.ssrc, timestamp, self.packets_sent, self.octets_sent, time.time())
        if self.interleaved is not None:
            self.conn.writer.transport.write(
                struct.pack("!cBH", b"$", self.interleaved + 1, len(report)) + report
            )
        else:
            rtcp = self.conn.server.udp_rtcp.transport
            if rtcp is not None and self.udp_addr is not None:
                rtcp.sendto(report, (self.udp_addr[0], self.udp_addr[1] + 1))


class _Connection:
    def __init__(
        self, server: RtspServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer_host: str = peer[0] if peer else "127.0.0.1"
        self.sessions: dict[str, Session] = {}
        self.closed = False

    @property
    def cfg(self) -> ServerConfig:
        return self.server.config

    def abort(self, reason: str, *, reset: bool = True) -> None:
        """Closes at once; with `reset`, by RST (SO_LINGER 0), as a host whose camera died does."""
        if self.closed:
            return
        self.closed = True
        log.debug("dropping %s: %s", self.peer_host, reason)
        for session in self.sessions.values():
            session.stop()
        sock = self.writer.get_extra_info("socket")
        if reset and sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def run(self) -> None:
        try:
            while not self.closed:
                request = await self._read_message()
                if request is None:
                    break
                await self._handle(request)
        except _Drop as drop:
            self.abort(str(drop), reset=drop.reset)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            for session in self.sessions.values():
                session.stop()
            self.sessions.clear()
            if not self.closed:
                self.closed = True
                self.writer.close()

    def _wait_limit(self) -> float:
        playing = [s for s in self.sessions.values() if s.playing]
        if not playing:
            return self.cfg.idle_timeout
        if any(s.interleaved is not None for s in playing):
            # RTP over TCP: a vanished client shows as a growing write backlog; keep-alives are optional.
            return max(3600.0, 2.0 * self.cfg.session_timeout)
        return 2.0 * self.cfg.session_timeout

    async def _read_message(self) -> Request | None:
        """The next RTSP request; interleaved data from the client (RTCP) is read and discarded."""
        while True:
            try:
                async with asyncio.timeout(self._wait_limit()):
                    first = await self.reader.read(1)
            except TimeoutError:
                raise _Drop("idle timeout") from None
            if not first:
                return None
            if first == b"$":
                header = await self._timed(self.reader.readexactly(3))
                (length,) = struct.unpack("!H", header[1:])
                await self._timed(self.reader.readexactly(length))
                continue
            if first in b"\r\n":
                continue  # tolerated stray line ends between requests
            try:
                rest = await self._timed(self.reader.readuntil(b"\r\n\r\n"))
            except asyncio.LimitOverrunError:
                await self._send_raw(431, "0", [])
                raise _Drop("oversized request header") from None
            try:
                request = parse_request(first + rest)
            except ValueError as exc:
                await self._send_raw(400, "0", [])
                raise _Drop(str(exc)) from None
            length_text = request.headers.get("content-length", "0")
            if not length_text.isdigit() or int(length_text) > self.cfg.max_body_bytes:
                await self._send_raw(400, request.cseq, [])
                raise _Drop("bad Content-Length")
            if int(length_text):
                request.body = await self._timed(self.reader.readexactly(int(length_text)))
            return request

    async def _timed(self, awaitable: Any) -> Any:
        try:
            async with asyncio.timeout(self.cfg.request_timeout):
                return await awaitable
        except TimeoutError:
            raise _Drop("incomplete request (timeout)") from None
        except asyncio.IncompleteReadError:
            raise _Drop("connection closed mid-request") from None

    async def _send_raw(
        self, status: int, cseq: str, headers: list[tuple[str, str]], body: bytes = b""
    ) -> None:
        lines = [
            f"RTSP/1.0 {status} {_REASONS.get(status, 'Error')}",
            f"CSeq: {cseq}",
            f"Server: {SERVER_NAME}",
        ]
        lines.append(f"Date: {formatdate(usegmt=True)}")
        lines += [f"{k}: {v}" for k, v in headers]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        if self.closed:
            return
        self.writer.write(data)
        try:
            async with asyncio.timeout(self.cfg.request_timeout):
                await self.writer.drain()
        except TimeoutError:
            raise _Drop("client does not read its answers") from None

    async def _handle(self, req: Request) -> None:
        async def reply(status: int, headers: list[tuple[str, str]] | None = None, body: bytes = b"") -> None:
            await self._send_raw(status, req.cseq, headers or [], body)

        if req.version != "RTSP/1.0":
            await reply(505)
            raise _Drop(f"unsupported version {req.version[:20]!r}")
        cam = None
        if req.url != "*":
            match = _PATH.match(urlsplit(req.url).path or "/")
            cam = self.server.fleet.camera(int(match.group(1))) if match else None
            if cam is None:
                await reply(404)
                return
            if cam.is_down(time.monotonic()):
                raise _Drop(f"camera {cam.id} is offline", reset=True)
            if cam.fault("no_answer"):
                await self._hold()
                return
        if req.method == "OPTIONS":
            await reply(200, [("Public", _METHODS)])
            return
        if cam is None:
            await reply(404 if req.method in ("DESCRIBE", "SETUP", "PLAY") else 405, [("Allow", "OPTIONS")])
            return
        if req.method in ("DESCRIBE", "SETUP", "PLAY") and cam.fault("unavailable"):
            await reply(503)
            return
        authenticator = self.server.authenticator
        if req.method not in ("OPTIONS", "TEARDOWN") and not authenticator.check(
            cam.auth, req.headers.get("authorization"), req.method, cam.username, cam.password,
            locked=cam.fault("auth_failed") is not None,
        ):  # fmt: skip
            await reply(401, [("WWW-Authenticate", c) for c in authenticator.challenges(cam.auth)])
            return
        handler = {
            "DESCRIBE": self._describe,
            "SETUP": self._setup,
            "PLAY": self._play,
            "PAUSE": self._pause,
            "TEARDOWN": self._teardown,
            "GET_PARAMETER": self._keepalive,
            "SET_PARAMETER": self._keepalive,
        }.get(req.method)
        if handler is None:
            await reply(501, [("Public", _METHODS)])
            return
        await handler(req, cam)

    async def _hold(self) -> None:
        """The `no_answer` fault: read whatever the client sends, answer nothing, until it gives up."""
        deadline = time.monotonic() + self.cfg.hold_timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                if not await asyncio.wait_for(self.reader.read(65536), left):
                    break
            except TimeoutError:
                break
        raise _Drop("no_answer hold ended")

    def _base_url(self, req: Request, cam: Camera) -> str:
        netloc = urlsplit(req.url).netloc.rpartition("@")[2]  # never echo credentials a client put in the URL
        return f"rtsp://{netloc}/cam/{cam.id}/"

    async def _clip(self, cam: Camera) -> Clip:
        try:
            async with asyncio.timeout(120.0):
                return await self.server.fleet.ensure_clip(cam)
        except Exception as exc:
            log.error("camera %d: no clip: %s", cam.id, exc)
            raise _Drop("clip unavailable") from None

    async def _describe(self, req: Request, cam: Camera) -> None:
        clip = await self._clip(cam)
        session_version = int(time.time())
        sdp = [
            "v=0",
            f"o=- {cam.id} {session_version} IN IP4 {self.server.config.host}",
            f"s=Qarauyl simulated camera {cam.id}",
            "c=IN IP4 0.0.0.0",
            "t=0 0",
            "a=control:*",
            "a=range:npt=0-",
            *sdp_media(clip, TRACK),
        ]
        body = ("\r\n".join(sdp) + "\r\n").encode()
        await self._send_raw(
            200, req.cseq,
            [("Content-Type", "application/sdp"), ("Content-Base", self._base_url(req, cam))],
            body,
        )  # fmt: skip

    async def _setup(self, req: Request, cam: Camera) -> None:
        wanted = req.headers.get("session", "").split(";")[0].strip()
        if wanted and wanted not in self.sessions:
            await self._send_raw(454, req.cseq, [])
            return
        if wanted:
            await self._send_raw(459, req.cseq, [])  # one video track: nothing more to set up
            return
        transport_header = req.headers.get("transport", "")
        clip = await self._clip(cam)
        session = Session(self, cam, clip)
        reply_transport = None
        for option in transport_header.split(","):
            fields = [f.strip() for f in option.split(";")]
            params = dict(f.partition("=")[::2] for f in fields[1:])
            spec = fields[0].upper()
            if "multicast" in [f.lower() for f in fields]:
                continue
            if spec in ("RTP/AVP/TCP",):
                if cam.fault("udp_only"):
                    continue  # as a camera whose RTSP server has RTP over TCP switched off
                channel = params.get("interleaved", "0-1").split("-")[0]
                if not channel.isdigit() or int(channel) > 254:
                    continue
                session.interleaved = int(channel)
                reply_transport = f"RTP/AVP/TCP;unicast;interleaved={channel}-{int(channel) + 1}"
                break
            if spec in ("RTP/AVP", "RTP/AVP/UDP") and "client_port" in params:
                ports = params["client_port"].split("-")
                if not ports[0].isdigit() or not 0 < int(ports[0]) < 65535:
                    continue
                # Media go to the address the request came from, never to a `destination` the client names.
                session.udp_addr = (self.peer_host, int(ports[0]))
                rtp_port, rtcp_port = self.server.udp_ports
                reply_transport = (
                    f"RTP/AVP;unicast;client_port={ports[0]}-{int(ports[0]) + 1};"
                    f"server_port={rtp_port}-{rtcp_port};ssrc={session.ssrc:08X}"
                )
                break
        if reply_transport is None:
            await self._send_raw(461, req.cseq, [])
            return
        if len(self.sessions) >= 4:  # a real camera limits sessions per client too
            await self._send_raw(503, req.cseq, [])
            return
        self.sessions[session.id] = session
        await self._send_raw(
            200, req.cseq,
            [("Transport", reply_transport), ("Session", f"{session.id};timeout={self.cfg.session_timeout}")],
        )  # fmt: skip

    def _session(self, req: Request) -> Session | None:
        sid = req.headers.get("session", "").split(";")[0].strip()
        return self.sessions.get(sid)

    async def _play(self, req: Request, cam: Camera) -> None:
        session = self._session(req)
        if session is None or session.cam is not cam:
            await self._send_raw(454, req.cseq, [])
            return
        if not session.playing:
            session.play()
        rtp_info = f"url={self._base_url(req, cam)}{TRACK};seq={session.seq};rtptime={int(session.rtp_time)}"
        await self._send_raw(
            200, req.cseq, [("Session", session.id), ("Range", "npt=0.000-"), ("RTP-Info", rtp_info)]
        )

    async def _pause(self, req: Request, cam: Camera) -> None:
        session = self._session(req)
        if session is None:
            await self._send_raw(454, req.cseq, [])
            return
        session.pause()
        await self._send_raw(200, req.cseq, [("Session", session.id)])

    async def _teardown(self, req: Request, cam: Camera) -> None:
        session = self._session(req)
        if session is None:
            await self._send_raw(454, req.cseq, [])
            return
        session.stop()
        del self.sessions[session.id]
        await self._send_raw(200, req.cseq, [("Session", session.id)])

    async def _keepalive(self, req: Request, cam: Camera) -> None:
        session = self._session(req)
        headers = [("Session", session.id)] if session else []
        await self._send_raw(200, req.cseq, headers)


class RtspServer:
    """Serves a Fleet over RTSP on one TCP port plus one UDP port pair for RTP/RTCP."""

    def __init__(self, fleet: Fleet, config: ServerConfig) -> None:
        self.fleet = fleet
        self.config = config
        self.authenticator = Authenticator()
        self.udp_rtp = _UdpSink()
        self.udp_rtcp = _UdpSink()
        self.udp_ports = (0, 0)
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._udp_transports: list[asyncio.BaseTransport] = []

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self.config.host, self.config.port, limit=self.config.max_header_bytes,
            backlog=1024, reuse_address=True,
        )  # fmt: skip
        await self._bind_udp()

    async def _bind_udp(self) -> None:
        """An even/odd UDP port pair for RTP/RTCP (RFC 3550 §11), tried until both bind."""
        loop = asyncio.get_running_loop()
        rng = random.Random()
        for _ in range(200):
            rtp_port = rng.randrange(20000, 60000, 2)
            try:
                t1, _ = await loop.create_datagram_endpoint(
                    lambda: self.udp_rtp, local_addr=(self.config.host, rtp_port)
                )
            except OSError:
                continue
            try:
                t2, _ = await loop.create_datagram_endpoint(
                    lambda: self.udp_rtcp, local_addr=(self.config.host, rtp_port + 1)
                )
            except OSError:
                t1.close()
                continue
            self._udp_transports = [t1, t2]
            self.udp_ports = (rtp_port, rtp_port + 1)
            return
        raise OSError("no free UDP port pair for RTP/RTCP")

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= self.config.max_connections:
            writer.transport.abort()
            return
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Connection(self, reader, writer)
        self._connections.add(conn)
        try:
            await conn.run()
        except Exception:
            log.exception("connection from %s failed", conn.peer_host)
            conn.abort("internal error")
        finally:
            self._connections.discard(conn)

    def sessions_playing(self) -> int:
        return sum(1 for c in self._connections for s in c.sessions.values() if s.playing)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections):
            conn.abort("server stopping", reset=False)
        for t in self._udp_transports:
            t.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5.0)
