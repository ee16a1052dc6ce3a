"""RTP packetisation (RFC 6184 / RFC 7798) and camera authentication, as pure functions."""

from __future__ import annotations

import base64
import struct

import pytest

from qarauyl.sim.auth import REALM, Authenticator, digest_authorization
from qarauyl.sim.rtp import (
    h264_payloads,
    h265_payloads,
    interleaved_frame,
    rtp_packets,
    sender_report,
)
from qarauyl.sim.variants import split_annexb


def reassemble_h264(payloads: list[bytes]) -> list[bytes]:
    nals, fu = [], bytearray()
    for p in payloads:
        if p[0] & 0x1F == 28:
            if p[1] & 0x80:
                fu = bytearray([(p[0] & 0xE0) | (p[1] & 0x1F)])
            fu += p[2:]
            if p[1] & 0x40:
                nals.append(bytes(fu))
        else:
            nals.append(p)
    return nals


def test_small_nal_is_a_single_nal_packet() -> None:
    nal = bytes([0x65]) + bytes(range(100))
    assert h264_payloads(nal) == [nal]


def test_fu_a_round_trip_and_flags() -> None:
    nal = bytes([0x65]) + bytes(i % 251 for i in range(5000))
    payloads = h264_payloads(nal, mtu=1400)
    assert len(payloads) == 4 and all(len(p) <= 1400 for p in payloads)
    assert all(p[0] == (0x65 & 0xE0) | 28 for p in payloads)
    assert payloads[0][1] & 0x80 and not payloads[0][1] & 0x40
    assert payloads[-1][1] & 0x40 and not payloads[-1][1] & 0x80
    assert all(p[1] & 0x1F == 5 for p in payloads)
    assert reassemble_h264(payloads) == [nal]


def test_h265_fu_round_trip() -> None:
    nal = bytes([19 << 1, 0x01]) + bytes(i % 253 for i in range(3000))  # IDR_W_RADL
    payloads = h265_payloads(nal, mtu=1000)
    assert all((p[0] >> 1) & 0x3F == 49 and p[1] == 0x01 for p in payloads)
    rebuilt = bytes([(payloads[0][0] & 0x81) | ((payloads[0][2] & 0x3F) << 1), payloads[0][1]])
    rebuilt += b"".join(p[3:] for p in payloads)
    assert rebuilt == nal
    assert payloads[0][2] & 0x80 and payloads[-1][2] & 0x40


def test_rtp_headers_marker_sequence_wrap() -> None:
    packets = rtp_packets([b"\x41a", b"\x41b", b"\x41c"], seq=65534, timestamp=123456, ssrc=0xDEADBEEF)
    fields = [struct.unpack("!BBHII", p[:12]) for p in packets]
    assert [f[0] for f in fields] == [0x80] * 3
    assert [f[1] & 0x80 for f in fields] == [0, 0, 0x80]  # marker on the last packet of the frame
    assert [f[2] for f in fields] == [65534, 65535, 0]
    assert {f[3] for f in fields} == {123456} and {f[4] for f in fields} == {0xDEADBEEF}


def test_interleaved_frame_matches_rtp_packets() -> None:
    payloads = [b"\x41" * 10, b"\x41" * 20]
    blob = interleaved_frame(payloads, 2, 7, 90000, 42)
    packets = rtp_packets(payloads, 7, 90000, 42)
    expected = b"".join(b"$" + bytes([2]) + struct.pack("!H", len(p)) + p for p in packets)
    assert blob == expected


def test_sender_report_layout() -> None:
    sr = sender_report(42, 1000, 10, 5000, 1_700_000_000.5)
    assert len(sr) == 28 and sr[1] == 200 and struct.unpack("!H", sr[2:4])[0] == 6


def test_split_annexb_handles_3_and_4_byte_start_codes() -> None:
    data = b"\x00\x00\x00\x01\x67abc\x00\x00\x01\x68de\x00\x00\x00\x01\x65xyz"
    assert split_annexb(data) == [b"\x67abc", b"\x68de", b"\x65xyz"]


def test_digest_round_trip_and_wrong_password() -> None:
    auth = Authenticator(b"k" * 32)
    challenge = auth.challenges("digest")[0]
    good = digest_authorization(challenge, "DESCRIBE", "rtsp://h/cam/1", "admin", "pw")
    bad = digest_authorization(challenge, "DESCRIBE", "rtsp://h/cam/1", "admin", "nope")
    assert auth.check("digest", good, "DESCRIBE", "admin", "pw")
    assert not auth.check("digest", bad, "DESCRIBE", "admin", "pw")
    assert not auth.check("digest", good, "SETUP", "admin", "pw")  # the method is part of the digest
    assert not auth.check("digest", good, "DESCRIBE", "admin", "pw", locked=True)
    assert not auth.check("digest", None, "DESCRIBE", "admin", "pw")


def test_digest_rejects_forged_or_expired_nonce() -> None:
    auth = Authenticator(b"k" * 32)
    other = Authenticator(b"x" * 32)
    forged = digest_authorization(other.challenges("digest")[0], "DESCRIBE", "u", "admin", "pw")
    assert not auth.check("digest", forged, "DESCRIBE", "admin", "pw")
    old = f'Digest realm="{REALM}", nonce="{auth.nonce(now=1000.0)}"'
    fresh = f'Digest realm="{REALM}", nonce="{auth.nonce()}"'
    assert auth.check(
        "digest", digest_authorization(fresh, "DESCRIBE", "u", "admin", "pw"), "DESCRIBE", "admin", "pw"
    )
    expired = digest_authorization(old, "DESCRIBE", "u", "admin", "pw")
    assert not auth.check("digest", expired, "DESCRIBE", "admin", "pw")


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("Basic " + base64.b64encode(b"admin:pw").decode(), True),
        ("Basic " + base64.b64encode(b"admin:pw2").decode(), False),
        ("Basic !!!notbase64", False),
        ("Bearer abc", False),
    ],
)
def test_basic(header: str, ok: bool) -> None:
    assert Authenticator().check("basic", header, "DESCRIBE", "admin", "pw") is ok


def test_basic_camera_refuses_digest_and_vice_versa() -> None:
    auth = Authenticator()
    basic = "Basic " + base64.b64encode(b"admin:pw").decode()
    assert not auth.check("digest", basic, "DESCRIBE", "admin", "pw")
