"""Waiting for batches, jobs and workloads to finish, with the server's long-poll status endpoints.

Each status call asks the server to hold the answer until the work is done or `LONG_POLL` seconds
pass, so a wait returns as soon as the server knows the work ended, without a polling interval.
A server that answers at once without waiting (one that does not long-poll) is asked again after
a short pause that doubles each time, up to `MAX_PAUSE` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from tweezer.enums import ACTIVE_JOB_STATUSES
from tweezer.errors import WaitTimeoutError
from tweezer.sdk.api import CoreApi

#: Seconds the server is asked to hold each status request.
LONG_POLL = 30.0
#: Longest pause between two status calls to a server that answers without waiting.
MAX_PAUSE = 2.0

_ACTIVE = frozenset(status.value for status in ACTIVE_JOB_STATUSES)

Status = Mapping[str, Any]


def wait_until(
    poll: Callable[[float], Status],
    is_done: Callable[[Status], bool],
    *,
    timeout: float | None,
    what: str,
) -> Status:
    """Call `poll(wait_seconds)` until `is_done` holds for its answer, and return that answer.

    Raises WaitTimeoutError when `timeout` seconds (None: no limit) pass first; the status is
    always asked at least once, so `timeout=0` checks without waiting.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.05
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        wait = LONG_POLL if remaining is None else max(0.0, min(LONG_POLL, remaining))
        asked = time.monotonic()
        status = poll(wait)
        if is_done(status):
            return status
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise WaitTimeoutError(
                f"{what} is still {status.get('status', 'unfinished')} after {timeout:g} s.",
                body=dict(status),
            )
        if time.monotonic() - asked < wait / 2:
            time.sleep(pause if remaining is None else min(pause, remaining))
            pause = min(MAX_PAUSE, pause * 2)


def _no_active_job(status: Status) -> bool:
    """Whether a batch status counts no PENDING or RUNNING job."""
    counts = status.get("jobs_count_per_status", {})
    return not any(count for name, count in counts.items() if name in _ACTIVE)


def wait_for_batch(api: CoreApi, batch_id: str, timeout: float | None) -> Status:
    """Wait until no job of the batch is PENDING or RUNNING; return the batch's last status."""
    return wait_until(
        lambda wait: api.batch_status(batch_id, wait),
        _no_active_job,
        timeout=timeout,
        what=f"Batch {batch_id}",
    )


def wait_for_job(api: CoreApi, job_id: str, timeout: float | None) -> Status:
    """Wait until the job is neither PENDING nor RUNNING; return its last status."""
    return wait_until(
        lambda wait: api.job_status(job_id, wait),
        lambda status: status.get("status") not in _ACTIVE,
        timeout=timeout,
        what=f"Job {job_id}",
    )


def wait_for_workload(api: CoreApi, workload_id: str, timeout: float | None) -> Status:
    """Wait until the workload is neither PENDING nor RUNNING; return its last status."""
    return wait_until(
        lambda wait: api.workload_status(workload_id, wait),
        lambda status: status.get("status") not in _ACTIVE,
        timeout=timeout,
        what=f"Workload {workload_id}",
    )
