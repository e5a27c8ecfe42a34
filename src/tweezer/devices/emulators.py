"""What EMU_SV, EMU_MPS, EMU_TN and EMU_FRESNEL share: one `Device` over the torch engines.

Each of those device types is a `TorchEmulatorDevice` naming its engine (emu-sv or emu-mps, see
`torch_engine`), its configuration keys, its limits and, where it has one, its own noise. This
module does the rest, the same way for all of them:

Validation (before anything is stored): the configuration's keys and values (`options`), the
`backend_configuration` (a serialized pulser EmulationConfig, `torch_engine`), the sequence
(pulser abstract representation), the bases it addresses (the engine's only), every job's runs
and variables (`sequences`), the atom count of the register or of each job's mapped qubits,
`strict_validation` (the sequence must fit FRESNEL, `fresnel_specs`, and `runs` is capped by
FRESNEL's 2000), and every distinct job's concrete sequence (values pulser refuses are refused
here; `max_validation_builds` bounds that work), whose time steps (duration / dt) must number
at most `MAX_TIME_STEPS` (a tiny dt would exhaust the worker's memory).

A job. The concrete sequence runs on the pulser device it was built for (its channels, Rydberg
level and interaction coefficients), except on EMU_FRESNEL, which always runs it on FRESNEL's.
Noise comes from the backend_configuration's `noise_model` (or, with
`prefer_device_noise_model`, from the sequence's device) on EMU_SV, EMU_MPS and EMU_TN; from
FRESNEL's own noise on EMU_FRESNEL.

Result: {"counter", "raw", "serialised_results", "metadata"} and, when `result_types` has
"expectation", "expectation": {"occupation": [...]} (each atom's Rydberg population at the end of
the sequence, computed from the state, averaged over noise trajectories, without readout
errors). "counter", "run"/"raw" and "sample" name the shots, always returned. `serialised_results`
is pulser's own `Results.to_abstract_repr()`: the final bitstrings (and the occupation when
asked), so `Results.from_abstract_repr(...)` gives pulser users native objects.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
import json
import math
import os
import time
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, ClassVar

import pulser
from pulser.devices import MockDevice

from tweezer.devices.base import (
    Device,
    DeviceInfo,
    DeviceKind,
    DeviceStatus,
    InvalidInput,
    JobRequest,
    JobResult,
    PreparedBatch,
    RunFailed,
)
from tweezer.devices.fresnel_specs import STAND_IN, strict_sequence
from tweezer.devices.options import (
    SHOT_RESULT_TYPES,
    check_keys,
    check_seed,
    flag,
    parse_result_types,
)
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
from tweezer.devices.torch_engine import (
    ENGINE_BASES,
    TORCH_DEVICE_ENV,
    EmulationOptions,
    EngineRun,
    EngineSettings,
    emulate,
    engine_installed,
    engine_label,
    parse_emulation_config,
    run_failed,
)

__all__ = [
    "TorchConfiguration",
    "TorchEmulatorDevice",
    "TorchPreparedBatch",
    "serialise_results",
]

RESULT_TYPES = SHOT_RESULT_TYPES + ("expectation",)
#: emu-sv's and emu-mps's default time step (ns).
DEFAULT_DT = 10.0
#: Time steps a job may take (the engines hold a list of them; a tiny dt would exhaust memory).
MAX_TIME_STEPS = 100_000
_WHAT = {"emu-sv": "state vector", "emu-mps": "matrix product state"}


@dataclasses.dataclass(frozen=True)
class TorchConfiguration:
    """A batch's `configuration`, checked."""

    strict_validation: bool = False
    result_types: tuple[str, ...] | None = None
    #: keys accepted and ignored by this device.
    passed_through: tuple[str, ...] = ()
    #: engine options the configuration itself sets (EMU_TN's dt, precision, max_bond_dim).
    engine_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: those keys as the user gave them, for the result's metadata.
    given: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def expectation(self) -> bool:
        return bool(self.result_types and "expectation" in self.result_types)


class TorchPreparedBatch(PreparedBatch):
    """A parsed batch of a torch emulator, living in the worker that runs its jobs."""

    def __init__(
        self,
        device_type: str,
        sequence: pulser.Sequence,
        run_sequence: pulser.Sequence,
        basis: str,
        configuration: TorchConfiguration,
        options: EmulationOptions,
        settings: EngineSettings,
    ) -> None:
        self.device_type = device_type  # type: ignore[misc]
        #: the sequence as sent, against which jobs are checked.
        self.sequence = sequence
        #: the sequence the jobs run: `sequence`, or it on FRESNEL's device for EMU_FRESNEL.
        self.run_sequence = run_sequence
        self.basis = basis
        self.configuration = configuration
        self.options = options
        self.settings = settings


