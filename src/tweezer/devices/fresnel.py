"""FRESNEL: the QPU, driven through a `qpu.QPUDriver`; a digital twin unless one is wired in.

Driver. `FresnelDevice(driver=...)` takes any `QPUDriver`; without one it builds the driver
named by `TWEEZER_QPU_DRIVER` ("package.module:factory", a callable returning a `QPUDriver`),
else a `qpu.DigitalTwinDriver` (a noisy emu-sv emulation of FRESNEL). `describe()` says which:
kind QPU, `twin` true for the twin, the driver's status (UP, DOWN, MAINTENANCE).

Specs are the driver's (`QPUDriver.specs()`, named FRESNEL); for the twin, pulser's AnalogDevice
standing for FRESNEL, limited to the 12 atoms it emulates (see `fresnel_specs`).

Validation is always strict, against those specs: the sequence must switch to the device with
`strict=True`, its register must come from a calibrated layout, the atom count is within
`max_atom_num`, `runs` within `max_runs`, every job builds on it. Configuration:
`strict_validation` (accepted, always in force), `result_types` ("counter", "run", "raw",
"sample": the shots, always returned; "expectation" is refused: a QPU measures bitstrings);
other keys pass through as on the emulators. A `backend_configuration` (an emulation config) is
refused: FRESNEL is not an emulator.

A job. `run` checks the device is UP (else `DeviceUnavailable`: the job did not start and may be
tried later), builds the job's concrete sequence on the specs, submits it, polls its status
(every `poll_interval_s`, doubling up to `max_poll_interval_s`) until it ends, and cancels it on
the machine if the worker is interrupted meanwhile. DONE gives the result; ERROR and CANCELED a
`RunFailed` with the machine's sentence. The result's metadata carries the driver's (the twin's:
{"executed_on": "digital-twin", "twin_of": "FRESNEL", ...}; a driver that does not say is taken
for hardware, "executed_on": "qpu") and `submission_id`. `serialised_results` is pulser's own
`Results` of the final bitstrings.
"""

from __future__ import annotations

import collections
import importlib
import itertools
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pulser

from tweezer.devices.base import (
    Device,
    DeviceInfo,
    DeviceKind,
    DeviceStatus,
    DeviceUnavailable,
    InvalidInput,
    JobRequest,
    JobResult,
    PreparedBatch,
    RunFailed,
)
from tweezer.devices.emulators import TorchConfiguration, serialise_results
from tweezer.devices.fresnel_specs import strict_sequence
from tweezer.devices.options import (
    SHOT_RESULT_TYPES,
    check_keys,
    check_seed,
    flag,
    parse_result_types,
)
from tweezer.devices.qpu import DigitalTwinDriver, QPUDriver, QPUJobStatus
from tweezer.devices.sequences import (
    build_job,
    check_job,
    check_jobs,
    distinct_builds,
    job_error,
    measurement_basis,
    parse_sequence,
    register_size,
)
from tweezer.enums import DeviceTypeName

__all__ = ["DRIVER_ENV", "FresnelDevice", "FresnelPreparedBatch", "default_driver"]

DRIVER_ENV = "TWEEZER_QPU_DRIVER"
CONFIGURATION_KEYS = ("strict_validation", "result_types")


def default_driver() -> QPUDriver:
    """The driver `TWEEZER_QPU_DRIVER` names, else the digital twin."""
    target = os.environ.get(DRIVER_ENV, "").strip()
    if not target:
        return DigitalTwinDriver()
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise ValueError(f"{DRIVER_ENV} must read 'package.module:factory', got {target!r}")
    driver = getattr(importlib.import_module(module_name), attribute)()
    if not isinstance(driver, QPUDriver):
        raise TypeError(f"{DRIVER_ENV}={target} made a {type(driver).__name__}, not a QPUDriver")
    return driver


