"""The boundary to a quantum processor: `QPUDriver`, and the digital twin Tweezer ships.

A `QPUDriver` is what the FRESNEL device type (`fresnel.FresnelDevice`) talks to. Wiring a real
machine in means writing one class with five methods:

- `specs()`: the pulser `Device` the machine accepts now (its calibrated layouts, channels,
  limits), named after the device type ("FRESNEL"); `/api/v1/devices/specs` serves it and every
  batch is validated strictly against it.
- `device_status()`: UP, DOWN or MAINTENANCE (`status_reason()` may say why).
- `submit(sequence, runs, seed=None)`: hand one job (a concrete sequence, already on `specs()`,
  and its shot count) to the machine; returns the machine's id for it. May refuse a sequence
  with `InvalidInput`.
- `status(submission_id)`: a `QPUJobState`: PENDING, RUNNING, DONE (with one bitstring per shot,
  in pulser's qubit order), ERROR (with a sentence) or CANCELED.
- `cancel(submission_id)`: stop the job if it has not ended; no-op otherwise.
and optionally `release(submission_id)` (the caller has the result; the driver may forget it).

`DigitalTwinDriver` is the default: no hardware, a noisy emulation of FRESNEL instead. It
validates strictly against FRESNEL's specs (`fresnel_specs`: pulser's AnalogDevice standing for
FRESNEL, limited to the atoms the twin emulates) and runs each job with emu-sv under the
FRESNEL-like noise model, with modulation, over `n_trajectories` noise realisations (as
EMU_FRESNEL does). A submitted job runs at once, in the caller's process; `status` then finds it
DONE. Every result it produces says what it is: metadata {"executed_on": "digital-twin",
"twin_of": "FRESNEL", ...}. Its status is UP unless an operator sets another (`set_status`).
"""

from __future__ import annotations

import abc
import collections
import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import pulser
from pulser.noise_model import NoiseModel

from tweezer.devices.base import DeviceStatus, DeviceUnavailable, RunFailed
from tweezer.devices.fresnel_specs import (
    DEFAULT_N_TRAJECTORIES,
    FRESNEL_NOISE,
    fresnel_device,
    strict_sequence,
)
from tweezer.devices.torch_engine import (
    ENGINE_SV,
    EngineSettings,
    emulate,
    engine_label,
    run_failed,
)
from tweezer.domain.errors import InvalidInput
from tweezer.enums import StrEnum

__all__ = [
    "DigitalTwinDriver",
    "QPUDriver",
    "QPUJobState",
    "QPUJobStatus",
]

#: Finished submissions a twin remembers until they are released.
_KEPT_SUBMISSIONS = 256


class QPUJobStatus(StrEnum):
    """Where a job stands on the machine."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"
    CANCELED = "CANCELED"

    @property
    def ended(self) -> bool:
        return self in (QPUJobStatus.DONE, QPUJobStatus.ERROR, QPUJobStatus.CANCELED)


@dataclasses.dataclass(frozen=True)
class QPUJobState:
    """A job's state on the machine; DONE carries its shots, ERROR a sentence."""

    status: QPUJobStatus
    #: DONE: one bitstring per shot, in draw order, atoms in `atom_order`.
    bitstrings: tuple[str, ...] | None = None
    #: DONE: the qubit ids, in pulser's order (the register's).
    atom_order: tuple[str, ...] | None = None
    #: DONE: how the shots were obtained; JSON-able, copied into the result's metadata.
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: ERROR: what went wrong, for the job's errors.
    error: str | None = None


class QPUDriver(abc.ABC):
    """A quantum processor, as the FRESNEL device type drives it; see the module docstring."""

    #: True for a driver that emulates the machine instead of driving it.
    is_twin: bool = False

    @abc.abstractmethod
    def specs(self) -> pulser.devices.Device:
        """The pulser device the machine accepts now."""

    @abc.abstractmethod
    def device_status(self) -> DeviceStatus:
        """UP, DOWN or MAINTENANCE."""

    def status_reason(self) -> str | None:
        """Why the machine is not UP, or None."""
        return None

    def description(self) -> str:
        """What runs the jobs, in words, for the device listing."""
        return type(self).__name__

    @abc.abstractmethod
    def submit(self, sequence: pulser.Sequence, runs: int, *, seed: int | None = None) -> str:
        """Hand one job to the machine; return its submission id."""

    @abc.abstractmethod
    def status(self, submission_id: str) -> QPUJobState:
        """The job's state now."""

    @abc.abstractmethod
    def cancel(self, submission_id: str) -> None:
        """Stop the job unless it has ended."""

    def release(self, submission_id: str) -> None:  # noqa: B027 - optional, a no-op by default
        """The caller has what it needs from the job; the driver may forget it."""


