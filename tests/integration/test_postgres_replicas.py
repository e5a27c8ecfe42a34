"""The scaled deployment: several `tweezer serve` replicas over one PostgreSQL."""

from __future__ import annotations

import secrets

import httpx

from tests.integration.helpers import ServerProcess


def test_two_replicas_over_postgresql_run_every_job_once(tmp_path, sequence_json, postgres_url):
    env = {"TWEEZER_DATABASE_URL": postgres_url, "TWEEZER_SECRET_KEY_HEX": secrets.token_hex(32)}
    # One data dir for both: results are local files on this one machine.
    first = ServerProcess(tmp_path, workers=1, env=env).start()
    second = ServerProcess(tmp_path, workers=1, env=env).start()
    try:
        headers = first.headers()
        body = {
            "sequence_builder": sequence_json,
            "jobs": [{"runs": 5 + i} for i in range(8)],
            "device_type": "EMU_FREE",
            "project_id": first.project_id,
        }
        batch = httpx.post(f"{first.url}/api/v1/batches", json=body, headers=headers, timeout=60)
        batch_id = batch.json()["data"]["id"]
        # Either replica answers for the batch and wakes when it is done.
        for _ in range(20):
            status = httpx.get(
                f"{second.url}/api/v1/batches/{batch_id}/status",
                params={"wait": 30},
                headers=headers,
                timeout=60,
            ).json()["data"]
            if status["status"] == "DONE":
                break
        assert status["jobs_count_per_status"] == {"DONE": 8}
        jobs = httpx.get(
            f"{second.url}/api/v2/jobs", params={"batch_id": batch_id}, headers=headers
        ).json()["data"]
        # Every job ran exactly once, and a link made by one replica works on the other.
        assert all(job["errors"] == [] for job in jobs)
        link = httpx.get(
            f"{first.url}/api/v1/jobs/{jobs[0]['id']}/results_link", headers=headers
        ).json()["data"]["results_link"]
        other = link.replace(first.url, second.url)
        counter = httpx.get(other).json()["counter"]
        assert sum(counter.values()) == jobs[0]["runs"]
    finally:
        first.stop()
        second.stop()
