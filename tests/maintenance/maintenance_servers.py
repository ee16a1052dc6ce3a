"""Local test servers: an HTTP receiver (webhooks, a stand-in Telegram Bot API) and an aiosmtpd SMTP server.
Both listen on 127.0.0.1 only and stop when their context ends."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers `fail_first` requests with HTTP 500, then 200 (Telegram-style {"ok": true}); or every request
    with `refuse` (a status and a body, as the Bot API refuses a wrong token)."""

    port: int = 0
    fail_first: int = 0
    refuse: tuple[int, bytes] | None = None
    requests: list[Received] = field(default_factory=list)
    seen: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def http_receiver(
    fail_first: int = 0, port: int = 0, refuse: tuple[int, bytes] | None = None
) -> Iterator[Receiver]:
    receiver = Receiver(fail_first=fail_first, refuse=refuse)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.seen += 1
            if receiver.seen <= receiver.fail_first:
                self.send_response(500)
                self.end_headers()
                return
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status, answer = receiver.refuse or (200, b'{"ok": true, "result": {}}')
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # The modern policy decodes headers (a Kazakh subject arrives RFC 2047-encoded) as a mail client does.
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[EmailMessage]]]:
    mailbox = _Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox.messages
    finally:
        controller.stop()


def maintenance_toml(
    telegram_url: str, *, smtp_port: int | None = None, route_language: str | None = None
) -> str:
    """A `maintenance.toml` whose channels reach these servers (the bot token is "123:ABC"); with a
    `route_language`, one Telegram route "occ-duty" to chat -1001 in that language."""
    lines = ["[maintenance.channels]", 'telegram_token = "123:ABC"', f'telegram_base_url = "{telegram_url}"']
    if smtp_port is not None:
        lines.append(f"smtp_port = {smtp_port}")
    if route_language is not None:
        lines += [
            "",
            "[[maintenance.routes]]",
            'name = "occ-duty"',
            'channel = "telegram"',
            'target = "-1001"',
            f'language = "{route_language}"',
        ]
    return "\n".join(lines) + "\n"
