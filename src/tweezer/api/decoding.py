"""Request bodies: size caps before and after gzip decompression, and gzip itself.

Runs before routing as plain ASGI middleware, so every endpoint gets a body that is
already within limits and decoded.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RequestBodyMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        encoding = headers.get(b"content-encoding", b"identity").decode("latin-1").strip().lower()
        if encoding not in ("identity", "gzip", ""):
            await _refuse(
                send,
                415,
                f"Content-Encoding {encoding!r} is not supported; send gzip or no encoding.",
            )
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, 413, self._too_large())
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await _refuse(send, 413, self._too_large())
                return
        if encoding == "gzip":
            try:
                decoded = self._gunzip(bytes(body))
            except OverflowError:
                await _refuse(send, 413, self._too_large(after_gzip=True))
                return
            except (zlib.error, EOFError):
                await _refuse(
                    send, 400, "The body says Content-Encoding: gzip but is not valid gzip."
                )
                return
        else:
            decoded = bytes(body)
        scope = dict(scope)
        scope["headers"] = [
            (k, v)
            for k, v in scope["headers"]
            if k.lower() not in (b"content-encoding", b"content-length")
        ] + [(b"content-length", str(len(decoded)).encode())]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": decoded, "more_body": False}

        await self.app(scope, replay, send)

    def _gunzip(self, data: bytes) -> bytes:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = decompressor.decompress(data, self.max_bytes + 1)
        if len(out) > self.max_bytes or decompressor.unconsumed_tail:
            raise OverflowError
        if not decompressor.eof:
            raise EOFError
        return out

    def _too_large(self, after_gzip: bool = False) -> str:
        where = "once decompressed " if after_gzip else ""
        return (
            f"The request body is {where}over the limit of {self.max_bytes} bytes; "
            "send fewer jobs per request."
        )


async def _refuse(send: Send, code: int, description: str) -> None:
    body: dict[str, Any] = {
        "status": "fail",
        "code": code,
        "message": description,
        "data": {"description": description},
    }
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
