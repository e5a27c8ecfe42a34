"""Batch rows: creation with all jobs in one transaction, reads, tags, status upkeep."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, exists, func, insert, select
from sqlalchemy.orm import Session

from tweezer.domain.errors import NotFound
from tweezer.domain.filters import BatchQuery, Page
from tweezer.domain.statuses import derive_batch_status, is_batch_finished
from tweezer.enums import ACTIVE_JOB_STATUSES, BatchStatus, JobStatus
from tweezer.store.models import Batch, BatchTag, Job, new_id, utcnow


@dataclass(frozen=True)
class NewBatch:
    project_id: str
    user_id: str
    device_type: str
    sequence_builder: str
    open: bool
    webhook: str | None = None
    configuration: dict[str, Any] | None = None
    backend_configuration: str | None = None
    tags: Sequence[str] = ()
    parent_id: str | None = None
    priority: str = "MEDIUM"


@dataclass(frozen=True)
class NewJob:
    runs: int
    variables: dict[str, Any] | None = None
    parent_id: str | None = None


def create_batch(session: Session, spec: NewBatch, jobs: Sequence[NewJob]) -> Batch:
    """Store a batch and its jobs (bulk insert); the caller's transaction makes it atomic."""
    now = utcnow()
    batch = Batch(
        id=new_id(),
        project_id=spec.project_id,
        user_id=spec.user_id,
        device_type=spec.device_type,
        sequence_builder=spec.sequence_builder,
        open=spec.open,
        status=BatchStatus.PENDING,
        priority=spec.priority,
        webhook=spec.webhook,
        configuration=spec.configuration,
        backend_configuration=spec.backend_configuration,
        parent_id=spec.parent_id,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    session.add(batch)
    session.flush()
    _set_tags(session, batch.id, spec.tags)
    add_jobs(session, batch, jobs)
    return batch


def add_jobs(session: Session, batch: Batch, jobs: Sequence[NewJob]) -> None:
    if not jobs:
        return
    now = utcnow()
    first = batch.next_ordered_id
    session.execute(
        insert(Job),
        [
            {
                "id": new_id(),
                "batch_id": batch.id,
                "project_id": batch.project_id,
                "user_id": batch.user_id,
                "ordered_id": first + position,
                "runs": job.runs,
                "variables": job.variables,
                "status": JobStatus.PENDING,
                "errors": [],
                "parent_id": job.parent_id,
                "created_at": now,
                "updated_at": now,
                "attempts": 0,
                "has_result": False,
            }
            for position, job in enumerate(jobs)
        ],
    )
    batch.next_ordered_id = first + len(jobs)
    batch.last_activity_at = now
    refresh_batch_status(session, batch)


def get_batch(session: Session, project_ids: Collection[str], batch_id: str) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.project_id not in project_ids:
        raise NotFound(f"No batch with id {batch_id}.")
    return batch


def _filtered(query: BatchQuery, project_ids: Collection[str]) -> Select[tuple[Batch]]:
    stmt = select(Batch).where(Batch.project_id.in_(project_ids))
    conditions = []
    if query.ids:
        conditions.append(Batch.id.in_(query.ids))
    if query.project_ids:
        conditions.append(Batch.project_id.in_(query.project_ids))
    if query.user_ids:
        conditions.append(Batch.user_id.in_(query.user_ids))
    if query.device_types:
        conditions.append(Batch.device_type.in_(query.device_types))
    if query.statuses:
        conditions.append(Batch.status.in_(query.statuses))
    if query.open is not None:
        conditions.append(Batch.open.is_(query.open))
    if query.start_date is not None:
        conditions.append(Batch.created_at >= query.start_date)
    if query.end_date is not None:
        conditions.append(Batch.created_at <= query.end_date)
    if query.priorities:
        conditions.append(Batch.priority.in_(query.priorities))
    if query.tags:
        conditions.append(
            exists().where(BatchTag.batch_id == Batch.id, BatchTag.tag.in_(query.tags))
        )
    return stmt.where(and_(*conditions)) if conditions else stmt


def list_batches(
    session: Session, project_ids: Collection[str], query: BatchQuery, page: Page
) -> tuple[list[Batch], int]:
    """A page of batches, newest first, and how many match in all."""
    stmt = _filtered(query, project_ids)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Batch.created_at.desc(), Batch.id).offset(page.offset).limit(page.limit)
    ).all()
    return list(rows), total


def find_batches(
    session: Session, project_ids: Collection[str], ids: Collection[str]
) -> list[Batch]:
    return list(
        session.scalars(
            select(Batch).where(Batch.id.in_(ids), Batch.project_id.in_(project_ids))
        ).all()
    )


def job_counts(session: Session, batch_ids: Collection[str]) -> dict[str, dict[str, int]]:
    """{batch id: {job status: count}} for many batches in one query."""
    counts: dict[str, dict[str, int]] = {batch_id: {} for batch_id in batch_ids}
    if not batch_ids:
        return counts
    rows = session.execute(
        select(Job.batch_id, Job.status, func.count())
        .where(Job.batch_id.in_(batch_ids))
        .group_by(Job.batch_id, Job.status)
    ).all()
    for batch_id, status, count in rows:
        counts[batch_id][status] = count
    return counts


def tags_of(session: Session, batch_ids: Collection[str]) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = defaultdict(list)
    if batch_ids:
        rows = session.execute(
            select(BatchTag.batch_id, BatchTag.tag)
            .where(BatchTag.batch_id.in_(batch_ids))
            .order_by(BatchTag.tag)
        ).all()
        for batch_id, tag in rows:
            tags[batch_id].append(tag)
    return tags


def set_tags(session: Session, batch: Batch, tags: Sequence[str]) -> None:
    session.execute(delete(BatchTag).where(BatchTag.batch_id == batch.id))
    _set_tags(session, batch.id, tags)
    batch.updated_at = utcnow()


def _set_tags(session: Session, batch_id: str, tags: Sequence[str]) -> None:
    unique = sorted(set(tags))
    if unique:
        session.execute(insert(BatchTag), [{"batch_id": batch_id, "tag": t} for t in unique])


def refresh_batch_status(session: Session, batch: Batch) -> None:
    """Recompute a batch's status and its start/end times from its jobs."""
    session.flush()
    counts = job_counts(session, [batch.id])[batch.id]
    status = derive_batch_status(batch.status, batch.open, counts)
    now = utcnow()
    if status != batch.status:
        batch.status = status
        batch.updated_at = now
    if batch.start_datetime is None and status != BatchStatus.PENDING:
        batch.start_datetime = now
    if is_batch_finished(status) and batch.end_datetime is None:
        batch.end_datetime = now


def refresh_batch_statuses(session: Session, batch_ids: Collection[str]) -> None:
    for batch_id in batch_ids:
        batch = session.get(Batch, batch_id)
        if batch is not None:
            refresh_batch_status(session, batch)


def time_out_idle_open_batches(session: Session, ttl_seconds: float) -> list[str]:
    """Close, as TIMED_OUT, open batches that took no job for `ttl_seconds` and have nothing
    left to run. Returns their ids."""
    cutoff = utcnow() - timedelta(seconds=ttl_seconds)
    active = exists().where(Job.batch_id == Batch.id, Job.status.in_(ACTIVE_JOB_STATUSES))
    batches = session.scalars(
        select(Batch).where(Batch.open.is_(True), Batch.last_activity_at < cutoff, ~active)
    ).all()
    now = utcnow()
    for batch in batches:
        batch.open = False
        batch.status = BatchStatus.TIMED_OUT
        batch.updated_at = now
        batch.end_datetime = now
    return [batch.id for batch in batches]
