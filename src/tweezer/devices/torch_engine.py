"""The torch emulators, emu-sv and emu-mps, behind one function: `emulate`.

Engines. `emu_sv.SVBackend` evolves a state vector (or a density matrix, see below);
`emu_mps.MPSBackend` a matrix product state with TDVP. Both read a pulser sequence and a pulser
`EmulationConfig` subclass (`SVConfig`, `MPSConfig`), both return pulser `Results`. Bitstrings
list the atoms in the register's order (emu-mps reorders qubits internally and puts results back
in the register's order); '1' is the Rydberg state ('d' in the XY basis, emu-mps only).
emu-sv handles the ground-rydberg basis only; emu-mps also XY; neither the digital basis.

Where it runs. `TWEEZER_TORCH_DEVICE` = `auto` (default: CUDA when torch sees a GPU, else CPU),
`cpu` or `cuda` (a job fails with a sentence when no GPU is there). It is read when a job runs,
in the worker, and becomes the engines' `gpu` option.

Noise. The noise model decides how a job is computed (`noise_regime`):
- "noiseless", or "readout" (SPAM false positives/negatives only): one evolution, all shots
  drawn from the final state, readout errors applied per shot (pulser's `BitStrings`);
- "density matrix" (emu-sv, noise that is the same every shot: dephasing, relaxation,
  depolarizing...): one Lindblad evolution of the density matrix, 4^N numbers, so half as many
  atoms fit as for a state vector;
- "trajectories": noise that changes from shot to shot (state preparation errors, doppler,
  amplitude, register...), or any Lindblad noise on emu-mps (which uses quantum jumps): the
  engine evolves `n_trajectories` noise realisations (no more than `runs`); each gives
  ceil(runs / n) shots and `runs` of the pooled shots are kept, drawn without replacement.

One atom on emu-mps. emu-mps refuses registers of fewer than two atoms. A one-atom sequence is
moved onto a copy of its device without register limits and given a second, idle atom 1 mm away
(the interaction, C6/r^6, is then below 1e-11 rad/µs, and a Gaussian beam does not reach it);
its bit is dropped from every shot and from the occupations. Global pulses drive that atom too,
which changes nothing for the real one. The result's metadata says so (`padded_with`). Padding
keeps the engine and its options (dt, precision...) the user chose, and works in the XY basis,
where handing the atom to emu-sv would not.

Seeds. The engines draw from torch's generator (shots), Python's `random` (readout errors,
quantum jumps) and NumPy's global generator (pulser's noise trajectories); a seeded job seeds all
three for its duration and restores them afterwards.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import logging
import math
import os
import random
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pulser
from pulser.noise_model import NoiseModel

from tweezer.devices.base import RunFailed
from tweezer.devices.options import BACKEND_CONFIGURATION, load_emulation_config
from tweezer.devices.sequences import short_reason
from tweezer.domain.errors import InvalidInput

__all__ = [
    "ENGINE_MPS",
    "ENGINE_SV",
    "MPS_OPTIONS",
    "SV_OPTIONS",
    "TORCH_DEVICE_ENV",
    "EmulationOptions",
    "EngineRun",
    "EngineSettings",
    "check_engine_options",
    "emulate",
    "engine_installed",
    "engine_label",
    "noise_regime",
    "parse_emulation_config",
    "run_failed",
    "torch_device",
]

ENGINE_SV = "emu-sv"
ENGINE_MPS = "emu-mps"
TORCH_DEVICE_ENV = "TWEEZER_TORCH_DEVICE"
#: The bases each engine emulates.
ENGINE_BASES = {
    ENGINE_SV: frozenset({"ground-rydberg"}),
    ENGINE_MPS: frozenset({"ground-rydberg", "XY"}),
}
#: Options of each engine's config that a `backend_configuration` may set.
SV_OPTIONS = ("dt", "max_krylov_dim", "krylov_tolerance", "interaction_cutoff", "solver")
MPS_OPTIONS = (
    "dt",
    "precision",
    "max_bond_dim",
    "max_krylov_dim",
    "extra_krylov_tolerance",
    "optimize_qubit_ordering",
    "interaction_cutoff",
    "solver",
)
_ENGINE_OPTIONS = {ENGINE_SV: SV_OPTIONS, ENGINE_MPS: MPS_OPTIONS}
#: Defaults Tweezer sets where emu's differ. emu-mps's qubit reordering (bandwidth minimisation)
#: costs more than it saves on the small registers a CPU emulates (6 of 8.5 s on 4 atoms); a
#: backend_configuration that sets it (every serialized MPSConfig does) is honoured.
_TWEEZER_DEFAULTS = {ENGINE_SV: {}, ENGINE_MPS: {"optimize_qubit_ordering": False}}
#: Keys of an EmulationConfig that an emulator run here decides itself, silently: what to
#: observe (final bitstrings), logging and autosave files (no writes on the server), the GPU.
_DECIDED_HERE = frozenset(
    {
        "callbacks",
        "observables",
        "default_evaluation_times",
        "default_num_shots",
        "log_level",
        "log_file",
        "gpu",
        "num_gpus_to_use",
        "autosave_prefix",
        "autosave_dt",
    }
)
_GENERIC = frozenset(
    {
        "initial_state",
        "with_modulation",
        "interaction_matrix",
        "prefer_device_noise_model",
        "noise_model",
        "n_trajectories",
    }
)
#: Noise types emu solves without jump operators (pulser's, as emu_base lists them).
_NON_LINDBLADIAN = frozenset(
    {
        "SPAM",
        "doppler",
        "amplitude",
        "detuning",
        "register",
        "dmm_sigma",
        "dmm_crosstalk",
    }
)
#: Where the idle atom of a one-atom emu-mps job sits, from the real one (µm).
PAD_DISTANCE_UM = 1000.0
PAD_ID = "__tweezer_pad__"


# ---------------------------------------------------------------------------------------------
# Where to run


def torch_device() -> str:
    """The torch device from `TWEEZER_TORCH_DEVICE`, "cpu" or "cuda"; `RunFailed` if impossible."""
    value = os.environ.get(TORCH_DEVICE_ENV, "auto").strip().lower() or "auto"
    if value not in ("auto", "cpu", "cuda"):
        raise RunFailed(
            f"The worker's {TORCH_DEVICE_ENV} is {value!r}; it must be auto, cpu or cuda."
        )
    if value == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if value == "cuda":
        raise RunFailed(
            f"The worker has {TORCH_DEVICE_ENV}=cuda, but torch sees no CUDA device there."
        )
    return "cpu"


def engine_label(engine: str) -> str:
    """The engine and its version ("emu-sv 2.10.1"), without importing it (for the API)."""
    try:
        return f"{engine} {importlib.metadata.version(engine)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{engine} (not installed)"


def engine_installed(engine: str) -> bool:
    """Whether the engine's package is installed here."""
    try:
        importlib.metadata.version(engine)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# backend_configuration


