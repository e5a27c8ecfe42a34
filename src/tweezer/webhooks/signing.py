"""Webhook signatures: each project has its own key, derived from the server secret.

A delivery carries `X-Tweezer-Timestamp: <unix seconds>` and
`X-Tweezer-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`; a receiver checks both with
the key its project members read at `GET /api/v1/projects/{id}/webhook-secret`.
"""

from __future__ import annotations

import hashlib
import hmac


def project_key(secret: bytes, project_id: str) -> bytes:
    return hmac.new(secret, f"tweezer webhooks {project_id}".encode(), hashlib.sha256).digest()


def signature(key: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
