"""Where the bearer token of every request comes from.

A `TokenProvider` answers `get_token()`. `ExpiringTokenProvider` asks a login service for a token,
keeps it, and asks again shortly before it expires. Two such providers log in with a username and
a password: `Auth0TokenProvider` against Pasqal's Auth0 tenant (the "password-realm" grant), and
`TweezerTokenProvider` against a Tweezer server's own `POST {account}/oauth/token`.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import httpx

from tweezer.errors import LoginError
from tweezer.sdk.answers import failure_description, json_or_none
from tweezer.sdk.endpoints import Auth0Conf

#: Seconds a login request may take.
LOGIN_TIMEOUT = 30.0


class TokenProvider(ABC):
    """Gives the bearer token to send with each request."""

    @abstractmethod
    def get_token(self) -> str:
        """Return a token the server accepts now."""


class StaticTokenProvider(TokenProvider):
    """Always gives the same token: an API token made on the server, for scripts and services."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("The token is empty.")
        self._token = token

    def get_token(self) -> str:
        """Return the token given at construction."""
        return self._token


class ExpiringTokenProvider(TokenProvider, ABC):
    """Logs in when asked for a token, keeps the token, and logs in again before it expires.

    Subclasses implement `_query_token()`, which logs in and returns the login answer: a mapping
    with `access_token` and, optionally, `expires_in` (seconds). Without `expires_in` the expiry
    is read from the token's `exp` claim when the token is a JWT (its signature is not checked:
    the server does that); a token with neither is kept until `invalidate()` is called, which the
    SDK does when the server answers 401.
    """

    #: Log in again this many seconds before the token expires.
    expiry_window: float = 60.0

    def __init__(self) -> None:
        self._token: str | None = None
        self._expires_at: float | None = None

    @abstractmethod
    def _query_token(self) -> Mapping[str, Any]:
        """Log in and return the answer, which holds `access_token`."""

    def get_token(self) -> str:
        """Return the kept token, logging in first if there is none or it is about to expire."""
        if self._token is None or (
            self._expires_at is not None and time.time() >= self._expires_at - self.expiry_window
        ):
            answer = self._query_token()
            token = answer.get("access_token")
            if not isinstance(token, str) or not token:
                raise LoginError("the login answer holds no access_token.", body=dict(answer))
            self._token = token
            self._expires_at = _expiry(answer, token)
        return self._token

    def invalidate(self) -> None:
        """Forget the kept token, so that the next `get_token()` logs in again."""
        self._token = None
        self._expires_at = None


def _expiry(answer: Mapping[str, Any], token: str) -> float | None:
    """When the token expires (Unix time), from `expires_in` or a JWT `exp`; None if unknown."""
    expires_in = answer.get("expires_in")
    if expires_in is not None:
        try:
            return time.time() + float(expires_in)
        except (TypeError, ValueError):
            pass
    return _jwt_expiry(token)


def _jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT, read without checking the signature; None if there is none."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) else None


def _login(request: httpx.Request, http: httpx.Client | None) -> Mapping[str, Any]:
    """Send a login request and return its JSON answer, or raise LoginError saying why not."""
    try:
        if http is not None:
            response = http.send(request)
        else:
            with httpx.Client(timeout=LOGIN_TIMEOUT) as client:
                response = client.send(request)
    except httpx.HTTPError as exc:
        raise LoginError(f"could not reach {request.url}: {exc}") from exc
    body = json_or_none(response)
    if response.is_error or not isinstance(body, dict):
        raise LoginError(
            failure_description(body, response), status_code=response.status_code, body=body
        )
    # A Tweezer server may wrap the answer in its usual envelope.
    data = body.get("data")
    if "access_token" not in body and isinstance(data, dict):
        return data
    return body


class Auth0TokenProvider(ExpiringTokenProvider):
    """Logs in to an Auth0 tenant with the password-realm grant, as Pasqal's services expect.

    The credentials are checked at construction: a wrong password raises LoginError at once.
    `http` is the httpx client to log in with (for proxies or certificates); by default a new one.
    """

    def __init__(
        self,
        username: str,
        password: str,
        auth0: Auth0Conf | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__()
        self.username = username
        self._password = password
        self.auth0 = auth0 or Auth0Conf()
        self._http = http
        self.get_token()

    def _query_token(self) -> Mapping[str, Any]:
        return _login(
            httpx.Request(
                "POST",
                f"https://{self.auth0.domain}/oauth/token",
                json={
                    "client_id": self.auth0.public_client_id,
                    "client_secret": "",
                    "username": self.username,
                    "password": self._password,
                    "audience": self.auth0.audience,
                    "scope": "openid profile email",
                    "realm": self.auth0.realm,
                    "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
                },
            ),
            self._http,
        )


class TweezerTokenProvider(ExpiringTokenProvider):
    """Logs in to a Tweezer server with the OAuth2 password grant at `{account_url}/oauth/token`.

    The credentials are checked at construction: a wrong password raises LoginError at once.
    `http` is the httpx client to log in with (for proxies or certificates); by default a new one.
    """

    def __init__(
        self,
        username: str,
        password: str,
        account_url: str,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__()
        self.username = username
        self._password = password
        self.token_url = f"{account_url.rstrip('/')}/oauth/token"
        self._http = http
        self.get_token()

    def _query_token(self) -> Mapping[str, Any]:
        return _login(
            httpx.Request(
                "POST",
                self.token_url,
                data={
                    "grant_type": "password",
                    "username": self.username,
                    "password": self._password,
                },
            ),
            self._http,
        )
