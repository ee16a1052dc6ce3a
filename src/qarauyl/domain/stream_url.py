"""Camera URLs: only network protocols, credentials split off, and never shown with a password.

FFmpeg opens whatever a URL names, `file:`, `concat:` and `subfile:` included; a camera URL is
therefore checked here, on the way in, and again by the probe's protocol whitelist.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ALLOWED_STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})


@dataclass(frozen=True)
class StreamUrl:
    """A checked URL without credentials, and the credentials it carried, if any."""

    url: str
    username: str | None = None
    password: str | None = None


def parse_stream_url(raw: str, *, schemes: frozenset[str] = ALLOWED_STREAM_SCHEMES) -> StreamUrl:
    """Checks `raw` and splits `user:password@` off it. Raises ValueError with a human message."""
    text = raw.strip()
    if not text:
        raise ValueError("URL is empty")
    if any(ch.isspace() for ch in text) or any(ord(ch) < 32 for ch in text):
        raise ValueError("URL contains spaces or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"malformed URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        shown = scheme or "none"
        raise ValueError(f"URL scheme '{shown}' is not allowed; use one of {allowed}")
    if not parts.hostname:
        raise ValueError("URL has no host")
    if port == 0:
        raise ValueError("URL port must be between 1 and 65535")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    netloc = _host_port(parts.hostname, port)
    clean = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    return StreamUrl(url=clean, username=username, password=password)


def with_credentials(url: str, username: str | None, password: str | None) -> str:
    """The URL to hand to a client, credentials put back in; never log or show its result."""
    if not username:
        return url
    parts = urlsplit(url)
    userinfo = quote(username, safe="")
    if password is not None:
        userinfo += ":" + quote(password, safe="")
    netloc = f"{userinfo}@{_host_port(parts.hostname or '', parts.port)}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_url(url: str) -> str:
    """The URL with any password replaced by `***`, safe to print and log."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<malformed URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    netloc = f"{user}:***@{_host_port(parts.hostname or '', port)}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _host_port(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown
