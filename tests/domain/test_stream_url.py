from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarauyl.domain import parse_stream_url, redact_url
from qarauyl.domain.stream_url import with_credentials


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "concat:/etc/passwd|/etc/shadow",
        "subfile:,,start,0,end,100,,:/etc/passwd",
        "/etc/passwd",
        "data:text/plain,hello",
        "pipe:0",
        "rtsp:///nohost",
        "rtsp://host:0/x",
        "rtsp://ho st/x",
        "",
    ],
)
def test_non_network_or_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_stream_url(url)


def test_credentials_are_split_off() -> None:
    parsed = parse_stream_url("RTSP://Admin:p%40ss@10.1.2.3:554/Streaming/Channels/101?transport=tcp")
    assert parsed.url == "rtsp://10.1.2.3:554/Streaming/Channels/101?transport=tcp"
    assert (parsed.username, parsed.password) == ("Admin", "p@ss")
    assert (
        with_credentials(parsed.url, "Admin", "p@ss")
        == "rtsp://Admin:p%40ss@10.1.2.3:554/Streaming/Channels/101?transport=tcp"
    )


passwords = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30)


@given(user=st.text(alphabet="abcXYZ019_-", min_size=1, max_size=10), password=passwords)
def test_redacted_url_never_shows_the_password(user: str, password: str) -> None:
    url = with_credentials("rtsp://10.0.0.1:554/live", user, password)
    shown = redact_url(url)
    assert "***" in shown
    assert shown.startswith("rtsp://") and shown.endswith("@10.0.0.1:554/live")
    back = parse_stream_url(url)
    assert back.password == password and back.username == user
