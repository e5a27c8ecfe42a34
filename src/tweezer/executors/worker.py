"""What runs where jobs are computed (a local worker process, a Ray actor): prepare a batch
once, run its jobs."""

from __future__ import annotations

import traceback
from collections import OrderedDict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tweezer.devices.base import RunFailed
from tweezer.domain.errors import DomainError
from tweezer.results.store import LocalResultStore
from tweezer.store.jobs import ClaimedJob

PREPARED_CACHE_SIZE = 8


class JobRunner:
    """Runs claimed jobs, reusing each batch's parsed sequence for all its jobs."""

    def __init__(self) -> None:
        self._prepared: OrderedDict[str, Any] = OrderedDict()

    def _prepared_for(self, job: ClaimedJob) -> tuple[Any, Any]:
        from tweezer.devices.registry import get_device

        device = get_device(job.device_type)
        prepared = self._prepared.get(job.batch_id)
        if prepared is None:
            prepared = device.prepare(
                job.sequence_builder, job.configuration, job.backend_configuration
            )
            self._prepared[job.batch_id] = prepared
            if len(self._prepared) > PREPARED_CACHE_SIZE:
                self._prepared.popitem(last=False)
        else:
            self._prepared.move_to_end(job.batch_id)
        return device, prepared

    def compute(self, job: ClaimedJob) -> tuple[dict[str, Any] | None, str | None]:
        """Run one job: (its result, None) on success, else (None, the error sentence)."""
        try:
            device, prepared = self._prepared_for(job)
            return dict(device.run(prepared, job.variables, job.runs)), None
        except (DomainError, RunFailed) as error:
            return None, error.description
        except Exception as error:  # noqa: BLE001 - any engine failure becomes the job's error
            return None, f"The {job.device_type} engine failed: {type(error).__name__}: {error}"


def worker_main(connection: Connection, results_dir: str) -> None:
    """Entry point of a local worker process: serve jobs from the pipe until it closes.

    The worker writes each result itself, where the server reads it from.
    """
    runner, results = JobRunner(), LocalResultStore(Path(results_dir))
    connection.send(("ready", None, None))
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        result, error = runner.compute(job)
        if result is not None:
            try:
                results.write(job.id, result)
            except OSError:
                error = "The worker could not store the result: " + traceback.format_exc(limit=1)
        connection.send(("done", job.id, error))
