"""Job rows: reading with filters, claiming for execution, recording outcomes."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select, text, update
from sqlalchemy.orm import Session

from tweezer.domain.errors import NotFound
from tweezer.domain.filters import JobQuery, Page
from tweezer.enums import BatchStatus, JobStatus
from tweezer.store.models import Batch, Job, utcnow

PRIORITY_RANK = case((Batch.priority == "HIGH", 2), (Batch.priority == "MEDIUM", 1), else_=0)


@dataclass(frozen=True)
class ClaimedJob:
    """What a worker needs to run one job."""

    id: str
    batch_id: str
    device_type: str
    sequence_builder: str
    configuration: dict[str, Any] | None
    backend_configuration: str | None
    variables: dict[str, Any] | None
    runs: int


def _filtered(query: JobQuery, project_ids: Collection[str]) -> Select[tuple[Job]]:
    stmt = select(Job).where(Job.project_id.in_(project_ids))
    conditions = []
    if query.ids:
        conditions.append(Job.id.in_(query.ids))
    if query.project_ids:
        conditions.append(Job.project_id.in_(query.project_ids))
    if query.user_ids:
        conditions.append(Job.user_id.in_(query.user_ids))
    if query.batch_ids:
        conditions.append(Job.batch_id.in_(query.batch_ids))
    if query.statuses:
        conditions.append(Job.status.in_(query.statuses))
    if query.min_runs is not None:
        conditions.append(Job.runs >= query.min_runs)
    if query.max_runs is not None:
        conditions.append(Job.runs <= query.max_runs)
    if query.errors is not None:
        has_errors = Job.status == JobStatus.ERROR
        conditions.append(has_errors if query.errors else ~has_errors)
    if query.start_date is not None:
        conditions.append(Job.created_at >= query.start_date)
    if query.end_date is not None:
        conditions.append(Job.created_at <= query.end_date)
    return stmt.where(and_(*conditions)) if conditions else stmt


def get_job(session: Session, project_ids: Collection[str], job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None or job.project_id not in project_ids:
        raise NotFound(f"No job with id {job_id}.")
    return job


def list_jobs(
    session: Session,
    project_ids: Collection[str],
    query: JobQuery,
    page: Page,
    ascending: bool = False,
) -> tuple[list[Job], int]:
    """A page of jobs, newest first, or in creation order (oldest first) when ascending."""
    stmt = _filtered(query, project_ids)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if ascending:
        order = (Job.created_at.asc(), Job.batch_id, Job.ordered_id.asc())
    else:
        order = (Job.created_at.desc(), Job.batch_id, Job.ordered_id.desc())
    rows = session.scalars(stmt.order_by(*order).offset(page.offset).limit(page.limit)).all()
    return list(rows), total


def find_jobs(session: Session, project_ids: Collection[str], query: JobQuery) -> list[Job]:
    """Every job matching a query, in creation order (for rebatch and cancel-jobs)."""
    stmt = _filtered(query, project_ids).order_by(Job.batch_id, Job.ordered_id)
    return list(session.scalars(stmt).all())


def jobs_of_batch(session: Session, batch_id: str) -> list[Job]:
    stmt = select(Job).where(Job.batch_id == batch_id).order_by(Job.ordered_id)
    return list(session.scalars(stmt).all())


def cancel_jobs(session: Session, jobs: Iterable[Job]) -> None:
    """Mark jobs CANCELED now; a worker still running one stops when it sees the status."""
    now = utcnow()
    for job in jobs:
        job.status = JobStatus.CANCELED
        job.end_timestamp = now
        job.updated_at = now
        job.lease_expires_at = None


def _is_postgresql(session: Session) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _next_shared_jobs(session: Session, limit: int, skipped: Collection[str]) -> list[str]:
    if limit <= 0:
        return []
    stmt = (
        select(Job.id)
        .join(Batch, Batch.id == Job.batch_id)
        .where(Job.status == JobStatus.PENDING, Batch.device_type.not_in(skipped))
        .order_by(PRIORITY_RANK.desc(), Job.created_at, Job.ordered_id)
        .limit(limit)
    )
    if _is_postgresql(session):
        stmt = stmt.with_for_update(of=Job, skip_locked=True)
    return list(session.scalars(stmt).all())


def _device_lock_key(device_type: str) -> int:
    digest = hashlib.sha256(f"tweezer device {device_type}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _next_exclusive_job(session: Session, device_type: str) -> str | None:
    """The next job for a device that runs one job at a time and, once it starts a batch,
    only that batch's jobs until they have all ended (a QPU)."""
    if _is_postgresql(session):
        # Replicas decide one at a time for this device; the lock ends with the transaction.
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _device_lock_key(device_type)}
        )
    on_device = (Batch.device_type == device_type,)
    busy = session.scalar(
        select(Job.id)
        .join(Batch, Batch.id == Job.batch_id)
        .where(*on_device, Job.status == JobStatus.RUNNING)
        .limit(1)
    )
    if busy is not None:
        return None
    holder = session.scalar(
        select(Batch.id)
        .where(*on_device, Batch.status == BatchStatus.RUNNING)
        .order_by(Batch.start_datetime)
        .limit(1)
    )
    stmt = (
        select(Job.id)
        .join(Batch, Batch.id == Job.batch_id)
        .where(*on_device, Job.status == JobStatus.PENDING)
    )
    if holder is not None:
        stmt = stmt.where(Job.batch_id == holder).order_by(Job.ordered_id)
    else:
        stmt = stmt.order_by(PRIORITY_RANK.desc(), Job.created_at, Job.ordered_id)
    return session.scalar(stmt.limit(1))


