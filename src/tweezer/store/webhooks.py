"""The webhook outbox: deliveries enqueued with job outcomes, taken by a delivery loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tweezer.enums import JobStatus
from tweezer.store.models import Batch, Job, WebhookDelivery, utcnow

#: Job outcomes that are announced to a batch's webhook.
ANNOUNCED_STATUSES = frozenset({JobStatus.DONE, JobStatus.ERROR})


@dataclass(frozen=True)
class DueDelivery:
    id: str
    job_id: str
    url: str
    attempts: int


def enqueue_for_job(session: Session, job_id: str) -> bool:
    """Queue the delivery of a job's outcome if its batch has a webhook; True if queued."""
    row = session.execute(
        select(Job.status, Batch.webhook)
        .join(Batch, Batch.id == Job.batch_id)
        .where(Job.id == job_id)
    ).first()
    if row is None or row.webhook is None or row.status not in ANNOUNCED_STATUSES:
        return False
    session.add(
        WebhookDelivery(job_id=job_id, url=row.webhook, attempts=0, next_attempt_at=utcnow())
    )
    return True


def claim_due(session: Session, limit: int, hold_seconds: float) -> list[DueDelivery]:
    """Take up to `limit` deliveries that are due, holding them for `hold_seconds` so that
    other delivery loops (other replicas) leave them alone meanwhile."""
    now = utcnow()
    stmt = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.delivered_at.is_(None),
            WebhookDelivery.failed_at.is_(None),
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    due = []
    for delivery in session.scalars(stmt).all():
        delivery.next_attempt_at = now + timedelta(seconds=hold_seconds)
        delivery.attempts += 1
        due.append(DueDelivery(delivery.id, delivery.job_id, delivery.url, delivery.attempts))
    return due


def mark_delivered(session: Session, delivery_id: str) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is not None:
        delivery.delivered_at = utcnow()
        delivery.last_error = None


def mark_failed(session: Session, delivery_id: str, error: str, retry_at: datetime | None) -> None:
    """Record a failed try: try again at `retry_at`, or give up when it is None."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return
    delivery.last_error = error
    if retry_at is None:
        delivery.failed_at = utcnow()
    else:
        delivery.next_attempt_at = retry_at
