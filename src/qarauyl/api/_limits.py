"""Request body size limits, enforced before the body is read (FastAPI parses forms before handlers run)."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _message(limit: int) -> str:
    return f"The request body is larger than the limit of {limit / (1024 * 1024):g} MiB; send a smaller file."


class _TooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing passes it on as a 413 instead of a generic 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _message(limit))


class BodyLimit:
    """Refuses bodies above `per_path[prefix]` bytes for the first matching path prefix (longest first),
    with 413 and a sentence naming the limit; other paths (the console's own routes) are left to their
    owner. A declared Content-Length is checked up front; a chunked body is counted as it arrives."""

    def __init__(self, app: ASGIApp, per_path: dict[str, int]) -> None:
        self.app = app
        self.per_path = dict(sorted(per_path.items(), key=lambda item: -len(item[0])))

    def _limit(self, path: str) -> int | None:
        for prefix, limit in self.per_path.items():
            if path.startswith(prefix):
                return limit
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = json.dumps({"detail": _message(limit)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
