"""Workload rows."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from tweezer.domain.errors import NotFound
from tweezer.enums import WorkloadStatus
from tweezer.store.models import Workload, new_id, utcnow


def create_workload(
    session: Session,
    project_id: str,
    user_id: str,
    workload_type: str,
    backend: str,
    config: dict[str, Any],
) -> Workload:
    now = utcnow()
    workload = Workload(
        id=new_id(),
        project_id=project_id,
        user_id=user_id,
        workload_type=workload_type,
        backend=backend,
        config=config,
        status=WorkloadStatus.PENDING,
        errors=[],
        created_at=now,
        updated_at=now,
        has_result=False,
    )
    session.add(workload)
    session.flush()
    return workload


def get_workload(session: Session, project_ids: Collection[str], workload_id: str) -> Workload:
    workload = session.get(Workload, workload_id)
    if workload is None or workload.project_id not in project_ids:
        raise NotFound(f"No workload with id {workload_id}.")
    return workload


def cancel_workload(workload: Workload) -> None:
    now = utcnow()
    workload.status = WorkloadStatus.CANCELED
    workload.end_timestamp = now
    workload.updated_at = now