@dataclasses.dataclass(frozen=True)
class EmulationOptions:
    """What a `backend_configuration` (a serialized pulser EmulationConfig) asks of an engine."""

    noise_model: NoiseModel | None = None
    #: None when no backend_configuration was given.
    n_trajectories: int | None = None
    with_modulation: bool = False
    prefer_device_noise_model: bool = False
    #: the engine's own options it sets (dt, precision...), checked.
    engine_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: options it sets that this engine does not have (e.g. "precision" on emu-sv).
    ignored: tuple[str, ...] = ()


def parse_emulation_config(text: str | None, *, device_type: str, engine: str) -> EmulationOptions:
    """Parse a pulser EmulationConfig abstract representation for `engine`."""
    config = load_emulation_config(text, device_type)
    if config is None:
        return EmulationOptions()
    prefix = BACKEND_CONFIGURATION
    options = dict(config._backend_options)
    own = _ENGINE_OPTIONS[engine]
    engine_options = {key: options[key] for key in own if key in options}
    ignored = sorted(
        key
        for key in options
        if key not in own and key not in _DECIDED_HERE and key not in _GENERIC
    )
    if "solver" in engine_options and _foreign_solver(engine, engine_options["solver"]):
        del engine_options["solver"]  # the other engine's (a serialized MPSConfig on emu-sv)
        ignored = sorted([*ignored, "solver"])
    engine_options = check_engine_options(engine, engine_options, prefix=prefix)
    noise = options.get("noise_model")
    return EmulationOptions(
        noise_model=noise if noise is not None and noise.noise_types else None,
        n_trajectories=int(options.get("n_trajectories") or 1),
        with_modulation=bool(options.get("with_modulation", False)),
        prefer_device_noise_model=bool(options.get("prefer_device_noise_model", False)),
        engine_options=engine_options,
        ignored=tuple(ignored),
    )


