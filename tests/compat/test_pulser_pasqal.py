"""pulser through Pasqal Cloud's remote connection, against a live server.

pulser-pasqal's `PasqalCloud` (0.20.3, and 0.24.0 over pasqal-cloud 0.22.0), or the
`PasqalCloudConnection` and `Remote*Backend` that pasqal-cloud 0.24.0 carries itself: fetch the
devices, run the QPU and emulator backends, read `RemoteResults` as pulser result objects.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.compat.clients import Client, Runs
from tests.compat.helpers import connection_input, need_types, step
from tests.integration.helpers import ServerProcess


@pytest.fixture(scope="module")
def run(
    client: Client, runs: Runs, server: ServerProcess, available: tuple[str, ...]
) -> dict[str, Any]:
    return runs.outcomes(
        "pulser_flows.py", client, lambda _: connection_input(server, available=list(available))
    )


def _check(results: dict[str, Any], shots: list[int], atoms: int = 2) -> None:
    """A finished batch whose results are pulser results of the right size and shape."""
    assert results["batch_status"] == "DONE"
    assert len(results["job_ids"]) == len(shots)
    assert sorted(results["available"]) == sorted(results["job_ids"])
    assert [sum(result["counts"].values()) for result in results["results"]] == shots
    for result in results["results"]:
        assert result["atom_order"] == [f"q{i}" for i in range(atoms)]
        assert all(len(bits) == atoms and set(bits) <= {"0", "1"} for bits in result["counts"])


def test_the_connection_is_the_clients_own(run, client):
    assert step(run, "connection_class").endswith(client.connection.rsplit(".", 1)[1])


def test_fetch_available_devices_gives_pulser_devices(run, available):
    devices = step(run, "fetch_available_devices_summary")
    assert set(devices) == set(available)
    for name, device in devices.items():
        assert device["class"] in ("Device", "VirtualDevice"), name
    if "FRESNEL" in available:
        assert devices["FRESNEL"]["class"] == "Device"  # a QPU, not a virtual device


def test_emu_free_backend_with_an_emulator_config(run, available):
    need_types(available, "EMU_FREE")
    results = step(run, "emu_free_legacy")
    _check(results, [40, 30])
    if results["results"][0]["class"] == "SampledResult":  # pulser-pasqal 0.20
        assert results["results"][0]["meas_basis"] == "ground-rydberg"


def test_emu_free_backend_with_an_emulation_config_takes_its_shots(run, available):
    need_types(available, "EMU_FREE")
    _check(step(run, "emu_free"), [25, 25])  # runs are ignored: BitStrings(num_shots=25)
    alone = step(run, "emu_free_without_job_params")
    _check(alone, [25], atoms=1)
    assert alone["results"][0]["counts"] == {"1": 25}  # a pi pulse on one atom
    assert alone["results"][0]["class"] == "Results"


def test_open_batch_gathers_several_runs_in_one_batch(run, available):
    need_types(available, "EMU_FREE")
    outcome = step(run, "open_batch")
    assert outcome["same_batch"] is True and outcome["open"] is False
    assert outcome["first"]["batch_id"] == outcome["second"]["batch_id"]
    assert len(outcome["first"]["job_ids"]) == len(outcome["second"]["job_ids"]) == 1
    assert outcome["first"]["job_ids"] != outcome["second"]["job_ids"]


def test_remote_results_found_again_from_the_batch_id(run, available):
    need_types(available, "EMU_FREE")
    outcome = step(run, "remote_results_by_batch_id")
    assert outcome["again"]["job_ids"] == outcome["first"]["job_ids"]
    assert outcome["again"]["results"] == outcome["first"]["results"]


def test_qpu_backend_runs_on_fresnel(run, available):
    need_types(available, "FRESNEL")
    results = step(run, "qpu_backend")
    assert results["device_type"] == "FRESNEL"
    _check(results, [30], atoms=1)


def test_emulator_mimicking_the_qpu_validates_as_fresnel(run, available):
    need_types(available, "FRESNEL", "EMU_FREE")
    _check(step(run, "emu_free_mimic_qpu"), [20] if _legacy(run) else [25], atoms=1)


def test_emu_tn_backend(run, available):
    need_types(available, "EMU_TN")
    _check(step(run, "emu_tn"), [40, 30])


def test_emu_mps_backend(run, available):
    need_types(available, "EMU_MPS")
    _check(step(run, "emu_mps"), [1000, 1000])  # BitStrings() of the default config


def test_emu_sv_backend(run, available):
    need_types(available, "EMU_SV")
    _check(step(run, "emu_sv"), [1000, 1000])


def _legacy(run: dict[str, Any]) -> bool:
    """Whether this client's EMU_FREE backend honours `runs` (EmulatorConfig-based)."""
    return "skipped" in run.get("emu_free", {})
