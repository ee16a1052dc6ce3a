"""RTP packetisation of cached access units: H.264 per RFC 6184 (single NAL unit packets and FU-A) and
H.265 per RFC 7798 (single NAL unit packets and FUs), 90 kHz clock.

The payloads of a clip are computed once and shared by every session showing it; a session only adds
its 12-byte RTP header (its own sequence numbers, timestamps and SSRC), and the 4-byte interleave prefix
on TCP.
"""

from __future__ import annotations

import struct
from base64 import b64encode

from qarauyl.sim.variants import Clip

RTP_CLOCK = 90_000
PAYLOAD_TYPE = 96
# Leaves room for IP/UDP/RTP headers under a 1500-byte Ethernet MTU.
MAX_PAYLOAD = 1400

_RTP = struct.Struct("!BBHII")
_INTERLEAVED_RTP = struct.Struct("!cBHBBHII")


def h264_payloads(nal: bytes, mtu: int = MAX_PAYLOAD) -> list[bytes]:
    if len(nal) <= mtu:
        return [nal]
    indicator = (nal[0] & 0xE0) | 28  # FU-A, with the NAL's F and NRI bits
    kind = nal[0] & 0x1F
    body = nal[1:]
    chunk = mtu - 2
    out = []
    for start in range(0, len(body), chunk):
        fu_header = kind
        if start == 0:
            fu_header |= 0x80
        if start + chunk >= len(body):
            fu_header |= 0x40
        out.append(bytes((indicator, fu_header)) + body[start : start + chunk])
    return out


def h265_payloads(nal: bytes, mtu: int = MAX_PAYLOAD) -> list[bytes]:
    if len(nal) <= mtu:
        return [nal]
    kind = (nal[0] >> 1) & 0x3F
    header = bytes(((nal[0] & 0x81) | (49 << 1), nal[1]))  # FU payload header: type 49, same layer/TID
    body = nal[2:]
    chunk = mtu - 3
    out = []
    for start in range(0, len(body), chunk):
        fu_header = kind
        if start == 0:
            fu_header |= 0x80
        if start + chunk >= len(body):
            fu_header |= 0x40
        out.append(header + bytes((fu_header,)) + body[start : start + chunk])
    return out


def clip_payloads(clip: Clip) -> list[list[bytes]]:
    """RTP payloads for each access unit of the clip, computed once and kept on the clip."""
    if clip.payloads is None:
        split = h264_payloads if clip.codec == "h264" else h265_payloads
        clip.payloads = [[p for nal in au for p in split(nal)] for au in clip.frames]
    return clip.payloads


def rtp_packets(payloads: list[bytes], seq: int, timestamp: int, ssrc: int) -> list[bytes]:
    """RTP packets of one access unit; the marker bit is set on its last packet."""
    last = len(payloads) - 1
    return [
        _RTP.pack(0x80, PAYLOAD_TYPE | (0x80 if i == last else 0), (seq + i) & 0xFFFF, timestamp, ssrc) + p
        for i, p in enumerate(payloads)
    ]


def interleaved_frame(payloads: list[bytes], channel: int, seq: int, timestamp: int, ssrc: int) -> bytes:
    """One access unit as RTP-over-RTSP interleaved bytes (RFC 2326 §10.12), ready for one write()."""
    last = len(payloads) - 1
    parts = []
    for i, p in enumerate(payloads):
        parts.append(
            _INTERLEAVED_RTP.pack(
                b"$", channel, 12 + len(p), 0x80, PAYLOAD_TYPE | (0x80 if i == last else 0),
                (seq + i) & 0xFFFF, timestamp, ssrc,
            )
        )  # fmt: skip
        parts.append(p)
    return b"".join(parts)


def sender_report(ssrc: int, rtp_timestamp: int, packets: int, octets: int, wallclock: float) -> bytes:
    """An RTCP sender report (RFC 3550 §6.4.1) without reception blocks; lets clients map RTP time to
    wall-clock time."""
    ntp = wallclock + 2_208_988_800  # NTP epoch is 1900
    secs = int(ntp)
    frac = int((ntp - secs) * (1 << 32)) & 0xFFFFFFFF
    return struct.pack(
        "!BBHIIIIII", 0x80, 200, 6, ssrc, secs & 0xFFFFFFFF, frac, rtp_timestamp & 0xFFFFFFFF,
        packets & 0xFFFFFFFF, octets & 0xFFFFFFFF,
    )  # fmt: skip


def sdp_media(clip: Clip, control: str) -> list[str]:
    """The SDP media section for a clip: rtpmap and fmtp with the parameter sets (sprop-*)."""
    lines = [f"m=video 0 RTP/AVP {PAYLOAD_TYPE}", f"b=AS:{max(1, round(clip.bitrate_kbps * 1.2))}"]
    if clip.codec == "h264":
        sps, pps = clip.parameter_sets[0], clip.parameter_sets[1]
        sprop = f"{b64encode(sps).decode()},{b64encode(pps).decode()}"
        lines += [
            f"a=rtpmap:{PAYLOAD_TYPE} H264/{RTP_CLOCK}",
            f"a=fmtp:{PAYLOAD_TYPE} packetization-mode=1;profile-level-id={sps[1:4].hex().upper()};"
            f"sprop-parameter-sets={sprop}",
        ]
    else:
        vps64, sps64, pps64 = (b64encode(p).decode() for p in clip.parameter_sets[:3])
        lines += [
            f"a=rtpmap:{PAYLOAD_TYPE} H265/{RTP_CLOCK}",
            f"a=fmtp:{PAYLOAD_TYPE} sprop-vps={vps64};sprop-sps={sps64};sprop-pps={pps64}",
        ]
    lines += [
        f"a=framerate:{clip.fps:g}",
        f"a=x-dimensions:{clip.width},{clip.height}",
        f"a=control:{control}",
    ]
    return lines