def check_engine_options(
    engine: str, options: Mapping[str, Any], *, prefix: str = "The backend_configuration "
) -> dict[str, Any]:
    """The engine's options, checked by building the engine's config with them (no GPU)."""
    clean = dict(options)
    dt = clean.get("dt")
    if dt is not None and (
        isinstance(dt, bool) or not isinstance(dt, (int, float)) or not math.isfinite(dt) or dt <= 0
    ):
        raise InvalidInput(prefix + f"has dt={dt!r}; the time step must be a number > 0 (ns).")
    if "solver" in clean:
        clean["solver"] = _solver(engine, clean["solver"], prefix)
    precision = clean.get("precision")
    if precision is not None and not (isinstance(precision, (int, float)) and 0 < precision < 1):
        raise InvalidInput(
            prefix + f"has precision={precision!r}; it must be a number between 0 and 1."
        )
    bond = clean.get("max_bond_dim")
    if bond is not None and (isinstance(bond, bool) or not isinstance(bond, int) or bond < 1):
        raise InvalidInput(
            prefix + f"has max_bond_dim={bond!r}; it must be a whole number of at least 1."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _config_class(engine)(
                observables=[_bitstrings(1)], gpu=False, log_level=logging.WARNING, **clean
            )
    except ImportError:
        raise
    except Exception as exc:
        raise InvalidInput(prefix + f"sets options {engine} refuses: {short_reason(exc)}") from None
    return clean


def _solver_class(engine: str) -> Any:
    if engine == ENGINE_SV:
        from emu_sv.solver import Solver

        return Solver
    from emu_mps.solver import Solver

    return Solver


def _foreign_solver(engine: str, value: Any) -> bool:
    """Whether `value` names a solver of the other engine, not of `engine`."""
    other = ENGINE_MPS if engine == ENGINE_SV else ENGINE_SV
    known = {s.value for s in _solver_class(engine)}
    return str(getattr(value, "value", value)) not in known and str(
        getattr(value, "value", value)
    ) in {s.value for s in _solver_class(other)}


def _solver(engine: str, value: Any, prefix: str) -> Any:
    solver_cls = _solver_class(engine)
    try:
        return solver_cls(value)
    except ValueError:
        known = ", ".join(s.value for s in solver_cls)
        raise InvalidInput(prefix + f"asks for solver {value!r}; {engine} has {known}.") from None


# ---------------------------------------------------------------------------------------------
# Noise


def noise_regime(engine: str, noise: NoiseModel | None, options: Mapping[str, Any]) -> str:
    """How a job with this noise is computed: see the module docstring."""
    if noise is None or not noise.noise_types:
        return "noiseless"
    lindblad = set(noise.noise_types) - _NON_LINDBLADIAN
    if _shot_to_shot(noise):
        return "trajectories"
    if lindblad:
        if (
            engine == ENGINE_MPS
            or str(getattr(options.get("solver"), "value", options.get("solver"))) == "montecarlo"
        ):
            return "trajectories"
        return "density matrix"
    return "readout"


def _shot_to_shot(noise: NoiseModel) -> bool:
    try:
        from emu_base.pulser_adapter import _has_stochastic_noise
    except ImportError:  # pragma: no cover - a later emu-base moved it; decide ourselves
        shot = {"doppler", "amplitude", "detuning", "register", "dmm_sigma"}
        return bool(set(noise.noise_types) & shot) or (
            "SPAM" in noise.noise_types and noise.state_prep_error != 0
        )
    return bool(_has_stochastic_noise(noise))


# ---------------------------------------------------------------------------------------------
# Running


@dataclasses.dataclass(frozen=True)
class EngineSettings:
    """Everything `emulate` needs besides the sequence."""

    engine: str
    noise: NoiseModel | None = None
    #: noise realisations to average over, when the noise regime is "trajectories".
    n_trajectories: int = 1
    with_modulation: bool = False
    #: the engine config's own options (dt, precision, max_bond_dim...).
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def regime(self) -> str:
        return noise_regime(self.engine, self.noise, self.options)

    def effective_options(self) -> dict[str, Any]:
        """The engine options a job runs with: Tweezer's defaults, then these."""
        return {**_TWEEZER_DEFAULTS[self.engine], **self.options}


@dataclasses.dataclass(frozen=True)
class EngineRun:
    """What one emulated job gives."""

    #: `runs` bitstrings, in draw order, atoms in `atom_order`.
    raw: list[str]
    atom_order: list[str]
    duration_ns: int
    regime: str
    #: noise realisations averaged over (None unless the regime is "trajectories").
    n_trajectories: int | None
    #: per-atom Rydberg occupation at the end, when asked for.
    occupation: list[float] | None
    engine: str
    torch_device: str
    #: the id of the idle atom added to a one-atom emu-mps job, or None.
    padded_with: str | None


def emulate(
    settings: EngineSettings,
    seq: pulser.Sequence,
    runs: int,
    *,
    seed: int | None = None,
    occupation: bool = False,
) -> EngineRun:
    """`runs` shots of the concrete sequence `seq` on the engine; exceptions are the engine's."""
    device = torch_device()
    regime = settings.regime
    padded_with = None
    if settings.engine == ENGINE_MPS and len(seq.register.qubit_ids) == 1:
        seq, padded_with = _pad(seq)
    # More trajectories than shots would simulate noise realisations no shot is drawn from.
    n_trajectories = min(settings.n_trajectories, runs) if regime == "trajectories" else 1
    shots_each = math.ceil(runs / n_trajectories)

    from pulser.backend.default_observables import Occupation

    observables = [_bitstrings(shots_each)]
    if occupation:
        observables.append(Occupation(evaluation_times=[1.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = _config_class(settings.engine)(
            observables=observables,
            default_evaluation_times=[1.0],
            noise_model=settings.noise or NoiseModel(),
            n_trajectories=n_trajectories,
            with_modulation=settings.with_modulation,
            gpu=device == "cuda",
            log_level=logging.WARNING,
            **settings.effective_options(),
        )
        backend = _backend_class(settings.engine)(seq, config=config)
        with _seeded(seed, device) as rng:
            results = backend.run()
            bag = [bits for bits, n in results.final_bitstrings.items() for _ in range(n)]
            if len(bag) == runs:
                raw = [bag[i] for i in rng.permutation(runs)]
            else:
                raw = [bag[i] for i in rng.choice(len(bag), size=runs, replace=False)]

    order = [str(q) for q in results.atom_order]
    occupations = None
    if occupation:
        values = results.get_result("occupation", 1.0)
        occupations = [float(v) for v in _to_list(values)]
    if padded_with is not None:
        keep = [i for i, q in enumerate(order) if q != padded_with]
        raw = ["".join(bits[i] for i in keep) for bits in raw]
        order = [order[i] for i in keep]
        if occupations is not None:
            occupations = [occupations[i] for i in keep]
    return EngineRun(
        raw=raw,
        atom_order=order,
        duration_ns=int(results.total_duration),
        regime=regime,
        n_trajectories=n_trajectories if regime == "trajectories" else None,
        occupation=occupations,
        engine=engine_label(settings.engine),
        torch_device=device,
        padded_with=padded_with,
    )


def _bitstrings(num_shots: int) -> Any:
    from pulser.backend.default_observables import BitStrings

    return BitStrings(evaluation_times=[1.0], num_shots=num_shots)


def _config_class(engine: str) -> Any:
    if engine == ENGINE_SV:
        from emu_sv import SVConfig

        return SVConfig
    from emu_mps import MPSConfig

    return MPSConfig


def _backend_class(engine: str) -> Any:
    if engine == ENGINE_SV:
        from emu_sv import SVBackend

        return SVBackend
    from emu_mps import MPSBackend

    return MPSBackend


def _to_list(values: Any) -> list[Any]:
    if hasattr(values, "detach"):
        return values.detach().cpu().tolist()
    return list(values)


def _pad(seq: pulser.Sequence) -> tuple[pulser.Sequence, str]:
    """`seq` (one atom) with an idle atom far away, on a copy of its device without limits."""
    from pulser.devices import Device as RealDevice

    ((qid, where),) = seq.register.qubits.items()
    pad_id = PAD_ID if str(qid) != PAD_ID else PAD_ID + "_"
    device = seq.device
    virtual = device.to_virtual() if isinstance(device, RealDevice) else device
    virtual = dataclasses.replace(
        virtual, max_atom_num=None, max_radial_distance=None, requires_layout=False
    )
    position = np.asarray(where, dtype=float)
    offset = np.zeros(len(position))
    offset[0] = PAD_DISTANCE_UM
    register = type(seq.register)({qid: position, pad_id: position + offset})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        moved = seq.with_new_device(virtual, strict=False)
        return moved.with_new_register(register), pad_id


@contextlib.contextmanager
def _seeded(seed: int | None, device: str) -> Iterator[np.random.Generator]:
    """Seed torch, `random` and NumPy's global generator for one job; restore them after."""
    if seed is None:
        yield np.random.default_rng()
        return
    import torch

    devices = list(range(torch.cuda.device_count())) if device == "cuda" else []
    py_state = random.getstate()
    np_state = np.random.get_state()
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed)
        try:
            yield np.random.default_rng(seed)
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def run_failed(device_type: str, exc: BaseException, n_atoms: int) -> RunFailed:
    """The sentence for an engine that failed on valid input."""
    text = str(exc).lower()
    if isinstance(exc, MemoryError) or "out of memory" in text:
        return RunFailed(
            f"{device_type} ran out of memory emulating {n_atoms} atoms on this worker; use "
            "fewer atoms, or a tensor-network emulator with a smaller max_bond_dim."
        )
    return RunFailed(f"{device_type} could not emulate the sequence: {short_reason(exc)}")
