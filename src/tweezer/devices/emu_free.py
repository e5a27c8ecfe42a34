"""EMU_FREE: exact state-vector emulation of a pulser sequence with pulser-simulation (QuTiP).

Engine. `pulser_simulation.QutipBackendV2` (the non-deprecated backend of pulser-simulation 1.9)
evolves the sequence from every atom in the ground state and shots are drawn from the final
state by pulser's own sampler (`QutipState.sample`). Bitstrings list the atoms in the register's
order (`Results.atom_order`; for a mappable register, the qubit ids the job maps, in the
register's order); '1' is the Rydberg state in the ground-rydberg basis, 'h' in the digital
basis and 'd' in the XY basis, as pulser measures them. A sequence runs on the pulser device it
was built for (MockDevice, DigitalAnalogDevice, AnalogDevice or any other), so its channels,
Rydberg level and interaction coefficients are the ones its author chose.

Cost. Without noise a job costs one simulation; the final state is cached per distinct set of
variables in the prepared batch, so jobs repeating the same values only draw new shots. With
SPAM noise every shot is its own noise trajectory (pulser draws which atoms are badly prepared,
and simulates each distinct pattern once), so the shots follow pulser's noise model exactly; the
cost grows with `runs` (about 6 s for 12 atoms and 1000 shots on one CPU core).

Configuration (the batch's `configuration` object):
- `with_noise` (bool, default false): adds SPAM noise with pulser's `NoiseModel`:
  `state_prep_error=0.005`, `p_false_pos=0.01`, `p_false_neg=0.05`: pulser's own long-standing
  SPAM defaults, typical of FRESNEL (atoms missing after preparation about 0.5% of the time,
  false positives 1%, false negatives 5%). A server may give another set to `EmuFreeDevice`.
- `strict_validation` (bool, default false): validates as for the FRESNEL QPU, with
  `pulser.devices.AnalogDevice` standing for FRESNEL's specs: the sequence must switch to that
  device strictly (same channels, Rydberg level...), its register must come from a layout the
  device has calibrated, every job must build on it, and `runs` is capped by its `max_runs`.
- `result_types` (null or a list): "counter", "run", "raw" and "sample" are accepted; EMU_FREE
  always returns both the counter and the raw shots, so the choice changes nothing.
  "expectation" and anything else is refused (EMU_FREE samples bitstrings only).
- Other keys pass through, as Pasqal Cloud documents ("other keys pass through"): pasqal-cloud
  flattens a user's `extra_config` into this object and pulser-pasqal puts leftover backend
  options there, so refusing them would break clients. They are accepted, ignored by this
  engine, and listed in the result's metadata (`passed_through_configuration`). One exception:
  a key so close to a known key that it is almost surely a typo (e.g. "with_nosie") is refused
  with a sentence naming the known keys, because silently ignoring it would run without the
  noise the user asked for.

`backend_configuration` (optional string): a pulser `EmulationConfig` abstract representation, as
newer pulser releases send. EMU_FREE honours its `noise_model` (any noise pulser-simulation
supports), `n_trajectories` (as pulser does: the config's value, which pulser defaults to 1, or
40 with `prefer_device_noise_model`; shots are spread evenly over the trajectories),
`with_modulation` and `prefer_device_noise_model`; its observables and evaluation times are
ignored (EMU_FREE returns final bitstrings). An `initial_state` or `interaction_matrix` is
refused, and so is a noise model given there together with `with_noise`.

Limits. At most `max_atoms` atoms (default 12: a state vector of 2^12 amplitudes) and
`max_runs` shots per job (default 5000); both are constructor arguments.

Validation builds every job's concrete sequence (once per distinct set of variables) so that
values pulser refuses (a negative duration, an amplitude over the channel's maximum...) are
refused before anything is stored; that costs about 0.8 ms per distinct job (8 s for 10,000
distinct jobs). `max_validation_builds` bounds it; jobs past the bound are still checked for
names, types and sizes, and a value pulser refuses then fails that job when it runs.

Result. {"counter", "raw", "serialised_results", "metadata"}: `serialised_results` is pulser's
own serialization of its result object, `pulser.backend.Results.to_abstract_repr()` of a
`Results` holding the final bitstrings (`Results.from_final_bitstrings`), so
`Results.from_abstract_repr(...)` gives it back to a pulser user.

Seeds. pulser draws from NumPy's global generator; `run(..., seed=n)` seeds it for the job (and
restores the previous state after), so a seeded job gives the same shots every time.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import importlib.metadata
import itertools
import json
import math
import numbers
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pulser
from pulser.devices import MockDevice
from pulser.noise_model import NoiseModel

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
    BACKEND_CONFIGURATION,
    SHOT_RESULT_TYPES,
    check_keys,
    check_seed,
    flag,
    load_emulation_config,
    parse_result_types,
)
from tweezer.devices.sequences import (
    CheckedJob,
    build_job,
    check_job,
    check_jobs,
    distinct_builds,
    job_error,
    measurement_basis,
    parse_sequence,
    register_size,
    short_reason,
)
from tweezer.enums import DeviceTypeName

__all__ = [
    "CONFIGURATION_KEYS",
    "DEFAULT_MAX_ATOMS",
    "DEFAULT_MAX_RUNS",
    "DEFAULT_SPAM",
    "RESULT_TYPES",
    "STRICT_DEVICE",
    "EmuFreeConfiguration",
    "EmuFreeDevice",
    "EmuFreePreparedBatch",
    "parse_backend_configuration",
    "parse_configuration",
]

DEFAULT_MAX_ATOMS = 12
DEFAULT_MAX_RUNS = 5000
#: SPAM parameters of `with_noise`: pulser's own SPAM defaults, typical of FRESNEL.
DEFAULT_SPAM: Mapping[str, float] = {
    "state_prep_error": 0.005,
    "p_false_pos": 0.01,
    "p_false_neg": 0.05,
}
CONFIGURATION_KEYS = ("with_noise", "strict_validation", "result_types")
RESULT_TYPES = SHOT_RESULT_TYPES
#: The device `strict_validation` checks against: pulser's stand-in for FRESNEL.
STRICT_DEVICE = STAND_IN
#: The eigenstate read as '1', by measurement basis (pulser's convention).
_ONE_STATE = {"ground-rydberg": "r", "digital": "h", "XY": "d"}
#: Final states kept per prepared batch (12 atoms: 64 KiB each; 3-level: 8 MiB each).
_STATE_CACHE_SIZE = 8


# ---------------------------------------------------------------------------------------------
# Configuration


@dataclasses.dataclass(frozen=True)
class EmuFreeConfiguration:
    """The batch's `configuration`, checked."""

    with_noise: bool = False
    strict_validation: bool = False
    result_types: tuple[str, ...] | None = None
    #: keys accepted and ignored by this engine.
    passed_through: tuple[str, ...] = ()


