"""The transport: retries, idempotency keys, the envelope and the translation of failures.

These tests stand in for the network with httpx.MockTransport; everything above the transport is
tested against a live server in tests/integration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest

from tweezer.errors import BatchCreationError, BatchFetchingError, JobFetchingError
from tweezer.sdk.auth import ExpiringTokenProvider, StaticTokenProvider
from tweezer.sdk.transport import Transport

URL = "http://tweezer.test/api/v1/batches"

Handler = Callable[[httpx.Request], httpx.Response]


def envelope(data: Any, code: int = 200) -> dict[str, Any]:
    return {"status": "success", "code": code, "message": "OK", "data": data}


def failure(code: int, description: str) -> dict[str, Any]:
    status = "fail" if code < 500 else "error"
    return {"status": status, "code": code, "message": "Nope", "data": {"description": description}}


class Recorder:
    """Answers requests with the next of `answers` (an exception is raised), recording them."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_transport(
    handler: Handler, provider: Any = None, sleeps: list[float] | None = None
) -> Transport:
    return Transport(
        provider or StaticTokenProvider("tok"),
        user_agent="TweezerSDK/test",
        max_retries=3,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=(sleeps.append if sleeps is not None else lambda _: None),
    )


def test_a_success_returns_the_envelope_and_sends_the_bearer_token():
    recorder = Recorder(httpx.Response(200, json=envelope({"id": "b"})))
    body = make_transport(recorder).request("GET", URL, error=BatchFetchingError)
    assert body["data"] == {"id": "b"}
    assert recorder.requests[0].headers["Authorization"] == "Bearer tok"
    assert recorder.requests[0].headers["User-Agent"] == "TweezerSDK/test"


@pytest.mark.parametrize("status", [502, 503, 504, 429])
def test_gateway_errors_are_retried_with_growing_pauses(status):
    recorder = Recorder(
        httpx.Response(status, json=failure(status, "busy")),
        httpx.Response(status, json=failure(status, "busy")),
        httpx.Response(200, json=envelope({"ok": True})),
    )
    sleeps: list[float] = []
    body = make_transport(recorder, sleeps=sleeps).request("GET", URL, error=BatchFetchingError)
    assert body["data"] == {"ok": True}
    assert len(recorder.requests) == 3
    assert sleeps[0] > 0 and sleeps[1] == 2 * sleeps[0]


def test_retry_after_is_honoured():
    recorder = Recorder(
        httpx.Response(503, headers={"Retry-After": "7"}, json=failure(503, "later")),
        httpx.Response(200, json=envelope({})),
    )
    sleeps: list[float] = []
    make_transport(recorder, sleeps=sleeps).request("GET", URL, error=BatchFetchingError)
    assert sleeps == [7.0]


def test_connection_errors_are_retried():
    recorder = Recorder(
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json=envelope({"ok": True})),
    )
    body = make_transport(recorder).request("GET", URL, error=BatchFetchingError)
    assert body["data"] == {"ok": True}


def test_a_post_carries_one_idempotency_key_reused_by_its_retries():
    recorder = Recorder(
        httpx.ConnectError("refused"),
        httpx.Response(502, json=failure(502, "gateway")),
        httpx.Response(201, json=envelope({"id": "b"}, 201)),
        httpx.Response(201, json=envelope({"id": "c"}, 201)),
    )
    transport = make_transport(recorder)
    transport.request("POST", URL, error=BatchCreationError, json={"jobs": []})
    transport.request("POST", URL, error=BatchCreationError, json={"jobs": []})
    keys = [request.headers.get("Idempotency-Key") for request in recorder.requests]
    assert keys[0] and keys[0] == keys[1] == keys[2], "one logical call, one key"
    assert keys[3] and keys[3] != keys[0], "another call, another key"


def test_a_get_carries_no_idempotency_key():
    recorder = Recorder(httpx.Response(200, json=envelope({})))
    make_transport(recorder).request("GET", URL, error=BatchFetchingError)
    assert "Idempotency-Key" not in recorder.requests[0].headers


