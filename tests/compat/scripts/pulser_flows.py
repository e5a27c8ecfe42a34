"""pulser on Pasqal Cloud: the remote connection, the QPU and emulator backends, RemoteResults.

pulser-pasqal's `PasqalCloud` where it is installed; pasqal-cloud >= 0.24's own
`PasqalCloudConnection` and `Remote*Backend` otherwise (that release took them in).

Input: {"url", "token", "project_id", "available": [device types the server runs]}.
"""

from __future__ import annotations

import time
from typing import Any

from _client import (
    Steps,
    endpoints,
    main,
    one_atom_pi_pulse,
    pulser_kinds,
    sdk_class,
    token_provider,
    two_atoms_for_t,
)

JOBS = [{"runs": 40, "variables": {"t": 400}}, {"runs": 30, "variables": {"t": 800}}]


def result_summary(result: Any) -> dict[str, Any]:
    """What a pulser user reads from one job's result, whichever result class it is."""
    from pulser.result import SampledResult

    if isinstance(result, SampledResult):
        counts = dict(result.bitstring_counts)
        return {
            "class": "SampledResult",
            "counts": counts,
            "atom_order": list(result.atom_order),
            "meas_basis": result.meas_basis,
            "sampling_dist": {k: round(v, 6) for k, v in result.sampling_dist.items()},
        }
    return {
        "class": type(result).__name__,
        "counts": dict(result.final_bitstrings),
        "atom_order": list(result.atom_order),
        "total_duration": result.total_duration,
    }


def remote_summary(results: Any) -> dict[str, Any]:
    return {
        "batch_id": results.batch_id,
        "batch_status": results.get_batch_status().name,
        "job_ids": list(results.job_ids),
        "results": [result_summary(result) for result in results.results],
        "available": sorted(results.get_available_results()),
    }


def scenario(given: dict[str, Any], steps: Steps) -> None:
    available = set(given["available"])
    kinds = pulser_kinds()
    connection = kinds.connection(
        project_id=given["project_id"],
        token_provider=token_provider(given["token"]),
        endpoints=endpoints(given["url"]),
    )
    kind = type(connection)
    steps.run("connection_class", lambda: f"{kind.__module__}.{kind.__name__}")
    sdk = sdk_class()(
        token_provider=token_provider(given["token"]),
        endpoints=endpoints(given["url"]),
        project_id=given["project_id"],
    )

    devices = steps.run("fetch_available_devices", connection.fetch_available_devices)
    if devices is not None:
        steps.run(
            "fetch_available_devices_summary",
            lambda: {
                name: {"class": type(device).__name__, "name": device.name}
                for name, device in devices.items()
            },
        )
    timed = two_atoms_for_t()

    # EMU_FREE with the backend each client documents.
    if kinds.emu_free_legacy is not None:
        from pulser.backend.config import EmulatorConfig

        backend = kinds.emu_free_legacy(
            timed,
            connection,
            config=EmulatorConfig(
                sampling_rate=0.25,
                evaluation_times="Final",
                backend_options={"with_noise": False},
            ),
        )
        steps.run("emu_free_legacy", lambda: remote_summary(backend.run(JOBS, wait=True)))
    else:
        steps.skip("emu_free_legacy", "this client has no EmulatorConfig-based EmuFreeBackend")
    if kinds.emu_free is not None:
        from pulser.backend import BitStrings, EmulationConfig

        config = EmulationConfig(observables=[BitStrings(num_shots=25)])
        backend = kinds.emu_free(timed, connection, config=config)
        steps.run("emu_free", lambda: remote_summary(backend.run(JOBS, wait=True)))
        one = kinds.emu_free(one_atom_pi_pulse(), connection, config=config)
        steps.run("emu_free_without_job_params", lambda: remote_summary(one.run(wait=True)))
    else:
        steps.skip("emu_free", "this client has no EmulationConfig-based EMU_FREE backend")
        steps.skip("emu_free_without_job_params", "this client has no such backend")

    # An open batch: several runs into one batch, closed when the block ends.
    open_backend = kinds.any_emu_free(timed, connection)

    def open_batch() -> Any:
        with open_backend.open_batch():
            first = open_backend.run([JOBS[0]])
            second = open_backend.run([JOBS[1]])
        batch = sdk.get_batch(first.batch_id)
        while any(job.status in ("PENDING", "RUNNING") for job in batch.ordered_jobs):
            time.sleep(0.5)
            batch = sdk.get_batch(first.batch_id)
        return {
            "same_batch": first.batch_id == second.batch_id,
            "open": batch.open,
            "first": remote_summary(first),
            "second": remote_summary(second),
        }

    steps.run("open_batch", open_batch)

    # Results found again from a batch id alone.
    def reattach() -> Any:
        from pulser.backend.remote import RemoteResults

        first = kinds.any_emu_free(timed, connection).run([JOBS[0]], wait=True)
        again = RemoteResults(first.batch_id, connection)
        return {"first": remote_summary(first), "again": remote_summary(again)}

    steps.run("remote_results_by_batch_id", reattach)

    # The QPU, and an emulator that validates as the QPU would.
    if "FRESNEL" in available and devices is not None:
        from pulser import QPUBackend

        fresnel = devices["FRESNEL"]
        on_fresnel = one_atom_pi_pulse(fresnel)

        def qpu() -> Any:
            results = QPUBackend(on_fresnel, connection).run([{"runs": 30}], wait=True)
            summary = remote_summary(results)
            summary["device_type"] = sdk.get_batch(results.batch_id).device_type
            return summary

        steps.run("qpu_backend", qpu)
        mimic = kinds.any_emu_free(on_fresnel, connection, mimic_qpu=True)
        steps.run("emu_free_mimic_qpu", lambda: remote_summary(mimic.run([{"runs": 20}], True)))
    else:
        for name in ("qpu_backend", "emu_free_mimic_qpu"):
            steps.skip(name, "FRESNEL is not available on this server")

    # The other emulators, where both the client and the server have them.
    others = {
        "emu_tn": ("EMU_TN", kinds.emu_tn),
        "emu_mps": ("EMU_MPS", kinds.emu_mps),
        "emu_sv": ("EMU_SV", kinds.emu_sv),
    }
    for name, (device_type, make) in others.items():
        if make is None:
            steps.skip(name, f"this client has no {device_type} backend")
        elif device_type not in available:
            steps.skip(name, f"{device_type} is not available on this server")
        else:
            backend = make(timed, connection)
            steps.run(name, lambda backend=backend: remote_summary(backend.run(JOBS, wait=True)))


if __name__ == "__main__":
    main(scenario)
