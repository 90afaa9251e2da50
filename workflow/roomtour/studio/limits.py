"""A cap on every request's body, counted as it arrives: the multipart parser would otherwise
spool an upload of any size to disk before a handler could refuse it."""

from __future__ import annotations

import json

from .uploads import MAX_MUSIC_BYTES, MAX_PHOTO_BYTES

__all__ = ["MAX_REQUEST_BYTES", "BodyLimit"]

MAX_REQUEST_BYTES = max(MAX_PHOTO_BYTES, MAX_MUSIC_BYTES) + 2 * 1024 * 1024  # one file and the form around it


class BodyLimit:
    """ASGI middleware: 413 with one line for a body over ``limit`` bytes (declared or counted)."""

    def __init__(self, app, limit: int | None = None):
        self.app, self._limit = app, limit

    @property
    def limit(self) -> int:
        return int(self._limit if self._limit is not None else MAX_REQUEST_BYTES)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send)
        seen, over, refused = 0, False, False

        async def counted():
            nonlocal seen, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    over = True  # the app sees the client leave; what it answers is replaced below
                    return {"type": "http.disconnect"}
            return message

        async def answered(message):
            nonlocal refused
            if not over:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(send)

        await self.app(scope, counted, answered)
        if over and not refused:
            await self._refuse(send)

    async def _refuse(self, send):
        body = json.dumps({"detail": f"the upload is larger than the {self.limit // 2**20} MB one request may carry "
                                     "(send photos one at a time)"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