def parse_configuration(configuration: Mapping[str, Any] | None) -> EmuFreeConfiguration:
    """Check EMU_FREE's configuration; raise `InvalidInput` naming the bad key."""
    mapping, passed = check_keys(
        configuration, device_type=DeviceTypeName.EMU_FREE.value, keys=CONFIGURATION_KEYS
    )
    return EmuFreeConfiguration(
        with_noise=flag(mapping, "with_noise"),
        strict_validation=flag(mapping, "strict_validation"),
        result_types=parse_result_types(
            mapping.get("result_types"),
            device_type=DeviceTypeName.EMU_FREE.value,
            allowed=RESULT_TYPES,
            why="which samples bitstrings",
        ),
        passed_through=passed,
    )


@dataclasses.dataclass(frozen=True)
class BackendOptions:
    """What EMU_FREE honours from a `backend_configuration` (a pulser EmulationConfig)."""

    noise_model: NoiseModel | None = None
    n_trajectories: int | None = None
    with_modulation: bool = False
    prefer_device_noise_model: bool = False


def parse_backend_configuration(text: str | None) -> BackendOptions:
    """Parse a pulser EmulationConfig abstract representation; keep what EMU_FREE honours."""
    config = load_emulation_config(text, DeviceTypeName.EMU_FREE.value)
    if config is None:
        return BackendOptions()
    prefix = BACKEND_CONFIGURATION
    n_trajectories = getattr(config, "n_trajectories", None)
    if n_trajectories is not None and (
        isinstance(n_trajectories, bool)
        or not isinstance(n_trajectories, numbers.Integral)
        or n_trajectories < 1
    ):
        raise InvalidInput(prefix + f"has n_trajectories={n_trajectories!r}; it must be >= 1.")
    noise_model = getattr(config, "noise_model", None)
    return BackendOptions(
        noise_model=noise_model if noise_model is not None and noise_model.noise_types else None,
        n_trajectories=None if n_trajectories is None else int(n_trajectories),
        with_modulation=bool(getattr(config, "with_modulation", False)),
        prefer_device_noise_model=bool(getattr(config, "prefer_device_noise_model", False)),
    )


