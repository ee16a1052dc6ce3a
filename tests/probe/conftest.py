"""Fixtures for the probe tests: GStreamer rtsp-server instances (a third-party RTSP server) and a pool.

The servers are session-scoped (each starts in ~0.3 s but every client gets its own encoder) and
exit with the session, or when their stdin closes, or after their lifetime, whichever comes first.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # probe_servers.py, probe_runners.py

from probe_servers import CAMERA_PASSWORD, CAMERA_USER, gst_rtsp_server

from qarauyl.probe import ProbePool


@pytest.fixture(scope="session")
def gst_port() -> Iterator[int]:
    with gst_rtsp_server(lifetime=600) as port:
        yield port


@pytest.fixture(scope="session")
def gst_auth_port() -> Iterator[int]:
    with gst_rtsp_server(user=CAMERA_USER, password=CAMERA_PASSWORD, lifetime=600) as port:
        yield port


@pytest.fixture(scope="module")
def pool() -> Iterator[ProbePool]:
    with ProbePool(2, grace=2.0) as probe_pool:
        yield probe_pool