def claim_next_jobs(
    session: Session,
    worker_id: str,
    limit: int,
    lease_seconds: float,
    exclusive_device_types: Collection[str] = (),
    unavailable_device_types: Collection[str] = (),
) -> list[ClaimedJob]:
    """Atomically move up to `limit` PENDING jobs to RUNNING for this worker, best first.

    Order: batch priority, then age, then position in the batch. On PostgreSQL the rows are
    locked with SKIP LOCKED, so several schedulers never claim the same job; on SQLite the
    transaction holds the database write lock (BEGIN IMMEDIATE). Devices named in
    `exclusive_device_types` (QPUs) run one job at a time, one batch at a time; jobs of
    `unavailable_device_types` (DOWN, MAINTENANCE) wait.
    """
    if limit <= 0:
        return []
    ids: list[str] = []
    for device_type in sorted(set(exclusive_device_types) - set(unavailable_device_types)):
        if len(ids) < limit and (job_id := _next_exclusive_job(session, device_type)):
            ids.append(job_id)
    skipped = {*exclusive_device_types, *unavailable_device_types}
    ids += _next_shared_jobs(session, limit - len(ids), skipped)
    if not ids:
        return []
    now = utcnow()
    session.execute(
        update(Job)
        .where(Job.id.in_(ids))
        .values(
            status=JobStatus.RUNNING,
            claimed_by=worker_id,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=Job.attempts + 1,
            start_timestamp=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(Job, Batch)
        .join(Batch, Batch.id == Job.batch_id)
        .where(Job.id.in_(ids))
        .order_by(PRIORITY_RANK.desc(), Job.created_at, Job.ordered_id)
    ).all()
    return [
        ClaimedJob(
            id=job.id,
            batch_id=batch.id,
            device_type=batch.device_type,
            sequence_builder=batch.sequence_builder,
            configuration=batch.configuration,
            backend_configuration=batch.backend_configuration,
            variables=job.variables,
            runs=job.runs,
        )
        for job, batch in rows
    ]


def renew_leases(
    session: Session, worker_id: str, job_ids: Collection[str], lease_seconds: float
) -> None:
    """Extend this worker's claims on the jobs it is still running."""
    if job_ids:
        session.execute(
            update(Job)
            .where(
                Job.id.in_(job_ids), Job.claimed_by == worker_id, Job.status == JobStatus.RUNNING
            )
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )


def claims_lost(session: Session, worker_id: str, job_ids: Collection[str]) -> set[str]:
    """Which of these jobs this worker no longer holds (canceled, or taken back)."""
    if not job_ids:
        return set()
    held = session.scalars(
        select(Job.id).where(
            Job.id.in_(job_ids), Job.claimed_by == worker_id, Job.status == JobStatus.RUNNING
        )
    ).all()
    return set(job_ids) - set(held)


def finish_job(session: Session, job_id: str, worker_id: str, error: str | None) -> str | None:
    """Record a claimed job's outcome: DONE (its result is already stored) or ERROR.

    Returns the job's batch id, or None when this worker no longer holds the job (it was
    canceled or given to another worker): then the outcome is dropped, which makes a late or
    repeated report harmless.
    """
    job = session.get(Job, job_id)
    if job is None or job.status != JobStatus.RUNNING or job.claimed_by != worker_id:
        return None
    now = utcnow()
    if error is None:
        job.status = JobStatus.DONE
        job.has_result = True
    else:
        job.status = JobStatus.ERROR
        job.errors = [*job.errors, error]
    job.end_timestamp = now
    job.updated_at = now
    job.lease_expires_at = None
    return job.batch_id


def release_job(
    session: Session,
    job_id: str,
    worker_id: str,
    reason: str,
    max_attempts: int,
    count_attempt: bool = True,
) -> str | None:
    """Give back a job whose run was lost (its worker died): PENDING again, or ERROR when
    it has used up its tries. A run that never started (its device was down) does not count
    as a try. Returns its batch id, or None if this worker did not hold it."""
    job = session.get(Job, job_id)
    if job is None or job.status != JobStatus.RUNNING or job.claimed_by != worker_id:
        return None
    if not count_attempt:
        job.attempts -= 1
    _release(job, reason, max_attempts, utcnow())
    return job.batch_id


def _release(job: Job, reason: str, max_attempts: int, now: datetime) -> None:
    job.claimed_by = None
    job.lease_expires_at = None
    job.updated_at = now
    if job.attempts >= max_attempts:
        job.status = JobStatus.ERROR
        job.errors = [*job.errors, f"{reason}; gave up after {job.attempts} tries."]
        job.end_timestamp = now
    else:
        job.status = JobStatus.PENDING
        job.start_timestamp = None


def queue_lengths(session: Session) -> dict[str, int]:
    """{device type: how many jobs wait for it (PENDING)}."""
    rows = session.execute(
        select(Batch.device_type, func.count())
        .join(Job, Job.batch_id == Batch.id)
        .where(Job.status == JobStatus.PENDING)
        .group_by(Batch.device_type)
    ).all()
    return {device_type: count for device_type, count in rows}


def release_expired_claims(session: Session, max_attempts: int) -> set[str]:
    """Take back RUNNING jobs whose claim was not renewed in time (their process is gone).

    Returns the ids of the batches touched.
    """
    now = utcnow()
    stmt = select(Job).where(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    batch_ids = set()
    for job in session.scalars(stmt).all():
        _release(job, "The worker running this job stopped answering", max_attempts, now)
        batch_ids.add(job.batch_id)
    return batch_ids