class TorchEmulatorDevice(Device):
    """A device type computed by emu-sv or emu-mps; subclasses set the class attributes."""

    device_type: ClassVar[str]
    #: `torch_engine.ENGINE_SV` or `ENGINE_MPS`.
    engine: ClassVar[str]
    default_max_atoms: ClassVar[int]
    default_max_runs: ClassVar[int] = 5000
    configuration_keys: ClassVar[tuple[str, ...]] = ("strict_validation", "result_types")
    #: engine options used when neither configuration nor backend_configuration sets them.
    engine_defaults: ClassVar[Mapping[str, Any]] = {}
    #: whether jobs run on the strict device (EMU_FRESNEL) rather than the sequence's own.
    runs_on_strict_device: ClassVar[bool] = False
    #: how a strict-validation refusal starts ("" where strictness is not an option).
    strict_prefix: ClassVar[str] = "strict_validation: "

    def __init__(
        self,
        *,
        max_atoms: int | None = None,
        max_runs: int | None = None,
        max_validation_builds: int | None = None,
    ) -> None:
        max_atoms = self.default_max_atoms if max_atoms is None else max_atoms
        max_runs = self.default_max_runs if max_runs is None else max_runs
        if max_atoms < 1 or max_runs < 1:
            raise ValueError("max_atoms and max_runs must be at least 1")
        self.max_atoms = int(max_atoms)
        self.max_runs = int(max_runs)
        self.max_validation_builds = max_validation_builds

    # -- what subclasses may change -------------------------------------------------------------

    def parse_configuration(self, configuration: Mapping[str, Any] | None) -> TorchConfiguration:
        """Check the batch's configuration; `InvalidInput` names the bad key."""
        mapping, passed = check_keys(
            configuration, device_type=self.device_type, keys=self.configuration_keys
        )
        engine_options, given = self._own_configuration(mapping)
        return TorchConfiguration(
            strict_validation=flag(mapping, "strict_validation"),
            result_types=parse_result_types(
                mapping.get("result_types"), device_type=self.device_type, allowed=RESULT_TYPES
            ),
            passed_through=passed,
            engine_options=engine_options,
            given=given,
        )

    def _own_configuration(
        self, configuration: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Engine options set by this device's own configuration keys, and those keys."""
        return {}, {}

    def _check_options(self, options: EmulationOptions) -> None:
        """Refuse what this device does not take from a backend_configuration."""

    def engine_settings(
        self, config: TorchConfiguration, options: EmulationOptions, seq: pulser.Sequence
    ) -> EngineSettings:
        """The engine, noise and options a job of this batch runs with."""
        noise = options.noise_model
        if options.prefer_device_noise_model:
            device_noise = getattr(seq.device, "noise_model", None)
            if device_noise is not None and device_noise.noise_types:
                noise = device_noise
        return EngineSettings(
            engine=self.engine,
            noise=noise,
            n_trajectories=options.n_trajectories or 1,
            with_modulation=options.with_modulation,
            options={**self.engine_defaults, **options.engine_options, **config.engine_options},
        )

    def strict_device(self, config: TorchConfiguration) -> pulser.devices.Device | None:
        """The device a strict validation checks against, or None when not strict."""
        return STAND_IN if config.strict_validation else None

    def atom_limit(self, settings: EngineSettings) -> int:
        """Most atoms a job with these settings may have (a density matrix: half as many)."""
        if settings.regime == "density matrix":
            return max(1, self.max_atoms // 2)
        return self.max_atoms

    def _extra_metadata(self, prepared: TorchPreparedBatch) -> dict[str, Any]:
        return {}

    # -- specs and description ------------------------------------------------------------------

    def specs(self) -> str:
        return self._specs

    @cached_property
    def _specs(self) -> str:
        return self.specs_device().to_abstract_repr()

    def specs_device(self) -> pulser.devices.Device | pulser.devices.VirtualDevice:
        """MockDevice with the channels of the bases this engine emulates, and these limits."""
        bases = ENGINE_BASES[self.engine]
        kept = [
            (cid, channel)
            for cid, channel in zip(
                MockDevice.channel_ids or (), MockDevice.channel_objects, strict=True
            )
            if channel.basis in bases
        ]
        return dataclasses.replace(
            MockDevice,
            name=self.device_type,
            max_atom_num=self.max_atoms,
            max_runs=self.max_runs,
            channel_ids=tuple(cid for cid, _ in kept),
            channel_objects=tuple(channel for _, channel in kept),
        )

    def describe(self) -> DeviceInfo:
        installed = engine_installed(self.engine)
        setting = os.environ.get(TORCH_DEVICE_ENV, "auto") or "auto"
        return DeviceInfo(
            device_type=self.device_type,
            kind=DeviceKind.EMULATOR,
            status=DeviceStatus.UP if installed else DeviceStatus.DOWN,
            twin=False,
            max_atoms=self.max_atoms,
            max_runs=self.max_runs,
            engine=f"{engine_label(self.engine)} ({_WHAT[self.engine]}; torch, "
            f"{TORCH_DEVICE_ENV}={setting})",
            status_reason=None if installed else f"{self.engine} is not installed on the server.",
        )

    # -- validation -----------------------------------------------------------------------------

    def validate_batch(
        self,
        sequence_json: str,
        jobs: Sequence[JobRequest],
        configuration: Mapping[str, Any] | None,
        backend_configuration: str | None = None,
    ) -> None:
        config = self.parse_configuration(configuration)
        options = parse_emulation_config(
            backend_configuration, device_type=self.device_type, engine=self.engine
        )
        self._check_options(options)
        seq = parse_sequence(sequence_json)
        self._check_bases(seq)
        settings = self.engine_settings(config, options, seq)
        limit = self.atom_limit(settings)
        strict_device = self.strict_device(config)
        max_runs = self._max_runs(strict_device)

        if not seq.is_register_mappable():
            self._check_atoms(register_size(seq), None, limit, settings)
        strict_seq = (
            strict_sequence(seq, strict_device, prefix=self.strict_prefix)
            if strict_device is not None
            else None
        )
        checked = check_jobs(seq, jobs, max_runs=max_runs)
        for job in checked:
            self._check_atoms(register_size(seq, job.variables), job.index, limit, settings)
        if not checked and not (seq.is_parametrized() or seq.is_register_mappable()):
            self._check_concrete(seq, None, settings)
        builds = distinct_builds(seq, checked)
        if self.max_validation_builds is not None:
            builds = itertools.islice(builds, self.max_validation_builds)
        for job, built in builds:
            self._check_concrete(built, job.index, settings)
            if strict_seq is not None and strict_device is not None:
                try:
                    build_job(strict_seq, job.variables)
                except InvalidInput as exc:
                    reason = exc.description[:1].lower() + exc.description[1:]
                    raise job_error(
                        job.index, f"{self.strict_prefix}on {strict_device.name}, {reason}"
                    ) from None

    def _max_runs(self, strict_device: pulser.devices.Device | None) -> int:
        if strict_device is not None and strict_device.max_runs:
            return min(self.max_runs, strict_device.max_runs)
        return self.max_runs

    def _check_bases(self, seq: pulser.Sequence) -> str:
        basis = measurement_basis(seq)
        supported = ENGINE_BASES[self.engine]
        used = set(seq.get_addressed_bases()) | {basis}
        other = sorted(used - supported)
        if other:
            raise InvalidInput(
                f"{self.device_type} emulates the {' and '.join(sorted(supported))} "
                f"basis only ({self.engine}); the sequence uses {', '.join(other)}. "
                "EMU_FREE emulates every basis."
            )
        return basis

    def _check_atoms(
        self, n_atoms: int, index: int | None, limit: int, settings: EngineSettings
    ) -> None:
        if n_atoms <= limit:
            return
        if settings.regime == "density matrix":
            why = (
                f"with noise that needs a density matrix (4^N numbers), {self.device_type} "
                f"emulates at most {limit} atoms (half its {self.max_atoms} for a state vector)"
            )
        else:
            why = f"{self.device_type} emulates at most {limit}"
        raise job_error(index, f"the register has {n_atoms} atoms; {why}. Use fewer atoms.")

    @staticmethod
    def _check_concrete(seq: pulser.Sequence, index: int | None, settings: EngineSettings) -> None:
        duration = seq.get_duration()
        if duration <= 0:
            raise job_error(
                index, "the sequence has no pulse or delay, so there is nothing to emulate."
            )
        dt = float(settings.effective_options().get("dt", DEFAULT_DT))
        if duration / dt > MAX_TIME_STEPS:
            raise job_error(
                index,
                f"the sequence lasts {duration} ns, {math.ceil(duration / dt)} time steps of "
                f"dt={dt:g} ns; at most {MAX_TIME_STEPS} are emulated. Use a larger dt.",
            )

    # -- running --------------------------------------------------------------------------------

    def prepare(
        self,
        sequence_json: str,
        configuration: Mapping[str, Any] | None,
        backend_configuration: str | None = None,
    ) -> TorchPreparedBatch:
        config = self.parse_configuration(configuration)
        options = parse_emulation_config(
            backend_configuration, device_type=self.device_type, engine=self.engine
        )
        self._check_options(options)
        seq = parse_sequence(sequence_json)
        basis = self._check_bases(seq)
        settings = self.engine_settings(config, options, seq)
        strict_device = self.strict_device(config)
        run_sequence = seq
        if strict_device is not None and self.runs_on_strict_device:
            run_sequence = strict_sequence(seq, strict_device, prefix=self.strict_prefix)
        return TorchPreparedBatch(
            self.device_type, seq, run_sequence, basis, config, options, settings
        )

    def run(
        self,
        prepared: PreparedBatch,
        variables: Mapping[str, Any] | None,
        runs: int,
        *,
        seed: int | None = None,
    ) -> JobResult:
        if not isinstance(prepared, TorchPreparedBatch) or (
            prepared.device_type != self.device_type
        ):
            raise TypeError(
                f"{self.device_type} runs batches it prepared, not {type(prepared).__name__}"
            )
        check_seed(seed)
        config = prepared.configuration
        settings = prepared.settings
        job = check_job(
            prepared.sequence,
            {"runs": runs, "variables": variables},
            max_runs=self._max_runs(self.strict_device(config)),
        )
        n_atoms = register_size(prepared.sequence, job.variables)
        self._check_atoms(n_atoms, None, self.atom_limit(settings), settings)
        built = build_job(prepared.run_sequence, job.variables)
        self._check_concrete(built, None, settings)

        started = time.perf_counter()
        try:
            outcome = emulate(settings, built, job.runs, seed=seed, occupation=config.expectation)
        except (InvalidInput, RunFailed):
            raise
        except Exception as exc:
            raise run_failed(self.device_type, exc, n_atoms) from exc
        elapsed = time.perf_counter() - started
        return self._result(prepared, outcome, seed, elapsed)

    def _result(
        self, prepared: TorchPreparedBatch, outcome: EngineRun, seed: int | None, elapsed: float
    ) -> JobResult:
        config = prepared.configuration
        settings = prepared.settings
        counter = dict(sorted(collections.Counter(outcome.raw).items()))
        metadata: dict[str, Any] = {
            "device_type": self.device_type,
            "engine": outcome.engine,
            "torch_device": outcome.torch_device,
            "atom_order": outcome.atom_order,
            "measurement_basis": prepared.basis,
            "total_duration_ns": outcome.duration_ns,
            "noise": (
                None if settings.noise is None else json.loads(settings.noise.to_abstract_repr())
            ),
            "noise_regime": outcome.regime,
            "n_trajectories": outcome.n_trajectories,
            "with_modulation": settings.with_modulation,
            "engine_options": _jsonable(settings.effective_options()),
            "seed": seed,
            "strict_validation": self.strict_device(config) is not None,
            "result_types": None if config.result_types is None else list(config.result_types),
            "passed_through_configuration": list(config.passed_through),
            "ignored_backend_options": list(prepared.options.ignored),
            "elapsed_s": round(elapsed, 6),
        }
        if outcome.padded_with is not None:
            metadata["padded_with"] = outcome.padded_with
            metadata["one_atom"] = (
                f"{outcome.engine} needs two atoms or more: the job ran with an idle atom "
                "1 mm away, whose bit is dropped from every shot."
            )
        metadata.update(self._extra_metadata(prepared))
        result: JobResult = {
            "counter": counter,
            "raw": outcome.raw,
            "serialised_results": serialise_results(
                outcome.atom_order, outcome.duration_ns, counter, outcome.occupation
            ),
            "metadata": metadata,
        }
        if outcome.occupation is not None:
            result["expectation"] = {"occupation": outcome.occupation}
        return result


def serialise_results(
    atom_order: Sequence[str],
    duration_ns: int,
    counter: Mapping[str, int],
    occupation: Sequence[float] | None = None,
) -> str:
    """pulser's own serialization of a job's result: a `pulser.backend.Results`."""
    from pulser.backend.default_observables import Occupation
    from pulser.backend.results import Results

    results = Results.from_final_bitstrings(list(atom_order), int(duration_ns), counter)
    if occupation is not None:
        # Should a later pulser change its private store, the shots are still there.
        with contextlib.suppress(Exception):
            results._store(
                observable=Occupation(evaluation_times=[1.0]), time=1.0, value=list(occupation)
            )
    return results.to_abstract_repr()


def _jsonable(options: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in options.items():
        value = getattr(value, "value", value)  # enums (emu's Solver)
        out[key] = value if isinstance(value, (bool, int, float, str, type(None))) else str(value)
    return out
