"""Signed, expiring result links: usable without a bearer token until they expire."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from tweezer.domain.errors import Forbidden


class ResultLinkSigner:
    def __init__(self, secret: bytes, ttl_seconds: int) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds

    def _signature(self, job_id: str, expires: int) -> str:
        message = f"{job_id}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def link(self, base_url: str, job_id: str, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self.ttl_seconds)
        query = urlencode({"expires": expires, "signature": self._signature(job_id, expires)})
        return f"{base_url.rstrip('/')}/api/v1/results/{job_id}?{query}"

    def verify(self, job_id: str, expires: str, signature: str, now: float | None = None) -> None:
        """Raise Forbidden unless the signature is this server's and has not expired."""
        try:
            expires_at = int(expires)
        except ValueError:
            raise Forbidden("This result link is malformed; ask for a new one.") from None
        expected = self._signature(job_id, expires_at)
        if not hmac.compare_digest(expected, signature):
            raise Forbidden("This result link's signature is not valid; ask for a new one.")
        if expires_at < (now if now is not None else time.time()):
            raise Forbidden("This result link has expired; ask for a new one.")
