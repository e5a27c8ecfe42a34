"""Rows to wire objects (the field names and shapes of shared/reference/pcs-wire.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tweezer.store import batches as batch_store
from tweezer.store.models import Batch, Job, Workload


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def job_to_wire(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "batch_id": job.batch_id,
        "project_id": job.project_id,
        "user_id": job.user_id,
        "ordered_id": job.ordered_id,
        "runs": job.runs,
        "status": job.status,
        "created_at": _time(job.created_at),
        "updated_at": _time(job.updated_at),
        "start_timestamp": _time(job.start_timestamp),
        "end_timestamp": _time(job.end_timestamp),
        "errors": list(job.errors or []),
        "variables": job.variables,
        "parent_id": job.parent_id,
        # A job's own sequence (pasqal-cloud >= 0.22 reads it): jobs here always run their
        # batch's sequence_builder, so it is null.
        "sequence": None,
    }


def batches_to_wire(
    session: Session, batches: Sequence[Batch], jobs: dict[str, list[Job]] | None = None
) -> list[dict[str, Any]]:
    """Batch objects for many batches with two extra queries in all (counts, tags)."""
    ids = [batch.id for batch in batches]
    counts = batch_store.job_counts(session, ids)
    tags = batch_store.tags_of(session, ids)
    out = []
    for batch in batches:
        per_status = counts.get(batch.id, {})
        item: dict[str, Any] = {
            "id": batch.id,
            "open": batch.open,
            "complete": not batch.open,
            "created_at": _time(batch.created_at),
            "updated_at": _time(batch.updated_at),
            "device_type": batch.device_type,
            "project_id": batch.project_id,
            "user_id": batch.user_id,
            "status": batch.status,
            "jobs_count": sum(per_status.values()),
            "jobs_count_per_status": per_status,
            "webhook": batch.webhook,
            "start_datetime": _time(batch.start_datetime),
            "end_datetime": _time(batch.end_datetime),
            "device_status": None,
            "parent_id": batch.parent_id,
            "configuration": batch.configuration,
            "backend_configuration": batch.backend_configuration,
            "tags": tags.get(batch.id, []),
            "sequence_builder": batch.sequence_builder,
            "priority": batch.priority,
            "queue_priority": batch.priority,
        }
        if jobs is not None:
            item["jobs"] = [job_to_wire(job) for job in jobs.get(batch.id, [])]
        out.append(item)
    return out


def batch_to_wire(session: Session, batch: Batch, jobs: list[Job] | None = None) -> dict[str, Any]:
    return batches_to_wire(session, [batch], {batch.id: jobs} if jobs is not None else None)[0]


def workload_to_wire(workload: Workload, result_link: str | None) -> dict[str, Any]:
    return {
        "id": workload.id,
        "project_id": workload.project_id,
        "user_id": workload.user_id,
        "status": workload.status,
        "backend": workload.backend,
        "workload_type": workload.workload_type,
        "config": workload.config,
        "created_at": _time(workload.created_at),
        "updated_at": _time(workload.updated_at),
        "start_timestamp": _time(workload.start_timestamp),
        "end_timestamp": _time(workload.end_timestamp),
        "errors": list(workload.errors or []),
        "result_link": result_link,
        "result": None,
    }
