"""Webhooks against a live server: signed deliveries, retries, validation, nothing lost."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.integration.helpers import ServerProcess, free_port, wait_for

ALLOW_LOOPBACK = {
    "TWEEZER_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "TWEEZER_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "TWEEZER_WEBHOOK_TIMEOUT_SECONDS": "2",
}


class Receiver:
    """A webhook target on loopback that records what it gets; it can fail on purpose."""

    def __init__(self, port: int | None = None, failures: int = 0) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(500)
                else:
                    receiver.deliveries.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver()
    yield target
    target.close()


def _submit(server: ServerProcess, sequence: str, webhook: str, jobs: int = 2) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/batches",
        json={
            "sequence_builder": sequence,
            "jobs": [{"runs": 10 + i} for i in range(jobs)],
            "device_type": "EMU_FREE",
            "project_id": server.project_id,
            "webhook": webhook,
        },
        headers=server.headers(),
        timeout=60,
    )


def _verify(server: ServerProcess, headers: dict[str, str], body: bytes) -> None:
    secret = httpx.get(
        f"{server.url}/api/v1/projects/{server.project_id}/webhook-secret", headers=server.headers()
    ).json()["data"]["secret"]
    signed = f"{headers['X-Tweezer-Timestamp']}.".encode() + body
    expected = "sha256=" + hmac.new(bytes.fromhex(secret), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Tweezer-Signature"], expected)


def test_each_finished_job_is_posted_signed_with_its_result(tmp_path, receiver, sequence_json):
    server = ServerProcess(tmp_path, workers=1, env=ALLOW_LOOPBACK).start()
    try:
        batch = _submit(server, sequence_json, receiver.url).json()["data"]
        wait_for(lambda: len(receiver.deliveries) == 2, timeout=60)
        payloads = [json.loads(body) for _, body in receiver.deliveries]
        assert {p["job"]["id"] for p in payloads} == {job["id"] for job in batch["jobs"]}
        for (headers, body), payload in zip(receiver.deliveries, payloads, strict=True):
            _verify(server, headers, body)
            assert payload["event"] == "job.ended" and payload["job"]["status"] == "DONE"
            assert sum(payload["result"]["counter"].values()) == payload["job"]["runs"]
    finally:
        server.stop()


def test_a_failing_target_is_retried_until_it_takes_the_delivery(tmp_path, sequence_json):
    flaky = Receiver(failures=2)
    server = ServerProcess(tmp_path, workers=1, env=ALLOW_LOOPBACK).start()
    try:
        _submit(server, sequence_json, flaky.url, jobs=1)
        wait_for(lambda: len(flaky.deliveries) == 1, timeout=60)
        assert flaky.failures == 0
    finally:
        server.stop()
        flaky.close()


def test_deliveries_survive_a_server_restart_while_the_target_is_down(tmp_path, sequence_json):
    port = free_port()
    first = ServerProcess(tmp_path, workers=1, env=ALLOW_LOOPBACK).start()
    batch = _submit(first, sequence_json, f"http://127.0.0.1:{port}/hook", jobs=1).json()["data"]
    httpx.get(
        f"{first.url}/api/v1/batches/{batch['id']}/status",
        params={"wait": 60},
        headers=first.headers(),
        timeout=90,
    )
    first.kill()
    target = Receiver(port=port)
    second = ServerProcess(tmp_path, workers=1, env=ALLOW_LOOPBACK, port=first.port).start()
    try:
        wait_for(lambda: len(target.deliveries) == 1, timeout=60)
        assert json.loads(target.deliveries[0][1])["job"]["id"] == batch["jobs"][0]["id"]
    finally:
        second.stop()
        target.close()


@pytest.mark.parametrize(
    "webhook",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/",
    ],
)
def test_private_targets_are_refused_by_default(server, sequence_json, webhook):
    response = _submit(server, sequence_json, webhook)
    assert response.status_code == 400
    assert "non-public address" in response.json()["data"]["description"]


def test_the_webhook_secret_is_for_project_members_only(server):
    other = httpx.get(
        f"{server.url}/api/v1/projects/00000000-0000-0000-0000-000000000000/webhook-secret",
        headers=server.headers(),
    )
    assert other.status_code == 404