# ---------------------------------------------------------------------------------------------
# The prepared batch


class EmuFreePreparedBatch(PreparedBatch):
    """A parsed EMU_FREE batch, living in the worker that runs its jobs."""

    device_type = DeviceTypeName.EMU_FREE.value

    def __init__(
        self,
        sequence: pulser.Sequence,
        basis: str,
        configuration: EmuFreeConfiguration,
        options: BackendOptions,
        noise_model: NoiseModel | None,
    ) -> None:
        self.sequence = sequence
        self.basis = basis
        self.configuration = configuration
        self.options = options
        #: the noise the jobs run with; None when noiseless.
        self.noise_model = noise_model
        self._states: collections.OrderedDict[str, tuple[Any, int]] = collections.OrderedDict()

    def cached_state(self, key: str) -> tuple[Any, int] | None:
        found = self._states.get(key)
        if found is not None:
            self._states.move_to_end(key)
        return found

    def remember_state(self, key: str, state: Any, duration: int) -> None:
        self._states[key] = (state, duration)
        self._states.move_to_end(key)
        while len(self._states) > _STATE_CACHE_SIZE:
            self._states.popitem(last=False)


# ---------------------------------------------------------------------------------------------
# The device


class EmuFreeDevice(Device):
    """EMU_FREE on pulser-simulation; see the module docstring for what it accepts."""

    device_type = DeviceTypeName.EMU_FREE.value

    def __init__(
        self,
        *,
        max_atoms: int = DEFAULT_MAX_ATOMS,
        max_runs: int = DEFAULT_MAX_RUNS,
        spam: Mapping[str, float] = DEFAULT_SPAM,
        max_validation_builds: int | None = None,
    ) -> None:
        if max_atoms < 1 or max_runs < 1:
            raise ValueError("max_atoms and max_runs must be at least 1")
        self.max_atoms = int(max_atoms)
        self.max_runs = int(max_runs)
        self.max_validation_builds = max_validation_builds
        self.spam = dict(spam)
        NoiseModel(**self.spam)  # fail at start-up, not on the first noisy job

    # -- specs --------------------------------------------------------------------------------

    def specs(self) -> str:
        return self._specs

    @cached_property
    def _specs(self) -> str:
        # MockDevice has every channel and basis pulser offers; EMU_FREE states its own limits.
        device = dataclasses.replace(
            MockDevice, name=self.device_type, max_atom_num=self.max_atoms, max_runs=self.max_runs
        )
        return device.to_abstract_repr()

    def describe(self) -> DeviceInfo:
        try:
            version = importlib.metadata.version("pulser-simulation")
        except importlib.metadata.PackageNotFoundError:
            version = None
        return DeviceInfo(
            device_type=self.device_type,
            kind=DeviceKind.EMULATOR,
            status=DeviceStatus.UP if version else DeviceStatus.DOWN,
            twin=False,
            max_atoms=self.max_atoms,
            max_runs=self.max_runs,
            engine=f"pulser-simulation {version or '(not installed)'} (QutipBackendV2, CPU)",
            status_reason=None if version else "pulser-simulation is not installed on the server.",
        )

    # -- validation ---------------------------------------------------------------------------

    def validate_batch(
        self,
        sequence_json: str,
        jobs: Sequence[JobRequest],
        configuration: Mapping[str, Any] | None,
        backend_configuration: str | None = None,
    ) -> None:
        config = parse_configuration(configuration)
        options = parse_backend_configuration(backend_configuration)
        self._noise_model(config, options, device=None)  # refuses conflicting noise
        seq = parse_sequence(sequence_json)
        measurement_basis(seq)

        max_runs = self.max_runs
        strict_seq = None
        if config.strict_validation:
            strict_seq = _strict_sequence(seq)
            max_runs = min(max_runs, STRICT_DEVICE.max_runs or max_runs)
        checked = check_jobs(seq, jobs, max_runs=max_runs)

        if not seq.is_register_mappable():
            self._check_atoms(register_size(seq), None)
        for job in checked:
            self._check_atoms(register_size(seq, job.variables), job.index)
        if not checked and not (seq.is_parametrized() or seq.is_register_mappable()):
            self._check_concrete(seq, None)
        builds = distinct_builds(seq, checked)
        if self.max_validation_builds is not None:
            builds = itertools.islice(builds, self.max_validation_builds)
        for job, built in builds:
            self._check_concrete(built, job.index)
            if strict_seq is not None:
                try:
                    build_job(strict_seq, job.variables)
                except InvalidInput as exc:
                    reason = exc.description[:1].lower() + exc.description[1:]
                    raise job_error(
                        job.index,
                        f"strict_validation: on {STRICT_DEVICE.name}, which stands for "
                        f"FRESNEL, {reason}",
                    ) from None

    def _check_atoms(self, n_atoms: int, index: int | None) -> None:
        if n_atoms > self.max_atoms:
            raise job_error(
                index,
                f"the register has {n_atoms} atoms; EMU_FREE simulates at most "
                f"{self.max_atoms} (its state vector doubles with each atom). "
                "Use fewer atoms or a tensor-network emulator.",
            )

    @staticmethod
    def _check_concrete(seq: pulser.Sequence, index: int | None) -> None:
        if seq.get_duration() <= 0:
            raise job_error(
                index, "the sequence has no pulse or delay, so there is nothing to emulate."
            )

    def _noise_model(
        self,
        config: EmuFreeConfiguration,
        options: BackendOptions,
        device: Any,
    ) -> NoiseModel | None:
        if config.with_noise and options.noise_model is not None:
            raise InvalidInput(
                "Noise is asked for twice: configuration with_noise=true and a noise model in "
                "backend_configuration. Keep one of them."
            )
        if options.prefer_device_noise_model and device is not None:
            device_noise = getattr(device, "noise_model", None)
            if device_noise is not None and device_noise.noise_types:
                return device_noise
        if options.noise_model is not None:
            return options.noise_model
        if config.with_noise:
            return NoiseModel(**self.spam)
        return None

    # -- running ------------------------------------------------------------------------------

    def prepare(
        self,
        sequence_json: str,
        configuration: Mapping[str, Any] | None,
        backend_configuration: str | None = None,
    ) -> EmuFreePreparedBatch:
        config = parse_configuration(configuration)
        options = parse_backend_configuration(backend_configuration)
        seq = parse_sequence(sequence_json)
        basis = measurement_basis(seq)
        noise = self._noise_model(config, options, device=seq.device)
        return EmuFreePreparedBatch(seq, basis, config, options, noise)

    def run(
        self,
        prepared: PreparedBatch,
        variables: Mapping[str, Any] | None,
        runs: int,
        *,
        seed: int | None = None,
    ) -> JobResult:
        if not isinstance(prepared, EmuFreePreparedBatch):
            raise TypeError(f"EMU_FREE runs batches it prepared, not {type(prepared).__name__}")
        check_seed(seed)
        seq = prepared.sequence
        max_runs = self.max_runs
        if prepared.configuration.strict_validation:
            max_runs = min(max_runs, STRICT_DEVICE.max_runs or max_runs)
        job = check_job(seq, {"runs": runs, "variables": variables}, max_runs=max_runs)
        self._check_atoms(register_size(seq, job.variables), None)
        built = build_job(seq, job.variables)
        self._check_concrete(built, None)

        started = time.perf_counter()
        try:
            with warnings.catch_warnings(), _numpy_seed(seed) as rng:
                warnings.simplefilter("ignore")
                raw, duration, n_trajectories = _emulate(
                    prepared, job, built, rng, seeded=seed is not None
                )
        except (InvalidInput, RunFailed):
            raise
        except Exception as exc:
            raise RunFailed(
                f"EMU_FREE could not emulate the sequence: {short_reason(exc)}"
            ) from exc
        elapsed = time.perf_counter() - started

        atom_order = [str(q) for q in built.register.qubit_ids]
        counter = dict(sorted(collections.Counter(raw).items()))
        return {
            "counter": counter,
            "raw": raw,
            "serialised_results": _serialise(atom_order, duration, counter),
            "metadata": {
                "device_type": self.device_type,
                "engine": _engine_name(),
                "atom_order": atom_order,
                "measurement_basis": prepared.basis,
                "total_duration_ns": int(duration),
                "noise": (
                    None
                    if prepared.noise_model is None
                    else json.loads(prepared.noise_model.to_abstract_repr())
                ),
                "n_trajectories": n_trajectories,
                "seed": seed,
                "strict_validation": prepared.configuration.strict_validation,
                "result_types": (
                    None
                    if prepared.configuration.result_types is None
                    else list(prepared.configuration.result_types)
                ),
                "passed_through_configuration": list(prepared.configuration.passed_through),
                "elapsed_s": round(elapsed, 6),
            },
        }


