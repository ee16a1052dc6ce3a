"""Camera URLs: only network protocols, credentials split off, and never shown with a password.

FFmpeg opens whatever a URL names, `file:`, `concat:` and `subfile:` included; a camera URL is
therefore checked here, on the way in, and again by the probe's protocol whitelist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ALLOWED_STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})

# Query parameters that carry a secret in cameras' and NVRs' URLs (`...snapshot.cgi?user=admin&pwd=...`,
# `?auth=<base64 of user:password>`, tokens); their values are never shown.
_SECRET_PARAMS = (
    "password|passwd|pass|pwd|pw|psw|loginpas|secret|token|access_token|auth|authorization|api_key|apikey"
    "|key|sig|signature|credential|credentials"
)
_SECRET_QUERY = re.compile(rf"(?i)([?&;](?:{_SECRET_PARAMS})=)[^&;#]*")
_MASKED = r"\1***"
# What follows the `@` of a userinfo: a host (a name, an IPv4 or a bracketed IPv6 literal) and a port.
_HOST_AFTER_AT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(?::\d*)?(?=[/?#]|$)")
_DELIMITERS = frozenset("/?#")


@dataclass(frozen=True)
class StreamUrl:
    """A checked URL without credentials, and the credentials it carried, if any."""

    url: str
    username: str | None = None
    password: str | None = None

    def credentials(self, username: str | None, password: str | None) -> tuple[str | None, str | None]:
        """The user and password to sign in with: those given win over the URL's, and a password given
        alone goes with the URL's user (`qarauyl probe rtsp://admin@cam/...` with the password from the
        environment)."""
        user = username if username is not None else self.username
        if password is not None:
            return user, password
        return user, self.password if user == self.username else None


def parse_stream_url(raw: str, *, schemes: frozenset[str] = ALLOWED_STREAM_SCHEMES) -> StreamUrl:
    """Checks `raw` and splits `user:password@` off it. Raises ValueError with a human message."""
    text = raw.strip()
    if not text:
        raise ValueError("URL is empty")
    if any(ch.isspace() for ch in text) or any(ord(ch) < 32 for ch in text):
        raise ValueError("URL contains spaces or control characters")
    if _delimiter_in_userinfo(text):
        raise ValueError(
            "the URL has an '@' after a '/', '?' or '#', so its host cannot be told: write a password's "
            "'/', '?' or '#' percent-encoded (%2F, %3F, %23), or give the credentials separately, and an '@' "
            "in the path or query as %40"
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        # urllib's own words may quote the text it could not read, a piece of a password among it.
        port_problem = "Port" in str(exc)
        problem = "its port is not a number from 1 to 65535" if port_problem else "its host cannot be read"
        raise ValueError(f"malformed URL: {problem}") from None
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
    """The URL with any password replaced by `***`, safe to print and log: the userinfo's password, and
    secret query parameters (`pwd=`, `auth=`, `token=`...). A URL too malformed to parse (a password with
    an unencoded '/') is read as text: it still shows its host, never the secret."""
    if not _delimiter_in_userinfo(url):
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            pass
        else:
            if parts.password is not None:
                netloc = f"{parts.username or ''}:***@{_host_port(parts.hostname or '', port)}"
                url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
            return _SECRET_QUERY.sub(_MASKED, url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _SECRET_QUERY.sub(_MASKED, url)
    at = _userinfo_end(rest)
    if at < 0:
        at = rest.rfind("@")  # no host-like text after it either: unparseable, so hide all before it
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1 :]
        user, colon, _ = userinfo.partition(":")
        if _DELIMITERS & set(user):
            shown = "***"
        elif colon:
            shown = f"{user}:***"
        else:
            shown = user
        rest = f"{shown}@{rest}"
    return f"{scheme}://{_SECRET_QUERY.sub(_MASKED, rest)}"


def _userinfo_end(rest: str) -> int:
    """Where the userinfo of a URL's text after `scheme://` ends: its last `@` that a host follows (a
    password may hold an unencoded `@`, `/` or `?`); -1 without one."""
    at = rest.rfind("@")
    while at >= 0:
        if _HOST_AFTER_AT.match(rest, at + 1):
            return at
        at = rest.rfind("@", 0, at)
    return -1


def _delimiter_in_userinfo(text: str) -> bool:
    """Whether the userinfo holds a '/', '?' or '#', which a parser reads as the end of the host: the URL
    would then be taken for another host, with the rest of the password in its path."""
    _, sep, rest = text.partition("://")
    if not sep:
        return False
    at = _userinfo_end(rest)
    # No exception for what looks like a query (`?notify=ops@host`): a password such as "12/&" would then be
    # read as port 12 of a host named after the user, and shown whole. Such a query writes its '@' as %40.
    return at >= 0 and ":" in rest[:at] and bool(_DELIMITERS & set(rest[:at]))


def _host_port(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown
