"""Short-lived access tokens: JWTs signed by the server (HS256), minted at login."""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt

from tweezer.domain.errors import Unauthenticated

ISSUER = "tweezer"
ALGORITHM = "HS256"


class AccessTokens:
    def __init__(self, secret: bytes, ttl_seconds: int) -> None:
        # A key of its own, derived from the server secret: link signatures and access tokens
        # never share a key.
        self._key = hmac.new(secret, b"tweezer access tokens", hashlib.sha256).digest()
        self.ttl_seconds = ttl_seconds

    def mint(self, user_id: str, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {"sub": user_id, "iss": ISSUER, "iat": issued, "exp": issued + self.ttl_seconds}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def user_id(self, token: str) -> str:
        """The user a token was minted for; Unauthenticated if it is forged, damaged or expired."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The access token has expired; log in again.") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("The bearer token is not valid on this server.") from None
        return str(claims["sub"])
