"""The one interface every device type implements.

Pulser splits a pure core from the engines that run it; Tweezer does the same: the scheduler and
the API know this interface and the registry, never an engine. A device type is a class with four
methods:

- `specs()`: the pulser abstract representation (JSON) of the pulser device it emulates or drives;
  `pulser.json.abstract_repr.deserializer.deserialize_device` loads it.
- `validate_batch(sequence_json, jobs, configuration, backend_configuration)`: every check that
  can be made before anything is stored, on create-batch and on add-jobs. Raises
  `InvalidInput` with a sentence naming the problem; returns None when the batch is acceptable.
- `prepare(sequence_json, configuration, backend_configuration)`: parses the batch once, in the
  worker process that runs its jobs; the `PreparedBatch` it returns is reused for every job of
  the batch there (it may cache work between jobs).
- `run(prepared, variables, runs, seed=None)`: runs one job and returns a `JobResult`, a
  JSON-able dict written as the job's result blob.
- `describe()`: a `DeviceInfo` for `GET /api/v1/devices`: kind (QPU or emulator, twin or real),
  status (UP, DOWN, MAINTENANCE), limits and what computes its jobs. The API adds queue lengths.

Errors: bad input raises `InvalidInput` (the same sentences as `validate_batch`, should a job
reach `run` unchecked); an engine that fails on good input raises `RunFailed`, whose sentence
belongs in the job's `errors`. `DeviceUnavailable` (a `RunFailed`) says the job did not start
because the device is DOWN or in MAINTENANCE: a scheduler may hold the job and try again later.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NotRequired, TypedDict

from tweezer.domain.errors import InvalidInput
from tweezer.enums import StrEnum

__all__ = [
    "Device",
    "DeviceInfo",
    "DeviceKind",
    "DeviceStatus",
    "DeviceUnavailable",
    "InvalidInput",
    "JobRequest",
    "JobResult",
    "PreparedBatch",
    "RunFailed",
]

#: One job as the wire carries it: {"runs": int, "variables": {...} or None}. `variables` may
#: hold "qubits" (qubit id -> trap id) for a sequence on a mappable register. Other keys are
#: ignored here (the API decides the job's shape).
JobRequest = Mapping[str, Any]


class JobResult(TypedDict):
    """What `Device.run` returns: the job's result blob, JSON-able as it is."""

    #: bitstring -> number of shots that gave it; the counts sum to `runs`.
    counter: dict[str, int]
    #: one bitstring per shot, `runs` of them, in the order they were drawn.
    raw: list[str]
    #: pulser's own serialization of its result object, or None where the engine has none.
    serialised_results: str | None
    #: how the result was obtained (engine, atom order, noise, seed...); free-form, JSON-able.
    metadata: dict[str, Any]
    #: only when the batch's `result_types` ask for "expectation" and the engine computes it:
    #: {"occupation": [one float per atom, in `metadata["atom_order"]`], ...}.
    expectation: NotRequired[dict[str, Any]]


class RunFailed(Exception):
    """The engine could not run a job whose input was valid; the message is for the user."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class DeviceUnavailable(RunFailed):
    """The device is DOWN or in MAINTENANCE: the job did not start and may be tried again."""


class DeviceStatus(StrEnum):
    """Whether a device takes jobs now."""

    UP = "UP"
    DOWN = "DOWN"
    MAINTENANCE = "MAINTENANCE"


class DeviceKind(StrEnum):
    """What a device type is."""

    QPU = "QPU"
    EMULATOR = "EMULATOR"


@dataclasses.dataclass(frozen=True)
class DeviceInfo:
    """What `GET /api/v1/devices` says about one device type (the API adds its queue length)."""

    #: the wire name, e.g. "EMU_SV".
    device_type: str
    #: QPU or EMULATOR.
    kind: DeviceKind
    #: UP, DOWN or MAINTENANCE.
    status: DeviceStatus
    #: True for a QPU whose jobs a digital twin (a noisy emulation) runs instead of hardware.
    twin: bool
    #: largest register a job may have.
    max_atoms: int
    #: most shots a job may ask for.
    max_runs: int
    #: what computes its jobs, in words (e.g. "emu-sv 2.10.1 (state vector, torch on cpu)").
    engine: str
    #: why the status is not UP, or None.
    status_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-able dict, kind and status as their strings."""
        out = dataclasses.asdict(self)
        out["kind"] = str(self.kind)
        out["status"] = str(self.status)
        return out


class PreparedBatch:
    """A batch parsed once by `Device.prepare`, reused for each of its jobs in one worker.

    Each device type subclasses it with what it needs; only the device that made it reads it.
    It lives in the worker process that created it and is never sent across processes.
    """

    device_type: ClassVar[str] = ""


class Device(abc.ABC):
    """A device type: its specs, its checks and its engine."""

    #: The wire name, one of `tweezer.enums.DeviceTypeName`.
    device_type: ClassVar[str]

    @abc.abstractmethod
    def specs(self) -> str:
        """The pulser abstract representation of the device this type accepts."""

    @abc.abstractmethod
    def describe(self) -> DeviceInfo:
        """Kind, status and limits of this device type, for `GET /api/v1/devices`."""

    @abc.abstractmethod
    def validate_batch(
        self,
        sequence_json: str,
        jobs: Sequence[JobRequest],
        configuration: Mapping[str, Any] | None,
        backend_configuration: str | None = None,
    ) -> None:
        """Raise `InvalidInput` naming the first problem found; return None if all is well."""

    @abc.abstractmethod
    def prepare(
        self,
        sequence_json: str,
        configuration: Mapping[str, Any] | None,
        backend_configuration: str | None = None,
    ) -> PreparedBatch:
        """Parse the batch once, for every job of it that this worker runs."""

    @abc.abstractmethod
    def run(
        self,
        prepared: PreparedBatch,
        variables: Mapping[str, Any] | None,
        runs: int,
        *,
        seed: int | None = None,
    ) -> JobResult:
        """Run one job of a prepared batch: `runs` shots with these variable values.

        `seed` makes the shots reproducible where the engine allows it; None draws fresh ones.
        """