def test_a_client_error_is_not_retried_and_carries_the_servers_sentence():
    body = failure(400, "Device type 'FOO' is unknown; use one of EMU_FREE.")
    recorder = Recorder(httpx.Response(400, json=body))
    with pytest.raises(BatchCreationError) as caught:
        make_transport(recorder).request("POST", URL, error=BatchCreationError, json={})
    assert len(recorder.requests) == 1
    error = caught.value
    assert error.status_code == 400
    assert error.description == "Device type 'FOO' is unknown; use one of EMU_FREE."
    assert error.body == body
    assert "Device type 'FOO' is unknown" in str(error)


def test_an_error_without_description_uses_the_message_then_the_text():
    recorder = Recorder(
        httpx.Response(404, json={"status": "fail", "code": 404, "message": "Not Found"}),
        httpx.Response(500, text="Internal Server Error"),
    )
    transport = make_transport(recorder)
    with pytest.raises(JobFetchingError, match="Not Found"):
        transport.request("GET", URL, error=JobFetchingError)
    with pytest.raises(JobFetchingError, match="Internal Server Error") as caught:
        transport.request("GET", URL, error=JobFetchingError)
    assert caught.value.body is None


def test_gateway_errors_past_the_retries_raise_the_callers_error():
    recorder = Recorder(*[httpx.Response(503, json=failure(503, "Down for maintenance."))] * 4)
    with pytest.raises(BatchFetchingError, match="Down for maintenance") as caught:
        make_transport(recorder).request("GET", URL, error=BatchFetchingError)
    assert caught.value.status_code == 503
    assert len(recorder.requests) == 4


def test_an_unreachable_server_raises_the_callers_error_not_an_httpx_one():
    recorder = Recorder(*[httpx.ConnectError("Connection refused")] * 4)
    with pytest.raises(BatchFetchingError, match="could not reach") as caught:
        make_transport(recorder).request("GET", URL, error=BatchFetchingError)
    assert caught.value.status_code is None
    assert not isinstance(caught.value, httpx.HTTPError)


def test_an_invalid_url_raises_the_callers_error():
    transport = Transport(StaticTokenProvider("t"), user_agent="x", http=httpx.Client())
    with pytest.raises(BatchFetchingError):
        transport.request("GET", "htp:/nowhere", error=BatchFetchingError)


def test_an_answer_that_is_not_json_raises_the_callers_error():
    recorder = Recorder(httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(BatchFetchingError, match="not JSON"):
        make_transport(recorder).request("GET", URL, error=BatchFetchingError)


def test_without_credentials_nothing_is_sent():
    recorder = Recorder()
    transport = Transport(
        None, user_agent="x", http=httpx.Client(transport=httpx.MockTransport(recorder))
    )
    with pytest.raises(BatchFetchingError, match="no credentials"):
        transport.request("GET", URL, error=BatchFetchingError)
    assert recorder.requests == []


class Rotating(ExpiringTokenProvider):
    def __init__(self) -> None:
        super().__init__()
        self.logins = 0

    def _query_token(self) -> Mapping[str, Any]:
        self.logins += 1
        return {"access_token": f"t{self.logins}"}


def test_a_401_makes_an_expiring_provider_log_in_again_once():
    recorder = Recorder(
        httpx.Response(401, json=failure(401, "The bearer token has expired.")),
        httpx.Response(200, json=envelope({})),
        httpx.Response(401, json=failure(401, "The bearer token has expired.")),
        httpx.Response(401, json=failure(401, "The bearer token has expired.")),
    )
    provider = Rotating()
    transport = make_transport(recorder, provider=provider)
    transport.request("GET", URL, error=BatchFetchingError)
    assert [r.headers["Authorization"] for r in recorder.requests] == ["Bearer t1", "Bearer t2"]
    with pytest.raises(BatchFetchingError, match="expired") as caught:
        transport.request("GET", URL, error=BatchFetchingError)
    assert caught.value.status_code == 401


def test_a_download_sends_no_authorization_and_returns_the_raw_bytes():
    recorder = Recorder(httpx.Response(200, content=b'{"counter": {"1": 3}}'))
    content = make_transport(recorder).download("http://t/r?sig=1", error=JobFetchingError)
    assert content == b'{"counter": {"1": 3}}'
    assert "Authorization" not in recorder.requests[0].headers


def test_a_refused_download_raises_the_callers_error():
    recorder = Recorder(httpx.Response(403, json=failure(403, "The link has expired.")))
    with pytest.raises(JobFetchingError, match="The link has expired"):
        make_transport(recorder).download("http://t/r", error=JobFetchingError)
