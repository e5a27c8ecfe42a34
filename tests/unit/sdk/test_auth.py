"""Token providers: caching, refreshing before expiry, and the two password logins."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tweezer import Auth0Conf, ExpiringTokenProvider
from tweezer.errors import LoginError
from tweezer.sdk.auth import Auth0TokenProvider, StaticTokenProvider, TweezerTokenProvider


class CountingProvider(ExpiringTokenProvider):
    """Answers each login with the next of `answers`, counting logins."""

    def __init__(self, *answers: Mapping[str, Any]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.logins = 0

    def _query_token(self) -> Mapping[str, Any]:
        answer = self.answers[min(self.logins, len(self.answers) - 1)]
        self.logins += 1
        return answer


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}.signature"


def test_a_token_is_kept_until_shortly_before_it_expires():
    provider = CountingProvider({"access_token": "t1", "expires_in": 3600})
    assert [provider.get_token() for _ in range(3)] == ["t1", "t1", "t1"]
    assert provider.logins == 1


def test_a_token_inside_the_expiry_window_is_refreshed():
    provider = CountingProvider(
        {"access_token": "t1", "expires_in": 30}, {"access_token": "t2", "expires_in": 3600}
    )
    assert provider.get_token() == "t1"
    assert provider.get_token() == "t2"
    assert provider.get_token() == "t2"
    assert provider.logins == 2


def test_the_expiry_of_a_jwt_is_read_from_its_exp_claim():
    soon = jwt({"exp": time.time() + 10})
    later = jwt({"exp": time.time() + 3600})
    provider = CountingProvider({"access_token": soon}, {"access_token": later})
    assert provider.get_token() == soon
    assert provider.get_token() == later
    assert provider.get_token() == later
    assert provider.logins == 2


def test_a_token_of_unknown_expiry_is_kept_until_invalidated():
    provider = CountingProvider({"access_token": "opaque"}, {"access_token": "fresh"})
    assert provider.get_token() == provider.get_token() == "opaque"
    provider.invalidate()
    assert provider.get_token() == "fresh"


def test_a_login_answer_without_a_token_raises_login_error():
    with pytest.raises(LoginError, match="access_token"):
        CountingProvider({"token_type": "bearer"}).get_token()


def test_a_static_provider_gives_its_token():
    assert StaticTokenProvider("abc").get_token() == "abc"
    with pytest.raises(ValueError):
        StaticTokenProvider("")


def _client(handler) -> httpx.Client:  # type: ignore[no-untyped-def]
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_tweezer_login_uses_the_oauth2_password_grant():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"access_token": "twz_x", "token_type": "bearer", "expires_in": 3600}
        )

    provider = TweezerTokenProvider("ada", "secret", "http://host:1/", http=_client(handler))
    assert provider.get_token() == "twz_x"
    assert len(seen) == 1, "the credentials are checked once, at construction"
    assert str(seen[0].url) == "http://host:1/oauth/token"
    assert seen[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(seen[0].content.decode()) == {
        "grant_type": ["password"],
        "username": ["ada"],
        "password": ["secret"],
    }


def test_a_refused_tweezer_login_raises_login_error_with_the_servers_sentence():
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"status": "fail", "code": 401, "data": {"description": "Wrong password."}}
        return httpx.Response(401, json=body)

    with pytest.raises(LoginError, match="Wrong password") as caught:
        TweezerTokenProvider("ada", "bad", "http://host:1", http=_client(handler))
    assert caught.value.status_code == 401


def test_an_unreachable_login_service_raises_login_error():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(LoginError, match="could not reach"):
        TweezerTokenProvider("ada", "pw", "http://host:1", http=_client(handler))


def test_auth0_login_uses_the_password_realm_grant():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "a0", "expires_in": 86400})

    conf = Auth0Conf(domain="tenant.example", public_client_id="cid", audience="aud", realm="r")
    provider = Auth0TokenProvider("ada", "pw", conf, http=_client(handler))
    assert provider.get_token() == "a0"
    assert str(seen[0].url) == "https://tenant.example/oauth/token"
    assert json.loads(seen[0].content) == {
        "client_id": "cid",
        "client_secret": "",
        "username": "ada",
        "password": "pw",
        "audience": "aud",
        "scope": "openid profile email",
        "realm": "r",
        "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
    }


def test_a_refused_auth0_login_raises_login_error_with_its_description():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403, json={"error": "invalid_grant", "error_description": "Wrong email or password."}
        )

    with pytest.raises(LoginError, match="Wrong email or password"):
        Auth0TokenProvider("ada", "pw", http=_client(handler))