class DigitalTwinDriver(QPUDriver):
    """FRESNEL without hardware: strict validation, then a noisy emu-sv emulation."""

    is_twin = True

    def __init__(
        self,
        name: str = "FRESNEL",
        *,
        max_atoms: int = 12,
        noise: NoiseModel = FRESNEL_NOISE,
        n_trajectories: int = DEFAULT_N_TRAJECTORIES,
        engine_options: Mapping[str, Any] | None = None,
        status: DeviceStatus = DeviceStatus.UP,
    ) -> None:
        if n_trajectories < 1:
            raise ValueError("n_trajectories must be at least 1")
        self.name = name
        self.noise = noise
        self.n_trajectories = int(n_trajectories)
        self._specs = fresnel_device(name, max_atoms=max_atoms, noise=noise)
        self._settings = EngineSettings(
            engine=ENGINE_SV,
            noise=noise,
            n_trajectories=self.n_trajectories,
            with_modulation=True,
            options=dict(engine_options or {}),
        )
        self._status = DeviceStatus(status)
        self._reason: str | None = None
        self._jobs: collections.OrderedDict[str, QPUJobState] = collections.OrderedDict()
        self._lock = threading.Lock()

    # -- the machine ----------------------------------------------------------------------------

    def specs(self) -> pulser.devices.Device:
        return self._specs

    def device_status(self) -> DeviceStatus:
        return self._status

    def status_reason(self) -> str | None:
        return self._reason

    def set_status(self, status: DeviceStatus, reason: str | None = None) -> None:
        """What an operator sets: the twin takes jobs only while UP."""
        self._status = DeviceStatus(status)
        self._reason = None if self._status is DeviceStatus.UP else reason

    def description(self) -> str:
        return (
            f"digital twin of {self.name}: {engine_label(ENGINE_SV)} with FRESNEL-like noise, "
            f"{self.n_trajectories} noise trajectories"
        )

    # -- jobs -----------------------------------------------------------------------------------

    def submit(self, sequence: pulser.Sequence, runs: int, *, seed: int | None = None) -> str:
        if self._status is not DeviceStatus.UP:
            raise DeviceUnavailable(f"The {self.name} digital twin is {self._status}.")
        on_twin = strict_sequence(sequence, self._specs, prefix="")
        if (
            isinstance(runs, bool)
            or not isinstance(runs, int)
            or not (1 <= runs <= (self._specs.max_runs or runs))
        ):
            raise InvalidInput(
                f"runs must be a whole number between 1 and {self._specs.max_runs}, got {runs!r}."
            )
        submission_id = str(uuid.uuid4())
        started = time.perf_counter()
        try:
            outcome = emulate(self._settings, on_twin, runs, seed=seed)
        except (InvalidInput, RunFailed) as exc:
            state = QPUJobState(QPUJobStatus.ERROR, error=exc.description)
        except Exception as exc:  # the engine failed on a valid job: the job's error
            state = QPUJobState(
                QPUJobStatus.ERROR,
                error=run_failed(self.name, exc, len(on_twin.register.qubit_ids)).description,
            )
        else:
            state = QPUJobState(
                QPUJobStatus.DONE,
                bitstrings=tuple(outcome.raw),
                atom_order=tuple(outcome.atom_order),
                metadata={
                    "executed_on": "digital-twin",
                    "twin_of": self.name,
                    "engine": outcome.engine,
                    "torch_device": outcome.torch_device,
                    "noise": json.loads(self.noise.to_abstract_repr()),
                    "noise_regime": outcome.regime,
                    "n_trajectories": outcome.n_trajectories,
                    "with_modulation": True,
                    "total_duration_ns": outcome.duration_ns,
                    "elapsed_s": round(time.perf_counter() - started, 6),
                },
            )
        with self._lock:
            self._jobs[submission_id] = state
            while len(self._jobs) > _KEPT_SUBMISSIONS:
                self._jobs.popitem(last=False)
        return submission_id

    def status(self, submission_id: str) -> QPUJobState:
        with self._lock:
            state = self._jobs.get(submission_id)
        if state is None:
            return QPUJobState(
                QPUJobStatus.ERROR,
                error=f"The {self.name} digital twin has no submission {submission_id!r}.",
            )
        return state

    def cancel(self, submission_id: str) -> None:
        with self._lock:
            state = self._jobs.get(submission_id)
            if state is not None and not state.status.ended:
                self._jobs[submission_id] = QPUJobState(QPUJobStatus.CANCELED)

    def release(self, submission_id: str) -> None:
        with self._lock:
            self._jobs.pop(submission_id, None)
