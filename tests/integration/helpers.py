"""Helpers for integration tests: a real `tweezer serve` process, and small Pulser sequences."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

STARTUP_DEADLINE_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """`tweezer serve` on a loopback port over a data dir; start, stop, kill, restart."""

    data_dir: Path
    workers: int = 2
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    #: (certificate, key, CA certificate): serve https with them (`tweezer serve --tls-...`).
    tls: tuple[Path, Path, Path] | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What httpx should verify the server's certificate with."""
        return ssl.create_default_context(cafile=str(self.tls[2])) if self.tls else True

    @property
    def credentials(self) -> dict[str, str]:
        return json.loads((self.data_dir / "credentials.json").read_text())

    @property
    def token(self) -> str:
        return self.credentials["token"]

    @property
    def project_id(self) -> str:
        return self.credentials["project_id"]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self) -> httpx.Client:
        """An HTTP client for this server, with the admin's token."""
        return httpx.Client(base_url=self.url, headers=self.headers(), timeout=90)

    def create_batch(
        self, sequence: str, jobs: list[dict], device_type: str = "EMU_FREE", **extra: object
    ) -> dict:  # type: ignore[type-arg]
        """Create a batch in the admin's project; return the batch object (with its jobs)."""
        body = {
            "sequence_builder": sequence,
            "jobs": jobs,
            "device_type": device_type,
            "project_id": self.project_id,
            **extra,
        }
        with self.client() as client:
            response = client.post("/api/v1/batches", json=body)
        assert response.status_code == 200, response.text
        return response.json()["data"]  # type: ignore[no-any-return]

    def wait_batch(self, batch_id: str) -> dict:  # type: ignore[type-arg]
        """Long-poll until no job of the batch is PENDING or RUNNING; return its status."""
        with self.client() as client:
            for _ in range(20):
                status = client.get(
                    f"/api/v1/batches/{batch_id}/status", params={"wait": 30}
                ).json()["data"]
                counts = status["jobs_count_per_status"]
                if not counts.get("PENDING") and not counts.get("RUNNING"):
                    return status  # type: ignore[no-any-return]
        raise AssertionError(f"batch {batch_id} did not finish: {status}")

    def job(self, job_id: str) -> dict:  # type: ignore[type-arg]
        with self.client() as client:
            return client.get(f"/api/v2/jobs/{job_id}").json()["data"]  # type: ignore[no-any-return]

    def start(self) -> ServerProcess:
        env = {**os.environ, "TWEEZER_LEASE_SECONDS": "3", **self.env}
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - the process owns it
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tweezer.cli.main",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                *(
                    ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
                    if self.tls
                    else []
                ),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tweezer serve exited: {self.log_tail()}")
            try:
                health = httpx.get(f"{self.url}/healthz", timeout=1, verify=self.verify)
                if health.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"tweezer serve did not start: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.data_dir / "server.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL the server and its workers at once: no clean shutdown at all."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


def wait_for(condition, timeout: float = 60, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def pi_pulse_sequence_json() -> str:
    """One atom, one resonant pulse of area pi: ends in the Rydberg state ('1')."""
    from pulser import Pulse, Register, Sequence
    from pulser.devices import MockDevice
    from pulser.waveforms import BlackmanWaveform

    seq = Sequence(Register.from_coordinates([(0, 0)], prefix="q"), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(500, np.pi), 0, 0), "ryd")
    return seq.to_abstract_repr()


def variable_duration_sequence_json() -> str:
    """One atom driven at Omega = 2pi rad/us for a variable `duration` (ns)."""
    from pulser import Pulse, Register, Sequence
    from pulser.devices import MockDevice

    seq = Sequence(Register.from_coordinates([(0, 0)], prefix="q"), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    duration = seq.declare_variable("duration", dtype=int)
    seq.add(Pulse.ConstantPulse(duration, 2 * np.pi, 0, 0), "ryd")
    return seq.to_abstract_repr()


def long_sequence_json(duration_ns: int = 20000, atoms: int = 6) -> str:
    """A sequence slow enough to emulate that a test can act while it runs."""
    from pulser import Pulse, Register, Sequence
    from pulser.devices import MockDevice

    register = Register.rectangle(2, atoms // 2, spacing=6, prefix="q")
    seq = Sequence(register, MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantPulse(duration_ns, 2 * np.pi, 0.5, 0), "ryd")
    return seq.to_abstract_repr()
