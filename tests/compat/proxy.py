"""A reverse proxy on the loopback that loses one answer, as a proxy whose timeout passed.

It forwards every request to the server, except the first POST to `lose_path`: that one it
forwards, then hangs up on the server after `hang_up_after` seconds without reading the answer,
and answers the client 504 Gateway Timeout; the official client then sends the same POST again.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field

from tests.integration.helpers import free_port


def _read_request(conn: socket.socket) -> tuple[bytes, bytes] | None:
    """(head, body) of one HTTP/1.1 request with a Content-Length (or none)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head, body


def _closing(head: bytes) -> bytes:
    """The request head with `Connection: close`, so that each exchange is one connection."""
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


@dataclass
class LosingProxy:
    upstream_port: int
    lose_path: str = "/api/v1/batches"
    hang_up_after: float = 0.05
    port: int = field(default_factory=free_port)
    #: time.time() when the 504 went out, once it has.
    lost_at: float | None = None
    #: time.time() when the next POST to `lose_path` (the client's retry) was passed on.
    retried_at: float | None = None
    _server: socketserver.ThreadingTCPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LosingProxy:
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, client: socket.socket) -> None:
        request = _read_request(client)
        if request is None:
            return
        head, body = request
        method, path = head.split(b" ", 2)[:2]
        lose = (
            self.lost_at is None
            and method == b"POST"
            and path.decode().split("?")[0] == self.lose_path
        )
        if not lose and method == b"POST" and self.lost_at and self.retried_at is None:
            self.retried_at = time.time()
        with socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
            upstream.sendall(_closing(head) + body)
            if lose:
                time.sleep(self.hang_up_after)
                upstream.close()  # the server's answer is never read
                description = "The proxy gave up waiting for the server."
                payload = json.dumps(
                    {
                        "status": "error",
                        "code": 504,
                        "message": "Gateway Timeout",
                        "data": {"description": description},
                    }
                ).encode()
                client.sendall(
                    b"HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(payload)}\r\n".encode()
                    + b"Connection: close\r\n\r\n"
                    + payload
                )
                self.lost_at = time.time()
                return
            while chunk := upstream.recv(65536):
                client.sendall(chunk)
