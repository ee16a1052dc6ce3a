"""A small, strict RTSP/RTP client for the simulator's tests: it checks what real clients tolerate
silently (sequence gaps, marker bits, timestamp steps) and reassembles H.264/H.265 access units so they can
be decoded with PyAV. Independent of the server code on purpose: only the auth helper is shared."""

from __future__ import annotations

import asyncio
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from qarauyl.sim.auth import digest_authorization


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class MediaStats:
    packets: int = 0
    octets: int = 0  # RTP payload bytes
    frames: int = 0  # access units completed by a marker bit
    seq_errors: int = 0
    ts_errors: int = 0  # a new timestamp without a marker on the previous packet, or going backwards
    bad_packets: int = 0
    first_packet_s: float | None = None
    timestamps: list[int] = field(default_factory=list)
    access_units: list[list[bytes]] = field(default_factory=list)  # NAL units, start codes removed
    rtcp_packets: int = 0


class RtspError(Exception):
    pass


class RtspClient:
    def __init__(
        self,
        host: str,
        port: int,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.user, self.password, self.timeout = host, port, user, password, timeout
        self.cseq = 0
        self.session: str | None = None
        self.auth_header: str | None = None
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.codec = "h264"
        self.stats = MediaStats()
        self._fu: bytearray | None = None
        self._au: list[bytes] = []
        self._last_seq: int | None = None
        self._last_ts: int | None = None
        self._last_marker = True
        self._t0 = 0.0
        self._udp: Any = None
        self.keep_units = 0

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), self.timeout
        )

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self._udp is not None:
            self._udp.close()

    async def request(self, method: str, url: str, headers: dict[str, str] | None = None) -> Response:
        response = await self._send(method, url, headers or {})
        if response.status == 401 and self.user is not None and self.auth_header is None:
            challenge = response.headers.get("www-authenticate", "")
            if challenge.lower().startswith("digest"):
                self.auth_header = digest_authorization(
                    challenge, method, url, self.user, self.password or ""
                )
            else:
                import base64

                token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
                self.auth_header = f"Basic {token}"
            self._challenge = challenge
            response = await self._send(method, url, headers or {})
        return response

    async def _send(self, method: str, url: str, headers: dict[str, str]) -> Response:
        assert self.writer is not None and self.reader is not None
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}", "User-Agent: qarauyl-test"]
        if self.auth_header:
            auth = self.auth_header
            if auth.startswith("Digest"):
                auth = digest_authorization(
                    self._challenge, method, url, self.user or "", self.password or ""
                )
            lines.append(f"Authorization: {auth}")
        if self.session:
            lines.append(f"Session: {self.session}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()
        while True:
            first = await asyncio.wait_for(self.reader.readexactly(1), self.timeout)
            if first == b"$":
                await self._read_interleaved()
                continue
            head = first + await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), self.timeout)
            text = head.decode()
            status_line, *header_lines = text.split("\r\n")
            hdrs = {}
            for line in header_lines:
                if ":" in line:
                    k, _, v = line.partition(":")
                    hdrs[k.strip().lower()] = v.strip()
            body = b""
            if int(hdrs.get("content-length", "0")):
                body = await self.reader.readexactly(int(hdrs["content-length"]))
            if hdrs.get("cseq") != str(self.cseq):
                raise RtspError(f"CSeq mismatch: sent {self.cseq}, got {hdrs.get('cseq')}")
            return Response(int(status_line.split(" ")[1]), hdrs, body)

    async def _read_interleaved(self) -> None:
        assert self.reader is not None
        channel, length = struct.unpack("!BH", await self.reader.readexactly(3))
        data = await self.reader.readexactly(length)
        if channel % 2 == 0:
            self.on_rtp(data)
        else:
            self.stats.rtcp_packets += 1

    def on_rtp(self, data: bytes) -> None:
        st = self.stats
        if st.first_packet_s is None:
            st.first_packet_s = time.monotonic() - self._t0
        if len(data) < 13 or data[0] >> 6 != 2:
            st.bad_packets += 1
            return
        marker = bool(data[1] & 0x80)
        seq, ts = struct.unpack_from("!HI", data, 2)
        st.packets += 1
        st.octets += len(data) - 12
        if self._last_seq is not None and seq != (self._last_seq + 1) & 0xFFFF:
            st.seq_errors += 1
        if self._last_ts is not None and ts != self._last_ts and not self._last_marker:
            st.ts_errors += 1
        if (
            self._last_ts is not None
            and ts != self._last_ts
            and ((ts - self._last_ts) & 0xFFFFFFFF) > 1 << 31
        ):
            st.ts_errors += 1
        self._last_seq, self._last_ts, self._last_marker = seq, ts, marker
        self._depacketise(data[12:])
        if marker:
            st.frames += 1
            st.timestamps.append(ts)
            if len(st.access_units) < self.keep_units:
                st.access_units.append(self._au)
            self._au = []

    def _depacketise(self, payload: bytes) -> None:
        if self.codec == "h264":
            kind = payload[0] & 0x1F
            if kind == 28:
                fu = payload[1]
                if fu & 0x80:
                    self._fu = bytearray(bytes(((payload[0] & 0xE0) | (fu & 0x1F),)))
                if self._fu is not None:
                    self._fu += payload[2:]
                if fu & 0x40 and self._fu is not None:
                    self._au.append(bytes(self._fu))
                    self._fu = None
            elif 1 <= kind <= 23:
                self._au.append(payload)
            else:
                self.stats.bad_packets += 1
        else:
            kind = (payload[0] >> 1) & 0x3F
            if kind == 49:
                fu = payload[2]
                if fu & 0x80:
                    self._fu = bytearray(bytes(((payload[0] & 0x81) | ((fu & 0x3F) << 1), payload[1])))
                if self._fu is not None:
                    self._fu += payload[3:]
                if fu & 0x40 and self._fu is not None:
                    self._au.append(bytes(self._fu))
                    self._fu = None
            elif kind < 48:
                self._au.append(payload)
            else:
                self.stats.bad_packets += 1

    async def open(self, url: str, transport: str = "tcp") -> Response:
        """DESCRIBE, SETUP, PLAY. Returns the failing response, or PLAY's."""
        await self.connect()
        r = await self.request("DESCRIBE", url, {"Accept": "application/sdp"})
        if r.status != 200:
            return r
        self.sdp = r.body.decode()
        self.codec = "h265" if "H265/90000" in self.sdp else "h264"
        base = r.headers.get("content-base", url + "/")
        control = next(
            line.split(":", 1)[1] for line in self.sdp.splitlines() if line.startswith("a=control:t")
        )
        if transport == "tcp":
            t = "RTP/AVP/TCP;unicast;interleaved=0-1"
        else:
            loop = asyncio.get_running_loop()
            client = self

            class Proto(asyncio.DatagramProtocol):
                def datagram_received(self, data: bytes, addr: Any) -> None:
                    client.on_rtp(data)

            for port in range(40000 + (id(self) % 9000) * 2, 60000, 2):
                try:
                    self._udp, _ = await loop.create_datagram_endpoint(Proto, local_addr=("127.0.0.1", port))
                    break
                except OSError:
                    continue
            t = f"RTP/AVP;unicast;client_port={port}-{port + 1}"
        r = await self.request("SETUP", base + control, {"Transport": t})
        if r.status != 200:
            return r
        self.transport_reply = r.headers.get("transport", "")
        self.session = r.headers["session"].split(";")[0]
        self._t0 = time.monotonic()
        r = await self.request("PLAY", base, {"Range": "npt=0.000-"})
        return r

    async def read_media(self, seconds: float) -> MediaStats:
        """Reads interleaved media (TCP) or waits for datagrams (UDP) for `seconds`."""
        assert self.reader is not None
        deadline = time.monotonic() + seconds
        if self._udp is not None:
            await asyncio.sleep(seconds)
            return self.stats
        while (left := deadline - time.monotonic()) > 0:
            try:
                first = await asyncio.wait_for(self.reader.readexactly(1), left)
            except TimeoutError:
                break
            if first != b"$":
                raise RtspError(f"unexpected byte {first!r} in the media stream")
            await self._read_interleaved()
        return self.stats


async def stream(
    host: str,
    port: int,
    path: str,
    user: str | None,
    password: str | None,
    *,
    transport: str = "tcp",
    seconds: float = 2.0,
    keep_units: int = 0,
    timeout: float = 10.0,
) -> tuple[Response, MediaStats]:
    client = RtspClient(host, port, user, password, timeout=timeout)
    client.keep_units = keep_units
    try:
        r = await client.open(f"rtsp://{host}:{port}{path}", transport)
        if r.status == 200:
            await client.read_media(seconds)
            await client.request("TEARDOWN", f"rtsp://{host}:{port}{path}/")
        return r, client.stats
    finally:
        await client.close()


def decode_units(codec: str, units: list[list[bytes]]) -> tuple[list[Any], int]:
    """Decodes access units with PyAV; returns (RGB frames, decode errors)."""
    import av

    ctx: Any = av.CodecContext.create("h264" if codec == "h264" else "hevc", "r")
    frames, errors = [], 0
    for au in units:
        try:
            for frame in ctx.decode(av.Packet(b"".join(b"\x00\x00\x00\x01" + n for n in au))):
                frames.append(frame.to_ndarray(format="rgb24"))
        except av.error.InvalidDataError:
            errors += 1
    return frames, errors