# ---------------------------------------------------------------------------------------------
# Engine


def _emulate(
    prepared: EmuFreePreparedBatch,
    job: CheckedJob,
    built: pulser.Sequence,
    rng: np.random.Generator,
    *,
    seeded: bool,
) -> tuple[list[str], int, int | None]:
    """`job.runs` shots of `built`, in draw order; the duration (ns); trajectories used."""
    from pulser.backend.default_observables import BitStrings, StateResult
    from pulser_simulation import QutipBackendV2, QutipConfig

    noise = prepared.noise_model
    one_state = _ONE_STATE.get(prepared.basis)
    options = prepared.options

    if noise is None or not _is_stochastic(noise):
        cached = prepared.cached_state(job.key)
        if cached is None:
            config = QutipConfig(
                observables=[StateResult(evaluation_times=[1.0])],
                default_evaluation_times=[1.0],
                noise_model=noise or NoiseModel(),
                with_modulation=options.with_modulation,
            )
            results = QutipBackendV2(built, config=config).run()
            cached = (results.final_state, int(results.total_duration))
            prepared.remember_state(job.key, *cached)
        state, duration = cached
        if seeded:
            # The simulation may have drawn from NumPy's global generator (pulser draws noise
            # trajectories even for a noiseless model) or been skipped (cached): draw the shots
            # from a state that depends on the seed alone.
            np.random.seed(int(rng.integers(0, 2**32)))
        spam = noise is not None and "SPAM" in noise.noise_types
        counts = state.sample(
            num_shots=job.runs,
            one_state=one_state,
            p_false_pos=noise.p_false_pos if spam else 0.0,
            p_false_neg=noise.p_false_neg if spam else 0.0,
        )
        raw = [bits for bits, n in counts.items() for _ in range(n)]
        order = rng.permutation(len(raw))
        return [raw[i] for i in order], duration, None

    # Stochastic noise (state preparation errors...): pulser draws a noise trajectory per
    # shot by default and simulates each distinct one once.
    n_trajectories = options.n_trajectories or job.runs
    shots_per_trajectory = math.ceil(job.runs / n_trajectories)
    config = QutipConfig(
        observables=[
            BitStrings(evaluation_times=[1.0], num_shots=shots_per_trajectory, one_state=one_state)
        ],
        default_evaluation_times=[1.0],
        noise_model=noise,
        n_trajectories=n_trajectories,
        with_modulation=options.with_modulation,
    )
    results = QutipBackendV2(built, config=config).run()
    bag = [bits for bits, n in results.final_bitstrings.items() for _ in range(n)]
    chosen = rng.choice(len(bag), size=job.runs, replace=False)
    return [bag[i] for i in chosen], int(results.total_duration), n_trajectories


