"""The `ray` executor: jobs run in Ray actors on a Ray cluster (several machines, GPUs).

Each actor is a long-lived worker like a local one: it keeps each batch's prepared sequence
for the batch's next jobs. Results travel back through Ray's object store and are written
here, by the scheduler's process, where the API serves them from, so the cluster's nodes
need no shared file system.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayActorError, RayError

from tweezer.executors.base import Executor, Outcome
from tweezer.executors.worker import Computed, JobRunner, limit_threads
from tweezer.results.store import LocalResultStore
from tweezer.store.jobs import ClaimedJob

#: How long one `ray.wait` may block before the executor looks for a wake-up again.
WAIT_SLICE_SECONDS = 0.1


@ray.remote
class JobActor:
    """A Ray actor that computes jobs, one at a time."""

    def __init__(self) -> None:
        limit_threads(1)  # each actor asks Ray for one CPU
        self.runner = JobRunner()

    def compute(self, job: ClaimedJob) -> Computed:
        return self.runner.compute(job)


@dataclass
class _Slot:
    actor: Any
    job_id: str | None = None
    ref: Any = None


class RayExecutor(Executor):
    def __init__(
        self, address: str | None, workers: int, results_dir: Path, gpus_per_worker: float = 0
    ) -> None:
        if not ray.is_initialized():
            ray.init(address=address, namespace="tweezer", log_to_driver=False)
        self._gpus = gpus_per_worker
        self._results = LocalResultStore(results_dir)
        self._slots = [_Slot(actor=self._new_actor()) for _ in range(workers)]
        self._wake = threading.Event()

    def _new_actor(self) -> Any:
        return JobActor.options(num_cpus=1, num_gpus=self._gpus).remote()

    def free_slots(self) -> int:
        return sum(1 for slot in self._slots if slot.job_id is None)

    def submit(self, job: ClaimedJob) -> None:
        slot = next(slot for slot in self._slots if slot.job_id is None)
        slot.job_id, slot.ref = job.id, slot.actor.compute.remote(job)

    def running(self) -> set[str]:
        return {slot.job_id for slot in self._slots if slot.job_id is not None}

    def wake(self) -> None:
        self._wake.set()

    def wait(self, timeout: float) -> list[Outcome]:
        refs = [slot.ref for slot in self._slots if slot.ref is not None]
        waited = 0.0
        ready: list[Any] = []
        while not self._wake.is_set() and waited < timeout:
            step = min(WAIT_SLICE_SECONDS, timeout - waited)
            if refs:
                ready, _ = ray.wait(refs, num_returns=len(refs), timeout=step)
                if ready:
                    break
            else:
                self._wake.wait(step)
            waited += step
        self._wake.clear()
        if refs and not ready:
            ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        done = set(ready)
        return [
            self._collect(slot) for slot in self._slots if slot.ref is not None and slot.ref in done
        ]

    def _collect(self, slot: _Slot) -> Outcome:
        job_id, ref = slot.job_id, slot.ref
        assert job_id is not None
        slot.job_id = slot.ref = None
        try:
            computed: Computed = ray.get(ref)
        except RayActorError:  # the actor's process or node died: the run is lost
            slot.actor = self._new_actor()
            return Outcome(job_id=job_id, lost=True)
        except RayError as failure:
            return Outcome(job_id=job_id, error=f"The Ray cluster failed to run the job: {failure}")
        if computed.result is not None:
            self._results.write(job_id, computed.result)
        return Outcome(
            job_id=job_id, error=computed.error, device_unavailable=computed.device_unavailable
        )

    def cancel(self, job_id: str) -> None:
        for slot in self._slots:
            if slot.job_id == job_id:
                # An engine cannot be interrupted mid-step: end the actor, start a fresh one.
                ray.kill(slot.actor, no_restart=True)
                slot.actor, slot.job_id, slot.ref = self._new_actor(), None, None

    def shutdown(self) -> None:
        for slot in self._slots:
            ray.kill(slot.actor, no_restart=True)
        ray.shutdown()
