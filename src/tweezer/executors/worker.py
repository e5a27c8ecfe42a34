"""What runs where jobs are computed (a local worker process, a Ray actor): prepare a batch
once, run its jobs."""

from __future__ import annotations

import os
import signal
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tweezer.devices.base import DeviceUnavailable, RunFailed
from tweezer.domain.errors import DomainError
from tweezer.results.store import LocalResultStore
from tweezer.store.jobs import ClaimedJob

PREPARED_CACHE_SIZE = 8


@dataclass(frozen=True)
class Computed:
    """How one job's computation went: a result, or an error sentence."""

    result: dict[str, Any] | None = None
    error: str | None = None
    #: the device could not take the job now; it may be tried again later.
    device_unavailable: bool = False


def limit_threads(threads: int) -> None:
    """Keep one worker's numeric libraries to its share of the cores, so that several
    workers on one machine do not oversubscribe it."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["MKL_NUM_THREADS"] = str(threads)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)


def _stop_on_sigterm() -> None:
    """SIGTERM ends the worker through SystemExit, so that a device can clean up
    (a QPU driver cancels its submission) before the process goes."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


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

    def compute(self, job: ClaimedJob) -> Computed:
        """Run one job and say how it went."""
        try:
            device, prepared = self._prepared_for(job)
            return Computed(result=dict(device.run(prepared, job.variables, job.runs)))
        except DeviceUnavailable as error:
            return Computed(error=error.description, device_unavailable=True)
        except (DomainError, RunFailed) as error:
            return Computed(error=error.description)
        except Exception as error:  # noqa: BLE001 - any engine failure becomes the job's error
            return Computed(
                error=f"The {job.device_type} engine failed: {type(error).__name__}: {error}"
            )


def worker_main(connection: Connection, results_dir: str, threads: int) -> None:
    """Entry point of a local worker process: serve jobs from the pipe until it closes.

    The worker writes each result itself, where the server reads it from.
    """
    _stop_on_sigterm()
    limit_threads(threads)
    runner, results = JobRunner(), LocalResultStore(Path(results_dir))
    connection.send(("ready", None, None))
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        computed = runner.compute(job)
        if computed.result is not None:
            try:
                results.write(job.id, computed.result)
            except OSError:
                trace = traceback.format_exc(limit=1)
                computed = Computed(error="The worker could not store the result: " + trace)
        connection.send(("done", job.id, computed))
