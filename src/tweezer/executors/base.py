"""The one interface between the scheduler and wherever a job's computation happens."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from tweezer.store.jobs import ClaimedJob


@dataclass(frozen=True)
class Outcome:
    """How a submitted job's run ended.

    `error is None and not lost`: the result is stored, the job is DONE.
    `error`: the job failed, with a sentence for the user.
    `lost`: the run vanished (its process died); the job goes back to the queue.
    `device_unavailable`: the device could not take the job now (DOWN, MAINTENANCE); the job
    goes back to the queue without using up one of its tries.
    """

    job_id: str
    error: str | None = None
    lost: bool = False
    device_unavailable: bool = False


class Executor(abc.ABC):
    @abc.abstractmethod
    def free_slots(self) -> int:
        """How many more jobs could start now."""

    @abc.abstractmethod
    def submit(self, job: ClaimedJob) -> None:
        """Start running a claimed job."""

    @abc.abstractmethod
    def wait(self, timeout: float) -> list[Outcome]:
        """Block up to `timeout` seconds for runs to end (or for `wake`); return those that did."""

    @abc.abstractmethod
    def cancel(self, job_id: str) -> None:
        """Stop a running job at once; no outcome is reported for it."""

    @abc.abstractmethod
    def running(self) -> set[str]:
        """Ids of the jobs running now."""

    @abc.abstractmethod
    def wake(self) -> None:
        """Make a blocked `wait` return early (new work arrived); safe from any thread."""

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Stop every worker."""