class FresnelPreparedBatch(PreparedBatch):
    """A FRESNEL batch parsed once, in the worker that runs its jobs."""

    device_type = DeviceTypeName.FRESNEL.value

    def __init__(
        self,
        sequence: pulser.Sequence,
        on_device: pulser.Sequence,
        basis: str,
        configuration: TorchConfiguration,
    ) -> None:
        #: the sequence as sent, against which jobs are checked.
        self.sequence = sequence
        #: the same on the driver's specs, which the jobs are built from.
        self.on_device = on_device
        self.basis = basis
        self.configuration = configuration


class FresnelDevice(Device):
    """FRESNEL through a `QPUDriver`; see the module docstring."""

    device_type = DeviceTypeName.FRESNEL.value

    def __init__(
        self,
        driver: QPUDriver | None = None,
        *,
        poll_interval_s: float = 1.0,
        max_poll_interval_s: float = 10.0,
        max_validation_builds: int | None = None,
    ) -> None:
        self.driver = driver if driver is not None else default_driver()
        self.poll_interval_s = poll_interval_s
        self.max_poll_interval_s = max_poll_interval_s
        self.max_validation_builds = max_validation_builds

    # -- specs and description ------------------------------------------------------------------

    def specs(self) -> str:
        return self.driver.specs().to_abstract_repr()

    def describe(self) -> DeviceInfo:
        specs = self.driver.specs()
        try:
            status = DeviceStatus(self.driver.device_status())
            reason = self.driver.status_reason()
        except Exception as exc:  # an unreachable machine is DOWN, not a failed listing
            status, reason = DeviceStatus.DOWN, f"its driver did not answer: {exc}"
        return DeviceInfo(
            device_type=self.device_type,
            kind=DeviceKind.QPU,
            status=status,
            twin=bool(self.driver.is_twin),
            max_atoms=int(specs.max_atom_num or 0),
            max_runs=int(specs.max_runs or 0),
            engine=self.driver.description(),
            status_reason=None if status is DeviceStatus.UP else reason,
        )

    # -- validation -----------------------------------------------------------------------------

    def parse_configuration(self, configuration: Mapping[str, Any] | None) -> TorchConfiguration:
        mapping, passed = check_keys(
            configuration, device_type=self.device_type, keys=CONFIGURATION_KEYS
        )
        flag(mapping, "strict_validation")  # checked; FRESNEL is always strict
        return TorchConfiguration(
            strict_validation=True,
            result_types=parse_result_types(
                mapping.get("result_types"),
                device_type=self.device_type,
                allowed=SHOT_RESULT_TYPES,
                why="a QPU measures bitstrings",
            ),
            passed_through=passed,
        )

    def _check_backend_configuration(self, backend_configuration: str | None) -> None:
        if backend_configuration is not None and (
            not isinstance(backend_configuration, str) or backend_configuration.strip()
        ):
            raise InvalidInput(
                "FRESNEL is a QPU and takes no backend_configuration (an emulation config); "
                "remove it, or send the batch to an emulator such as EMU_FRESNEL."
            )

    def validate_batch(
        self,
        sequence_json: str,
        jobs: Sequence[JobRequest],
        configuration: Mapping[str, Any] | None,
        backend_configuration: str | None = None,
    ) -> None:
        self.parse_configuration(configuration)
        self._check_backend_configuration(backend_configuration)
        seq = parse_sequence(sequence_json)
        measurement_basis(seq)
        specs = self.driver.specs()
        if not seq.is_register_mappable():
            self._check_atoms(register_size(seq), None, specs)
        on_device = strict_sequence(seq, specs, prefix="")
        checked = check_jobs(seq, jobs, max_runs=int(specs.max_runs or 1))
        for job in checked:
            self._check_atoms(register_size(seq, job.variables), job.index, specs)
        builds = distinct_builds(on_device, checked)
        if self.max_validation_builds is not None:
            builds = itertools.islice(builds, self.max_validation_builds)
        for _ in builds:
            pass

    def _check_atoms(self, n_atoms: int, index: int | None, specs: pulser.devices.Device) -> None:
        limit = specs.max_atom_num
        if limit is not None and n_atoms > limit:
            raise job_error(
                index, f"the register has {n_atoms} atoms; {specs.name} takes at most {limit}."
            )

    # -- running --------------------------------------------------------------------------------

    def prepare(
        self,
        sequence_json: str,
        configuration: Mapping[str, Any] | None,
        backend_configuration: str | None = None,
    ) -> FresnelPreparedBatch:
        config = self.parse_configuration(configuration)
        self._check_backend_configuration(backend_configuration)
        seq = parse_sequence(sequence_json)
        basis = measurement_basis(seq)
        on_device = strict_sequence(seq, self.driver.specs(), prefix="")
        return FresnelPreparedBatch(seq, on_device, basis, config)

    def run(
        self,
        prepared: PreparedBatch,
        variables: Mapping[str, Any] | None,
        runs: int,
        *,
        seed: int | None = None,
    ) -> JobResult:
        if not isinstance(prepared, FresnelPreparedBatch):
            raise TypeError(f"FRESNEL runs batches it prepared, not {type(prepared).__name__}")
        check_seed(seed)
        specs = self.driver.specs()
        job = check_job(
            prepared.sequence,
            {"runs": runs, "variables": variables},
            max_runs=int(specs.max_runs or 1),
        )
        self._check_atoms(register_size(prepared.sequence, job.variables), None, specs)
        built = build_job(prepared.on_device, job.variables)

        status = DeviceStatus(self.driver.device_status())
        if status is not DeviceStatus.UP:
            reason = self.driver.status_reason()
            raise DeviceUnavailable(
                f"FRESNEL is {status}{f' ({reason})' if reason else ''}; the job did not start."
            )
        started = time.perf_counter()
        submission_id = self.driver.submit(built, job.runs, seed=seed)
        try:
            state = self._wait(submission_id)
        except BaseException:
            self.driver.cancel(submission_id)
            raise
        finally:
            elapsed = time.perf_counter() - started
        self.driver.release(submission_id)

        if state.status is QPUJobStatus.ERROR:
            raise RunFailed(state.error or "FRESNEL reported an error without saying why.")
        if state.status is QPUJobStatus.CANCELED:
            raise RunFailed("The job was canceled on FRESNEL before it ended.")
        raw = list(state.bitstrings or ())
        atom_order = [str(q) for q in (state.atom_order or built.register.qubit_ids)]
        if len(raw) != job.runs or any(len(bits) != len(atom_order) for bits in raw):
            raise RunFailed(
                f"FRESNEL returned {len(raw)} shots for {job.runs} runs, or bitstrings that do "
                f"not have one bit for each of the {len(atom_order)} atoms."
            )
        counter = dict(sorted(collections.Counter(raw).items()))
        duration = int(state.metadata.get("total_duration_ns", built.get_duration()))
        config = prepared.configuration
        metadata: dict[str, Any] = {
            "device_type": self.device_type,
            "executed_on": "qpu",
            **dict(state.metadata),
            "submission_id": submission_id,
            "atom_order": atom_order,
            "measurement_basis": prepared.basis,
            "total_duration_ns": duration,
            "seed": seed,
            "strict_validation": True,
            "result_types": None if config.result_types is None else list(config.result_types),
            "passed_through_configuration": list(config.passed_through),
            "elapsed_s": round(elapsed, 6),
        }
        return {
            "counter": counter,
            "raw": raw,
            "serialised_results": serialise_results(atom_order, duration, counter),
            "metadata": metadata,
        }

    def _wait(self, submission_id: str) -> Any:
        delay = self.poll_interval_s
        while True:
            state = self.driver.status(submission_id)
            if QPUJobStatus(state.status).ended:
                return state
            time.sleep(delay)
            delay = min(delay * 2, self.max_poll_interval_s)
