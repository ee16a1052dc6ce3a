"""Camera authentication as IP cameras do it on RTSP and HTTP: Basic, and Digest (RFC 2617 without qop,
the variant most cameras and every RTSP client speak). Pure functions; nonces are stateless (HMAC of a
time bucket), so 10,000 cameras need no per-camera state."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time

REALM = "Qarauyl Simulated Camera"
AUTH_MODES: tuple[str, ...] = ("digest", "basic", "none")
_NONCE_LIFETIME_S = 3600.0
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


class Authenticator:
    """Checks Authorization headers and issues challenges for one server (one secret for its nonces)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def nonce(self, now: float | None = None) -> str:
        stamp = f"{int(now if now is not None else time.time()):x}"
        mac = hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{stamp}{mac}"

    def _nonce_valid(self, nonce: str, now: float | None = None) -> bool:
        stamp, mac = nonce[:-24], nonce[-24:]
        if not stamp:
            return False
        expected = hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:24]
        if not hmac.compare_digest(mac, expected):
            return False
        try:
            issued = int(stamp, 16)
        except ValueError:
            return False
        return 0 <= (now if now is not None else time.time()) - issued <= _NONCE_LIFETIME_S

    def challenges(self, mode: str) -> list[str]:
        """WWW-Authenticate header values for a 401 answer."""
        if mode == "digest":
            return [f'Digest realm="{REALM}", nonce="{self.nonce()}", algorithm="MD5"']
        return [f'Basic realm="{REALM}"']

    def check(
        self,
        mode: str,
        header: str | None,
        method: str,
        username: str,
        password: str,
        *,
        locked: bool = False,
    ) -> bool:
        """True if `header` (the Authorization value) proves the credentials. `locked` refuses everything
        (the camera's password was changed behind the client's back)."""
        if mode == "none":
            return not locked
        if not header or locked:
            return False
        scheme, _, rest = header.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic" and mode == "basic":
            try:
                decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            user, sep, pw = decoded.partition(":")
            return bool(sep) and hmac.compare_digest(user, username) and hmac.compare_digest(pw, password)
        if scheme == "digest" and mode == "digest":
            params = parse_auth_params(rest)
            need = ("username", "realm", "nonce", "uri", "response")
            if any(k not in params for k in need) or params["realm"] != REALM:
                return False
            if params["username"] != username or not self._nonce_valid(params["nonce"]):
                return False
            ha1 = _md5(f"{username}:{REALM}:{password}")
            ha2 = _md5(f"{method}:{params['uri']}")
            if "qop" in params:  # tolerate clients that volunteer qop=auth
                expected = _md5(
                    f"{ha1}:{params['nonce']}:{params.get('nc', '')}:{params.get('cnonce', '')}:"
                    f"{params['qop']}:{ha2}"
                )
            else:
                expected = _md5(f"{ha1}:{params['nonce']}:{ha2}")
            return hmac.compare_digest(expected, params["response"].lower())
        return False


def parse_auth_params(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _PARAM.finditer(text):
        out[m.group(1).lower()] = m.group(2) if m.group(2) is not None else m.group(3)
    return out


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_authorization(challenge: str, method: str, uri: str, username: str, password: str) -> str:
    """Builds an Authorization header answering a Digest challenge (used by tests and the harness)."""
    params = parse_auth_params(challenge.partition(" ")[2])
    ha1 = _md5(f"{username}:{params['realm']}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    response = _md5(f"{ha1}:{params['nonce']}:{ha2}")
    return (
        f'Digest username="{username}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
        f'uri="{uri}", response="{response}"'
    )
