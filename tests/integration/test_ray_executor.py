"""The `ray` executor on a real local Ray cluster: jobs run in Ray actors, lost runs come back."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.helpers import ServerProcess, free_port, long_sequence_json, wait_for

pytest.importorskip("ray")
RAY = str(Path(sys.executable).with_name("ray"))


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Ray head on loopback (its port away from Redis's 6379 and Ray's worker ports)."""
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    log = open(tmp_path_factory.mktemp("ray") / "head.log", "wb")  # noqa: SIM115
    head = subprocess.Popen(
        [
            RAY,
            "start",
            "--head",
            "--block",
            "--port",
            str(port),
            "--node-ip-address",
            "127.0.0.1",
            "--num-cpus",
            "2",
            "--num-gpus",
            "0",
            "--include-dashboard",
            "false",
            "--disable-usage-stats",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    address = f"127.0.0.1:{port}"
    try:
        wait_for(
            lambda: (
                subprocess.run(
                    [RAY, "status", "--address", address], env=env, capture_output=True
                ).returncode
                == 0
            ),
            timeout=120,
            interval=1,
        )
        yield address
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            head.wait(timeout=10)
        # Whatever of the cluster is still up goes now (the head's process group only).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)
        head.wait()
        log.close()


@pytest.fixture
def ray_server(tmp_path: Path, ray_cluster: str) -> Iterator[ServerProcess]:
    server = ServerProcess(
        tmp_path, workers=2, env={"TWEEZER_EXECUTOR": "ray", "RAY_ADDRESS": ray_cluster}
    ).start()
    yield server
    server.stop()


def test_jobs_run_on_the_ray_cluster_and_results_are_served(ray_server, sequence_json):
    batch = ray_server.create_batch(sequence_json, [{"runs": 50}, {"runs": 60}, {"runs": 70}])
    assert ray_server.wait_batch(batch["id"])["jobs_count_per_status"] == {"DONE": 3}
    results = httpx.get(
        f"{ray_server.url}/api/v1/batches/{batch['id']}/results", headers=ray_server.headers()
    ).json()["data"]
    for job in batch["jobs"]:
        counter = results[job["id"]]["counter"]
        assert sum(counter.values()) == job["runs"] and counter.get("1", 0) > 0.9 * job["runs"]


def test_a_killed_ray_worker_gives_its_job_back_to_the_queue(ray_server):
    batch = ray_server.create_batch(long_sequence_json(duration_ns=8000), [{"runs": 10}])
    job_id = batch["jobs"][0]["id"]

    def running() -> bool:
        job = httpx.get(f"{ray_server.url}/api/v2/jobs/{job_id}", headers=ray_server.headers())
        return job.json()["data"]["status"] == "RUNNING"

    wait_for(running, timeout=120)
    subprocess.run(["pkill", "-9", "-f", "ray::JobActor"], check=False)
    assert ray_server.wait_batch(batch["id"])["jobs_count_per_status"] == {"DONE": 1}
