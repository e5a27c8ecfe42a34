"""Jobs really run: results, waiting, cancellation, and nothing lost when processes die."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.integration.helpers import ServerProcess, long_sequence_json, wait_for


def _result(server: ServerProcess, job_id: str) -> dict:  # type: ignore[type-arg]
    with server.client() as client:
        link = client.get(f"/api/v1/jobs/{job_id}/results_link").json()["data"]["results_link"]
    response = httpx.get(link)  # no Authorization header
    assert response.status_code == 200
    return response.json()


def _running_job(server: ServerProcess, job_id: str) -> bool:
    return server.job(job_id)["status"] == "RUNNING"


def test_pi_pulse_flips_the_atom_in_nearly_every_shot(server, sequence_json):
    batch = server.create_batch(sequence_json, [{"runs": 500, "variables": None}])
    assert server.wait_batch(batch["id"])["status"] == "DONE"
    result = _result(server, batch["jobs"][0]["id"])
    assert sum(result["counter"].values()) == 500
    assert len(result["raw"]) == 500
    assert result["counter"].get("1", 0) > 0.95 * 500


def test_jobs_with_variables_run_each_with_its_own_values(server, sequence_with_variable_json):
    # Omega = 2pi rad/us: 250 ns is a pi/2 pulse (half '1'), 500 ns a pi pulse (all '1').
    jobs = [{"runs": 400, "variables": {"duration": d}} for d in (250, 500)]
    batch = server.create_batch(sequence_with_variable_json, jobs)
    server.wait_batch(batch["id"])
    half, full = (_result(server, job["id"])["counter"] for job in batch["jobs"])
    assert 0.35 * 400 < half.get("1", 0) < 0.65 * 400
    assert full.get("1", 0) > 0.95 * 400


def test_result_link_with_a_bad_signature_is_refused(server, sequence_json):
    batch = server.create_batch(sequence_json, [{"runs": 10}])
    server.wait_batch(batch["id"])
    job_id = batch["jobs"][0]["id"]
    with server.client() as client:
        link = client.get(f"/api/v1/jobs/{job_id}/results_link").json()["data"]["results_link"]
    parts = urlsplit(link)
    tampered = urlunsplit(parts._replace(query=parts.query.replace("signature=", "signature=0")))
    other_job = urlunsplit(parts._replace(path=parts.path.replace(job_id, str(uuid.uuid4()))))
    assert httpx.get(tampered).status_code == 403
    assert httpx.get(other_job).status_code == 403
    assert "signature" in httpx.get(tampered).json()["data"]["description"]


def test_result_link_expires(tmp_path, sequence_json):
    short = ServerProcess(
        tmp_path, workers=1, env={"TWEEZER_RESULTS_LINK_TTL_SECONDS": "0"}
    ).start()
    try:
        batch = short.create_batch(sequence_json, [{"runs": 10}])
        short.wait_batch(batch["id"])
        with short.client() as client:
            link = client.get(f"/api/v1/jobs/{batch['jobs'][0]['id']}/results_link").json()["data"][
                "results_link"
            ]
        wait_for(lambda: httpx.get(link).status_code == 403, timeout=5)
        assert "expired" in httpx.get(link).json()["data"]["description"]
    finally:
        short.stop()


def test_bulk_results_give_every_job_of_a_batch(server, sequence_json):
    batch = server.create_batch(sequence_json, [{"runs": 7}, {"runs": 9}])
    server.wait_batch(batch["id"])
    with server.client() as client:
        results = client.get(f"/api/v1/batches/{batch['id']}/results").json()["data"]
    assert {job["id"] for job in batch["jobs"]} == set(results)
    assert sorted(sum(r["counter"].values()) for r in results.values()) == [7, 9]


def test_open_batch_takes_jobs_until_closed(server, sequence_json):
    batch = server.create_batch(sequence_json, [], open=True)
    assert batch["status"] == "PENDING" and batch["open"] is True
    with server.client() as client:
        added = client.post(f"/api/v2/batches/{batch['id']}/jobs", json=[{"runs": 5}, {"runs": 6}])
        assert added.status_code == 200, added.text
        assert [job["ordered_id"] for job in added.json()["data"]["jobs"]] == [0, 1]
        server.wait_batch(batch["id"])
        still_open = client.get(f"/api/v2/batches/{batch['id']}").json()["data"]
        assert still_open["open"] is True and still_open["status"] == "RUNNING"
        closed = client.patch(f"/api/v2/batches/{batch['id']}/complete").json()["data"]
        assert closed["open"] is False and closed["status"] == "DONE"
        refused = client.post(f"/api/v2/batches/{batch['id']}/jobs", json=[{"runs": 5}])
    assert refused.status_code == 409 and "closed" in refused.json()["data"]["description"]


def test_jobs_listed_in_creation_order_for_a_batch(server, sequence_json):
    batch = server.create_batch(sequence_json, [{"runs": r} for r in (3, 1, 2)])
    with server.client() as client:
        for order_by in ("ordered_id", "creation_order"):
            listed = client.get(
                "/api/v2/jobs",
                params={"batch_id": batch["id"], "order_by": order_by, "order_by_direction": "ASC"},
            ).json()
            assert [job["runs"] for job in listed["data"]] == [3, 1, 2]


def test_cancel_running_job_stops_its_worker_and_frees_it(tmp_path, sequence_json):
    solo = ServerProcess(tmp_path, workers=1).start()
    try:
        slow = solo.create_batch(long_sequence_json(), [{"runs": 10}])
        job_id = slow["jobs"][0]["id"]
        wait_for(lambda: _running_job(solo, job_id), timeout=60)
        with solo.client() as client:
            canceled = client.patch(f"/api/v2/jobs/{job_id}/cancel").json()["data"]
        assert canceled["status"] == "CANCELED"
        # The only worker is free again: a quick job runs to the end.
        quick = solo.create_batch(sequence_json, [{"runs": 5}])
        assert solo.wait_batch(quick["id"])["status"] == "DONE"
        assert solo.job(job_id)["status"] == "CANCELED"
        with solo.client() as client:
            again = client.patch(f"/api/v2/jobs/{job_id}/cancel")
        assert again.status_code == 409
    finally:
        solo.stop()


def test_cancel_batch_cancels_pending_jobs(tmp_path, sequence_json):
    idle = ServerProcess(tmp_path, workers=0).start()  # no workers: jobs stay PENDING
    try:
        batch = idle.create_batch(sequence_json, [{"runs": 5}] * 3)
        with idle.client() as client:
            canceled = client.patch(f"/api/v2/batches/{batch['id']}/cancel").json()["data"]
            jobs = client.get("/api/v2/jobs", params={"batch_id": batch["id"]}).json()["data"]
        assert canceled["status"] == "CANCELED"
        assert {job["status"] for job in jobs} == {"CANCELED"}
    finally:
        idle.stop()


def test_rebatch_reruns_matching_jobs_in_a_new_batch(server, sequence_json):
    batch = server.create_batch(sequence_json, [{"runs": 4}, {"runs": 8}])
    server.wait_batch(batch["id"])
    with server.client() as client:
        new = client.post(f"/api/v1/batches/{batch['id']}/rebatch", params={"min_runs": 5}).json()[
            "data"
        ]
        old = client.get(f"/api/v2/batches/{batch['id']}").json()["data"]
    assert new["parent_id"] == batch["id"] and new["id"] != batch["id"]
    assert [job["runs"] for job in new["jobs"]] == [8]
    assert new["jobs"][0]["parent_id"] == batch["jobs"][1]["id"]
    assert old["status"] == "DONE" and old["jobs_count"] == 2


def test_restart_keeps_batches_jobs_and_results(tmp_path, sequence_json):
    first = ServerProcess(tmp_path, workers=1).start()
    batch = first.create_batch(sequence_json, [{"runs": 30}])
    first.wait_batch(batch["id"])
    before = _result(first, batch["jobs"][0]["id"])
    first.stop()
    second = ServerProcess(tmp_path, workers=1, port=first.port).start()
    try:
        with second.client() as client:
            again = client.get(f"/api/v2/batches/{batch['id']}").json()["data"]
        assert again["status"] == "DONE" and again["jobs_count"] == 1
        assert _result(second, batch["jobs"][0]["id"]) == before
    finally:
        second.stop()


def test_killed_server_loses_no_acknowledged_job(tmp_path, sequence_json):
    first = ServerProcess(tmp_path, workers=1).start()
    slow = first.create_batch(long_sequence_json(duration_ns=8000), [{"runs": 10}])
    queued = first.create_batch(sequence_json, [{"runs": 10}] * 2)
    wait_for(lambda: _running_job(first, slow["jobs"][0]["id"]), timeout=60)
    first.kill()  # SIGKILL to the server and its worker, mid-job
    second = ServerProcess(tmp_path, workers=1, port=first.port).start()
    try:
        assert second.wait_batch(slow["id"])["status"] == "DONE"
        assert second.wait_batch(queued["id"])["status"] == "DONE"
        job = second.job(slow["jobs"][0]["id"])
        assert job["status"] == "DONE" and job["errors"] == []
        assert sum(_result(second, job["id"])["counter"].values()) == 10
    finally:
        second.stop()


def _worker_pids(server: ServerProcess) -> list[int]:
    assert server.process is not None
    out = subprocess.run(
        ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in out.split()]


@pytest.mark.skipif(not os.path.exists("/proc"), reason="needs /proc to find worker processes")
def test_killed_worker_process_gives_its_job_back_to_the_queue(tmp_path):
    solo = ServerProcess(tmp_path, workers=1).start()
    try:
        slow = solo.create_batch(long_sequence_json(duration_ns=8000), [{"runs": 10}])
        job_id = slow["jobs"][0]["id"]
        wait_for(lambda: _running_job(solo, job_id), timeout=60)
        for pid in _worker_pids(solo):
            os.kill(pid, signal.SIGKILL)
        assert solo.wait_batch(slow["id"])["status"] == "DONE"
        job = solo.job(job_id)
        assert job["status"] == "DONE"
    finally:
        solo.stop()


def test_a_job_over_the_time_limit_ends_in_error_with_a_sentence(tmp_path):
    strict = ServerProcess(tmp_path, workers=1, env={"TWEEZER_JOB_TIMEOUT_SECONDS": "1"}).start()
    try:
        slow = strict.create_batch(long_sequence_json(duration_ns=20000), [{"runs": 10}])
        assert strict.wait_batch(slow["id"])["status"] == "ERROR"
        job = strict.job(slow["jobs"][0]["id"])
        assert job["status"] == "ERROR"
        assert "longer than the limit of 1 s" in job["errors"][0]
    finally:
        strict.stop()


def test_a_job_over_the_memory_limit_ends_in_error_with_a_sentence(tmp_path, sequence_json):
    # 1 MiB: any emulator worker is over it as soon as a job runs.
    tight = ServerProcess(
        tmp_path, workers=1, env={"TWEEZER_JOB_MEMORY_LIMIT_BYTES": str(2**20)}
    ).start()
    try:
        batch = tight.create_batch(long_sequence_json(), [{"runs": 10}])
        assert tight.wait_batch(batch["id"])["status"] == "ERROR"
        (error,) = tight.job(batch["jobs"][0]["id"])["errors"]
        assert "more memory than the worker limit of 1 MiB" in error
    finally:
        tight.stop()
