"""The HTTP API of a live `tweezer serve`, spoken with raw HTTP: envelope, errors, limits."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx
import pytest

from tests.integration.helpers import ServerProcess


def _batch_body(server: ServerProcess, sequence: str, **extra):  # type: ignore[no-untyped-def]
    return {
        "sequence_builder": sequence,
        "jobs": [{"runs": 20, "variables": None}],
        "device_type": "EMU_FREE",
        "project_id": server.project_id,
        **extra,
    }


def _description(response: httpx.Response) -> str:
    body = response.json()
    assert body["status"] == "fail"
    assert body["code"] == response.status_code
    return body["data"]["description"]


def _count_batches(server: ServerProcess) -> int:
    with server.client() as client:
        return client.get("/api/v1/batches").json()["pagination"]["total"]


def test_health_needs_no_token(server):
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}


def test_openapi_document_and_docs_are_served(server):
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert "/api/v1/batches" in spec["paths"]
    assert httpx.get(f"{server.url}/docs").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}],
)
def test_requests_without_a_valid_token_get_401_with_a_sentence(server, headers):
    response = httpx.get(f"{server.url}/api/v1/batches", headers=headers)
    assert response.status_code == 401
    assert "token" in _description(response)


def test_create_batch_answers_the_enveloped_batch_with_its_jobs(server, sequence_json):
    with server.client() as client:
        response = client.post(
            "/api/v1/batches", json=_batch_body(server, sequence_json, tags=["t1"])
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success" and body["code"] == 200
    batch = body["data"]
    uuid.UUID(batch["id"])
    assert (
        batch["device_type"] == "EMU_FREE" and batch["open"] is False and batch["complete"] is True
    )
    assert batch["project_id"] == server.project_id and batch["tags"] == ["t1"]
    assert batch["sequence_builder"] == sequence_json
    assert [job["runs"] for job in batch["jobs"]] == [20]
    assert batch["jobs"][0]["batch_id"] == batch["id"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"jobs": [{"runs": "ten"}]}, "jobs.0.runs"),
        ({"jobs": [{"runs": True}]}, "jobs.0.runs"),
        ({"jobs": "all"}, "jobs"),
        ({"sequence_builder": 42}, "sequence_builder"),
        ({"project_id": None}, "project_id"),
        ({"tags": "one"}, "tags"),
    ],
)
def test_wrong_types_get_422_naming_the_field_and_store_nothing(
    server, sequence_json, change, expected
):
    before = _count_batches(server)
    with server.client() as client:
        response = client.post(
            "/api/v1/batches", json={**_batch_body(server, sequence_json), **change}
        )
    assert response.status_code == 422
    assert expected in _description(response)
    assert _count_batches(server) == before


@pytest.mark.parametrize("missing", ["sequence_builder", "project_id"])
def test_missing_fields_get_422(server, sequence_json, missing):
    body = _batch_body(server, sequence_json)
    del body[missing]
    with server.client() as client:
        response = client.post("/api/v1/batches", json=body)
    assert response.status_code == 422 and missing in _description(response)


def test_a_body_that_is_not_json_gets_422(server):
    with server.client() as client:
        response = client.post(
            "/api/v1/batches", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422 and "not valid JSON" in _description(response)


def test_malformed_sequence_gets_400_and_stores_nothing(server):
    before = _count_batches(server)
    with server.client() as client:
        response = client.post("/api/v1/batches", json=_batch_body(server, '{"not": "a sequence"}'))
    assert response.status_code == 400
    assert "sequence" in _description(response).lower()
    assert _count_batches(server) == before


@pytest.mark.parametrize("device_type", ["NOT_A_DEVICE", "emu_sv"])
def test_unknown_device_types_get_400_naming_the_available_ones(server, sequence_json, device_type):
    with server.client() as client:
        response = client.post(
            "/api/v1/batches", json=_batch_body(server, sequence_json, device_type=device_type)
        )
    assert response.status_code == 400
    assert "EMU_FREE" in _description(response)


def test_batch_in_a_foreign_project_is_forbidden(server, sequence_json):
    body = _batch_body(server, sequence_json, project_id=str(uuid.uuid4()))
    with server.client() as client:
        response = client.post("/api/v1/batches", json=body)
    assert response.status_code == 403 and "not a member" in _description(response)


def test_closed_batch_without_jobs_gets_400(server, sequence_json):
    with server.client() as client:
        response = client.post("/api/v1/batches", json=_batch_body(server, sequence_json, jobs=[]))
    assert response.status_code == 400 and "at least one job" in _description(response)


def test_webhook_must_be_an_http_url(server, sequence_json):
    with server.client() as client:
        response = client.post(
            "/api/v1/batches", json=_batch_body(server, sequence_json, webhook="file:///etc/passwd")
        )
    assert response.status_code == 422 and "webhook" in _description(response)


def test_gzip_body_is_accepted(server, sequence_json):
    payload = gzip.compress(json.dumps(_batch_body(server, sequence_json)).encode())
    with server.client() as client:
        response = client.post(
            "/api/v1/batches",
            content=payload,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["sequence_builder"] == sequence_json


def test_broken_gzip_gets_400(server):
    with server.client() as client:
        response = client.post(
            "/api/v1/batches", content=b"\x1f\x8b not gzip", headers={"Content-Encoding": "gzip"}
        )
    assert response.status_code == 400 and "gzip" in _description(response)


def test_unknown_content_encoding_gets_415(server):
    with server.client() as client:
        response = client.post("/api/v1/batches", content=b"x", headers={"Content-Encoding": "br"})
    assert response.status_code == 415


def test_oversized_body_gets_413(tmp_path, sequence_json):
    small = ServerProcess(tmp_path, workers=0, env={"TWEEZER_MAX_BODY_BYTES": "4096"}).start()
    try:
        body = json.dumps(_batch_body(small, sequence_json, tags=["x" * 100] * 50)).encode()
        assert len(body) > 4096
        with small.client() as client:
            plain = client.post(
                "/api/v1/batches", content=body, headers={"Content-Type": "application/json"}
            )
            # A small gzip that inflates past the limit (a "zip bomb") is refused too.
            bomb = gzip.compress(b" " * 100_000)
            inflated = client.post(
                "/api/v1/batches", content=bomb, headers={"Content-Encoding": "gzip"}
            )
        assert plain.status_code == 413 and "limit of 4096 bytes" in _description(plain)
        assert inflated.status_code == 413 and "decompressed" in _description(inflated)
    finally:
        small.stop()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v2/batches/{id}"),
        ("GET", "/api/v2/jobs/{id}"),
        ("PATCH", "/api/v2/jobs/{id}/cancel"),
        ("PATCH", "/api/v2/batches/{id}/cancel"),
        ("PATCH", "/api/v2/batches/{id}/complete"),
        ("POST", "/api/v1/batches/{id}/rebatch"),
        ("GET", "/api/v1/jobs/{id}/results_link"),
        ("GET", "/api/v2/workloads/{id}"),
        ("GET", "/api/v1/batches/{id}/status"),
        ("GET", "/api/v1/batches/{id}/results"),
    ],
)
def test_unknown_ids_get_404_with_a_sentence(server, method, path):
    for unknown in (str(uuid.uuid4()), "not-a-uuid"):
        with server.client() as client:
            response = client.request(method, path.format(id=unknown))
        assert response.status_code == 404, response.text
        assert unknown in _description(response)


def test_idempotency_key_makes_a_retried_post_answer_the_same_batch(server, sequence_json):
    key = str(uuid.uuid4())
    body = _batch_body(server, sequence_json)
    before = _count_batches(server)
    with server.client() as client:
        first = client.post("/api/v1/batches", json=body, headers={"Idempotency-Key": key})
        second = client.post("/api/v1/batches", json=body, headers={"Idempotency-Key": key})
        other = client.post("/api/v1/batches", json=body, headers={"Idempotency-Key": key + "x"})
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert other.json()["data"]["id"] != first.json()["data"]["id"]
    assert _count_batches(server) == before + 2


def test_listing_pages_carry_total_offset_end(server, sequence_json):
    tag = f"paging-{uuid.uuid4()}"
    with server.client() as client:
        for _ in range(3):
            client.post("/api/v1/batches", json=_batch_body(server, sequence_json, tags=[tag]))
        first = client.get("/api/v1/batches", params={"tag": tag, "limit": 2}).json()
        second = client.get("/api/v1/batches", params={"tag": tag, "limit": 2, "offset": 2}).json()
        bad = client.get("/api/v1/batches", params={"limit": 1000})
    assert first["pagination"] == {"total": 3, "offset": 0, "end": 2}
    assert second["pagination"] == {"total": 3, "offset": 2, "end": 3}
    created = [b["created_at"] for b in first["data"] + second["data"]]
    assert created == sorted(created, reverse=True)
    assert bad.status_code == 400 and "limit" in _description(bad)


def test_filters_repeat_keys_and_refuse_bad_values(server, sequence_json):
    with server.client() as client:
        ok = client.get("/api/v2/jobs", params=[("status", "DONE"), ("status", "PENDING")])
        bad_status = client.get("/api/v2/jobs", params={"status": "FINISHED"})
        bad_id = client.get("/api/v2/jobs", params={"batch_id": "123"})
        unknown = client.get("/api/v2/jobs", params={"colour": "red"})
    assert ok.status_code == 200
    assert all(job["status"] in ("DONE", "PENDING") for job in ok.json()["data"])
    assert bad_status.status_code == 400 and "FINISHED" in _description(bad_status)
    assert bad_id.status_code == 400 and "UUID" in _description(bad_id)
    assert unknown.status_code == 400 and "colour" in _description(unknown)


def test_public_specs_need_no_token_and_specs_do(server):
    public = httpx.get(f"{server.url}/api/v1/devices/public-specs")
    assert public.status_code == 200
    assert {item["device_type"] for item in public.json()["data"]} >= {"EMU_FREE"}
    assert httpx.get(f"{server.url}/api/v1/devices/specs").status_code == 401
    with server.client() as client:
        specs = client.get("/api/v1/devices/specs").json()["data"]
    from pulser.json.abstract_repr.deserializer import deserialize_device

    deserialize_device(specs["EMU_FREE"])


def test_devices_listing_says_kind_status_limits_and_queue(server, sequence_json):
    with server.client() as client:
        listed = client.get("/api/v1/devices").json()["data"]
    by_type = {item["device_type"]: item for item in listed}
    assert set(by_type) == {"FRESNEL", "EMU_FREE", "EMU_TN", "EMU_SV", "EMU_MPS", "EMU_FRESNEL"}
    fresnel = by_type["FRESNEL"]
    assert fresnel["kind"] == "QPU" and fresnel["twin"] is True and fresnel["status"] == "UP"
    assert by_type["EMU_SV"]["kind"] == "EMULATOR" and by_type["EMU_SV"]["twin"] is False
    for item in listed:
        assert item["max_atoms"] > 0 and item["max_runs"] > 0 and item["queue_length"] >= 0
    assert httpx.get(f"{server.url}/api/v1/devices").status_code == 401


def test_unknown_workload_type_gets_400_and_nothing_stored(server):
    with server.client() as client:
        response = client.post(
            "/api/v1/workloads",
            json={
                "workload_type": "nope",
                "backend": "x",
                "config": {},
                "project_id": server.project_id,
            },
        )
    assert response.status_code == 400 and "Unknown workload type 'nope'" in _description(response)


def test_unknown_endpoint_gets_an_enveloped_404(server):
    with server.client() as client:
        response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and "/docs" in _description(response)
