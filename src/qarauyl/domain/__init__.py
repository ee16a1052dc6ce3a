"""The vocabulary every capability shares. Imports nothing of ours but itself."""

from qarauyl.domain.camera import CameraKind, Lifecycle, OrgKind, Vendor
from qarauyl.domain.findings import FaultCode, Finding, Health, Severity
from qarauyl.domain.stream_url import ALLOWED_STREAM_SCHEMES, StreamUrl, parse_stream_url, redact_url

__all__ = [
    "ALLOWED_STREAM_SCHEMES",
    "CameraKind",
    "FaultCode",
    "Finding",
    "Health",
    "Lifecycle",
    "OrgKind",
    "Severity",
    "StreamUrl",
    "Vendor",
    "parse_stream_url",
    "redact_url",
]
