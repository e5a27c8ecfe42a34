"""Status rules of batches, jobs and workloads: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping

from tweezer.domain.errors import Conflict
from tweezer.enums import ACTIVE_JOB_STATUSES, TERMINAL_JOB_STATUSES, BatchStatus, JobStatus

#: Batch statuses set by an explicit decision (the user's or the scheduler's), never derived.
STICKY_BATCH_STATUSES = frozenset({BatchStatus.CANCELED, BatchStatus.TIMED_OUT})


def derive_batch_status(current: str, is_open: bool, counts: Mapping[str, int]) -> BatchStatus:
    """The status a batch shows, given its jobs' status counts and whether it is open.

    An open batch is never finished: it waits for more jobs, so it reads PENDING until one of
    its jobs has started and RUNNING after. A closed batch is finished when no job is active,
    and then reads CANCELED if every job was canceled, ERROR if any job failed, else DONE.
    """
    if current in STICKY_BATCH_STATUSES:
        return BatchStatus(current)
    active = sum(counts.get(s, 0) for s in ACTIVE_JOB_STATUSES)
    ended = sum(counts.get(s, 0) for s in TERMINAL_JOB_STATUSES)
    if counts.get(JobStatus.RUNNING, 0) or (active and ended):
        return BatchStatus.RUNNING
    if active:
        return BatchStatus.PENDING
    if is_open:
        return BatchStatus.RUNNING if ended else BatchStatus.PENDING
    total = sum(counts.values())
    if total and counts.get(JobStatus.CANCELED, 0) == total:
        return BatchStatus.CANCELED
    if counts.get(JobStatus.ERROR, 0) or counts.get(JobStatus.TIMED_OUT, 0):
        return BatchStatus.ERROR
    return BatchStatus.DONE


def is_batch_finished(status: str) -> bool:
    return status in {
        BatchStatus.DONE,
        BatchStatus.ERROR,
        BatchStatus.CANCELED,
        BatchStatus.TIMED_OUT,
    }


def ensure_job_cancelable(job_id: str, status: str) -> None:
    """Refuse to cancel a job that has already ended."""
    if status in TERMINAL_JOB_STATUSES:
        raise Conflict(f"Job {job_id} is {status}; only PENDING or RUNNING jobs can be canceled.")


def ensure_batch_open(batch_id: str, is_open: bool, status: str) -> None:
    """Refuse to add jobs to a batch that no longer takes them."""
    if status in STICKY_BATCH_STATUSES:
        raise Conflict(f"Batch {batch_id} is {status} and takes no more jobs.")
    if not is_open:
        raise Conflict(
            f"Batch {batch_id} is closed and takes no more jobs; "
            "create an open batch (open=True) to add jobs after creation."
        )


def ensure_batch_cancelable(batch_id: str, status: str) -> None:
    if is_batch_finished(status):
        raise Conflict(f"Batch {batch_id} is {status}; only unfinished batches can be canceled.")
