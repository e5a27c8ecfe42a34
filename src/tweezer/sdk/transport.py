"""HTTP for the SDK: bearer auth, retries, the JSend envelope, and translation of every failure.

This is the one place that knows httpx. A request either returns the parsed JSON answer or raises
the `TweezerError` subclass the caller names, carrying the server's status and sentence; no httpx
exception gets out.

Connection errors and answers 429, 502, 503 and 504 are retried with exponential backoff, for every
method: a POST is safe to send again because it carries an `Idempotency-Key` made once per call
and reused by each retry, so the server answers a repeat with what the first one created.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tweezer.errors import TweezerError
from tweezer.sdk.answers import failure_description, json_or_none
from tweezer.sdk.auth import ExpiringTokenProvider, TokenProvider

#: Answers after which the same request is sent again.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Failures to talk to the server after which the same request is sent again.
RETRY_EXCEPTIONS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

#: Query parameters: a key and its text, a key repeated for each item of a list.
Query = list[tuple[str, str]] | None


class Transport:
    """Sends requests for the SDK.

    Args:
        token_provider: gives the bearer token; None leaves authenticated requests impossible.
        user_agent: the User-Agent header.
        timeout: seconds a request may take (a long-poll gets its waiting time on top).
        max_retries: how many times a failed request is sent again.
        backoff: seconds before the first retry; each retry waits twice as long, up to 30 s.
        http: the httpx client to send with; by default a new one that `close()` closes.
        sleep: how to wait between retries (tests pass a function that does not).
    """

    def __init__(
        self,
        token_provider: TokenProvider | None,
        *,
        user_agent: str,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.token_provider = token_provider
        self._user_agent = user_agent
        self._timeout = timeout
        self._max_retries = max_retries
        self._backoff = backoff
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client()
        self._sleep = sleep

    def close(self) -> None:
        """Close the connections, if this transport made its own httpx client."""
        if self._owns_http:
            self._http.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        error: type[TweezerError],
        json: Any = None,
        params: Query = None,
        extra_timeout: float = 0.0,
    ) -> dict[str, Any]:
        """Send an authenticated request and return the JSON envelope of the answer.

        Raises `error` with the server's sentence when the answer is a 4xx or 5xx (after the
        retries), when the server cannot be reached, or when the answer is not JSON.
        """
        provider = self.token_provider
        if provider is None:
            raise error(
                "no credentials: give the SDK a username and password, or a token_provider."
            )
        headers = {"User-Agent": self._user_agent}
        if method.upper() == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        response = self._send(
            method,
            url,
            error=error,
            unreachable=error,
            json=json,
            params=params,
            headers=headers,
            timeout=self._timeout + extra_timeout,
            token_provider=provider,
        )
        body = _json(response, error)
        if not isinstance(body, dict):
            raise error(
                "the server's answer is not a JSON object.",
                status_code=response.status_code,
                body=body,
            )
        return body

    def download(
        self,
        url: str,
        *,
        error: type[TweezerError],
        unreachable: type[TweezerError] | None = None,
    ) -> bytes:
        """GET a signed download link, without the Authorization header, and return its bytes.

        Raises `error` for a 4xx or 5xx answer, and `unreachable` (default: `error`) when the
        server cannot be reached.
        """
        response = self._send(
            "GET",
            url,
            error=error,
            unreachable=unreachable or error,
            json=None,
            params=None,
            headers={"User-Agent": self._user_agent},
            timeout=self._timeout,
            token_provider=None,
        )
        return response.content

    def _send(
        self,
        method: str,
        url: str,
        *,
        error: type[TweezerError],
        unreachable: type[TweezerError],
        json: Any,
        params: Query,
        headers: dict[str, str],
        timeout: float,
        token_provider: TokenProvider | None,
    ) -> httpx.Response:
        """Send with retries, with a bearer token if a provider is given.

        Returns a successful answer; raises `error` for a failed one and `unreachable` when the
        server cannot be reached.
        """
        attempt = 0
        logged_in_again = False
        while True:
            if token_provider is not None:
                headers["Authorization"] = f"Bearer {token_provider.get_token()}"
            try:
                response = self._http.request(
                    method,
                    url,
                    json=json,
                    params=tuple(params) if params else None,
                    headers=headers,
                    timeout=timeout,
                )
            except RETRY_EXCEPTIONS as exc:
                if attempt < self._max_retries:
                    self._sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise unreachable(f"could not reach {url}: {exc!r}.") from exc
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise unreachable(f"could not send the request to {url}: {exc!r}.") from exc

            if response.status_code in RETRY_STATUSES and attempt < self._max_retries:
                self._sleep(self._delay(attempt, response))
                attempt += 1
                continue
            if (
                response.status_code == 401
                and not logged_in_again
                and isinstance(token_provider, ExpiringTokenProvider)
            ):
                # The kept token may have been revoked or may have expired early: log in again.
                token_provider.invalidate()
                logged_in_again = True
                continue
            if response.is_error:
                body = json_or_none(response)
                raise error(
                    failure_description(body, response), status_code=response.status_code, body=body
                )
            return response

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds to wait before retry number `attempt` (0-based), at least any Retry-After."""
        delay = min(30.0, self._backoff * 2.0**attempt)
        if response is not None:
            with contextlib.suppress(ValueError):
                delay = max(delay, float(response.headers.get("Retry-After", "")))
        return delay


def _json(response: httpx.Response, error: type[TweezerError]) -> Any:
    """The JSON of a successful answer, or `error` if it is not JSON."""
    try:
        return response.json()
    except ValueError as exc:
        raise error(
            f"the server's answer is not JSON: {response.text[:200]!r}.",
            status_code=response.status_code,
        ) from exc
