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

Errors: bad input raises `InvalidInput` (the same sentences as `validate_batch`, should a job
reach `run` unchecked); an engine that fails on good input raises `RunFailed`, whose sentence
belongs in the job's `errors`.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypedDict

from tweezer.domain.errors import InvalidInput

__all__ = [
    "Device",
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


class RunFailed(Exception):
    """The engine could not run a job whose input was valid; the message is for the user."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


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