def _is_stochastic(noise: NoiseModel) -> bool:
    """Whether the noise changes from shot to shot (so it needs trajectories)."""
    try:
        from pulser_simulation.simulation import _has_stochastic_noise
    except ImportError:  # pragma: no cover - a later pulser moved it; decide ourselves
        deterministic = {
            "SPAM",
            "relaxation",
            "dephasing",
            "depolarizing",
            "eff_noise",
            "leakage",
            "dmm_crosstalk",
        }
        return bool(set(noise.noise_types) - deterministic) or (
            "SPAM" in noise.noise_types and noise.state_prep_error != 0
        )
    return bool(_has_stochastic_noise(noise))


def _strict_sequence(seq: pulser.Sequence) -> pulser.Sequence:
    """`seq` moved onto the FRESNEL stand-in, as a QPU submission would be checked."""
    return strict_sequence(seq, STRICT_DEVICE)


@contextlib.contextmanager
def _numpy_seed(seed: int | None) -> Iterator[np.random.Generator]:
    """Seed NumPy's global generator (which pulser draws from) for the duration of a job."""
    if seed is None:
        yield np.random.default_rng()
        return
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield np.random.default_rng(seed)
    finally:
        np.random.set_state(saved)


def _serialise(atom_order: list[str], duration: int, counter: Mapping[str, int]) -> str | None:
    """pulser's own serialization of the job's result (a `pulser.backend.Results`)."""
    from pulser.backend.results import Results

    results = Results.from_final_bitstrings(atom_order, int(duration), counter)
    return results.to_abstract_repr()


def _engine_name() -> str:
    import pulser_simulation

    return f"pulser-simulation {pulser_simulation.__version__} (QutipBackendV2)"
