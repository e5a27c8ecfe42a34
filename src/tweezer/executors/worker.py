"""What runs inside a worker process: prepare a batch once, run its jobs, store results."""

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

    def __init__(self, results_dir: Path) -> None:
        self.results = LocalResultStore(results_dir)
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

    def run(self, job: ClaimedJob) -> str | None:
        """Run one job and store its result; return None on success, else the error sentence."""
        try:
            device, prepared = self._prepared_for(job)
            result = device.run(prepared, job.variables, job.runs)
        except (DomainError, RunFailed) as error:
            return error.description
        except Exception as error:  # noqa: BLE001 - any engine failure becomes the job's error
            return f"The {job.device_type} engine failed: {type(error).__name__}: {error}"
        self.results.write(job.id, result)
        return None


def worker_main(connection: Connection, results_dir: str) -> None:
    """Entry point of a local worker process: serve jobs from the pipe until it closes."""
    runner = JobRunner(Path(results_dir))
    connection.send(("ready", None, None))
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        try:
            error = runner.run(job)
        except BaseException:  # the result could not even be written: report, keep serving
            error = "The worker could not store the result: " + traceback.format_exc(limit=1)
        connection.send(("done", job.id, error))
