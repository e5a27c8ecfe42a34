"""Retried writes from clients that send no Idempotency-Key (the official pasqal-cloud client).

That client sends a POST, PATCH or PUT again, unchanged, when the answer it gets is 408, 425,
429, 500, 502 or 504. Two things make those retries safe here:

- Tweezer's own such answers come before anything is written: the services that write build
  their answer inside the transaction that writes, and what runs after the commit cannot fail
  the request (`ServerContext.changed` logs its listeners' errors). A retry then does the work
  once.
- A proxy in front of Tweezer may answer for it (504 when its timeout passes, 502 when the
  connection breaks) while Tweezer goes on and creates the batch, so the client retries work
  that was done. `LostAnswers` notices that the client left before Tweezer answered, keeps
  that answer for `KEEP_SECONDS`, and gives it to the identical request that follows (same
  method, Authorization header, path, query and body once decompressed) instead of doing the
  work again. Identical requests wait for each other, so a retry that arrives while the first
  is still being worked on is matched too.

A request whose answer reached the client is never matched: sending the same batch twice on
purpose makes two batches. What this does not cover: a retry that lands on another replica
than the first attempt (the kept answers live in one process), and a server that dies between
its commit and its answer. A client that sends an Idempotency-Key (the Tweezer SDK) is covered
by the idempotency table instead, across replicas and restarts.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: How long a lost answer waits for its retry: the official client retries 5 times, sleeping
#: 1, 2, 4, 8 and 16 s between tries (plus Retry-After on 429 in later releases).
KEEP_SECONDS = 120.0
#: The methods that write.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: At most this many lost answers are kept; the oldest go first.
MAX_KEPT = 256


@dataclass
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    expires: float


@dataclass
class _Gate:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class LostAnswers:
    """ASGI middleware: replays a write's answer that its client never got, to its retry.

    It must sit inside `RequestBodyMiddleware`, which has read and decompressed the body (a
    gzip body differs between tries: its header carries the time).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._kept: OrderedDict[str, _Answer] = OrderedDict()
        self._gates: dict[str, _Gate] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client left while sending
            return
        key = _fingerprint(scope, body)
        gate = self._gates.setdefault(key, _Gate())
        gate.users += 1
        try:
            async with gate.lock:
                await self._answer(key, scope, body, receive, send)
        finally:
            gate.users -= 1
            if gate.users == 0:
                self._gates.pop(key, None)

    @staticmethod
    def _applies(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            return False
        if not scope["path"].startswith("/api/"):
            return False
        return not any(name.lower() == b"idempotency-key" for name, _ in scope["headers"])

    async def _answer(
        self, key: str, scope: Scope, body: bytes, receive: Receive, send: Send
    ) -> None:
        watcher = _DisconnectWatcher(receive)
        kept = self._take(key)
        if kept is not None:
            await _send_answer(send, kept)
            await asyncio.sleep(0)  # let the watcher see a client that already left
            if watcher.gone():  # lost again: keep it for the next try
                self._keep(key, kept)
            watcher.stop()
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def replay() -> Message:
            if not started.get("body_given"):
                started["body_given"] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await watcher.wait()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started["status"] = message["status"]
                started["headers"] = list(message.get("headers", []))
                started["lost"] = watcher.gone()
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            watcher.stop()
        if started.get("lost") and 200 <= started.get("status", 0) < 300:
            self._keep(
                key,
                _Answer(
                    status=started["status"],
                    headers=started["headers"],
                    body=b"".join(chunks),
                    expires=time.monotonic() + KEEP_SECONDS,
                ),
            )

    def _take(self, key: str) -> _Answer | None:
        now = time.monotonic()
        for old in [k for k, answer in self._kept.items() if answer.expires < now]:
            del self._kept[old]
        return self._kept.pop(key, None)

    def _keep(self, key: str, answer: _Answer) -> None:
        self._kept[key] = answer
        while len(self._kept) > MAX_KEPT:
            self._kept.popitem(last=False)


class _DisconnectWatcher:
    """Listens for the client leaving once the request body has been read."""

    def __init__(self, receive: Receive) -> None:
        self._task: asyncio.Task[Message] = asyncio.ensure_future(receive())

    def gone(self) -> bool:
        if not self._task.done() or self._task.cancelled() or self._task.exception():
            return False
        return self._task.result().get("type") == "http.disconnect"

    async def wait(self) -> Message:
        return await asyncio.shield(self._task)

    def stop(self) -> None:
        if not self._task.done():
            self._task.cancel()


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None if the client left before sending it all."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _fingerprint(scope: Scope, body: bytes) -> str:
    authorization = next(
        (value for name, value in scope["headers"] if name.lower() == b"authorization"), b""
    )
    digest = hashlib.sha256()
    parts = (
        scope["method"].encode(),
        authorization,
        scope["path"].encode(),
        scope.get("query_string", b""),
        body,
    )
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _send_answer(send: Send, answer: _Answer) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})
