"""FRESNEL, the QPU, served by its digital twin: one batch at a time, waits while it is down."""

from __future__ import annotations

import httpx

from tests.integration.file_status_qpu import STATUS_FILE_VARIABLE
from tests.integration.helpers import ServerProcess, wait_for


def fresnel_pi_pulse(server: ServerProcess) -> str:
    """A one-atom pi pulse built as a pulser user would for FRESNEL: on the device the server
    publishes, with a register from one of its calibrated layouts."""
    import numpy as np
    from pulser import Pulse, Sequence
    from pulser.json.abstract_repr.deserializer import deserialize_device
    from pulser.waveforms import BlackmanWaveform

    specs = httpx.get(f"{server.url}/api/v1/devices/specs", headers=server.headers()).json()
    device = deserialize_device(specs["data"]["FRESNEL"])
    layout = device.calibrated_register_layouts[next(iter(device.calibrated_register_layouts))]
    seq = Sequence(layout.define_register(0, qubit_ids=["q0"]), device)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    seq.measure("ground-rydberg")
    return seq.to_abstract_repr()


def _fresnel(server: ServerProcess) -> dict:  # type: ignore[type-arg]
    listed = httpx.get(f"{server.url}/api/v1/devices", headers=server.headers()).json()["data"]
    return next(item for item in listed if item["device_type"] == "FRESNEL")


def _jobs(server: ServerProcess, batch_id: str) -> list[dict]:  # type: ignore[type-arg]
    return httpx.get(
        f"{server.url}/api/v2/jobs",
        params={"batch_id": batch_id, "order_by": "creation_order", "order_by_direction": "ASC"},
        headers=server.headers(),
    ).json()["data"]


def test_jobs_wait_while_the_qpu_is_down_then_run_on_the_twin(tmp_path):
    status_file = tmp_path / "qpu-status"
    status_file.write_text("DOWN")
    server = ServerProcess(
        tmp_path,
        workers=2,
        env={
            "TWEEZER_QPU_DRIVER": "tests.integration.file_status_qpu:make_driver",
            STATUS_FILE_VARIABLE: str(status_file),
        },
    ).start()
    try:
        assert _fresnel(server)["status"] == "DOWN"
        batch = server.create_batch(fresnel_pi_pulse(server), [{"runs": 20}], device_type="FRESNEL")
        # Several scheduler rounds pass; the job must not start, nor fail.
        wait_for(lambda: _fresnel(server)["queue_length"] == 1, timeout=30)
        assert [job["status"] for job in _jobs(server, batch["id"])] == ["PENDING"]
        status_file.write_text("UP")
        wait_for(
            lambda: _jobs(server, batch["id"])[0]["status"] == "DONE", timeout=180, interval=0.5
        )
        results = httpx.get(
            f"{server.url}/api/v1/batches/{batch['id']}/results", headers=server.headers()
        ).json()["data"]
        (result,) = results.values()
        assert result["metadata"]["executed_on"] == "digital-twin"
        assert sum(result["counter"].values()) == 20
        assert result["counter"].get("1", 0) >= 12  # a noisy pi pulse still flips most shots
    finally:
        server.stop()


def test_the_qpu_runs_one_batch_at_a_time(tmp_path):
    server = ServerProcess(tmp_path, workers=2).start()
    try:
        sequence = fresnel_pi_pulse(server)
        first = server.create_batch(sequence, [{"runs": 10}, {"runs": 10}], device_type="FRESNEL")
        second = server.create_batch(sequence, [{"runs": 10}], device_type="FRESNEL")
        spans = []
        for batch in (first, second):
            wait_for(
                lambda b=batch: all(j["status"] == "DONE" for j in _jobs(server, b["id"])),
                timeout=300,
                interval=0.5,
            )
            spans.append(
                [(j["start_timestamp"], j["end_timestamp"]) for j in _jobs(server, batch["id"])]
            )
        (a_start, a_end), (b_start, b_end) = spans[0]
        (c_start, _c_end) = spans[1][0]
        # Two workers were free, yet the QPU ran the jobs one after the other, first batch first.
        assert a_end <= b_start and b_end <= c_start
    finally:
        server.stop()
