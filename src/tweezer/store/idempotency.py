"""Remembered POSTs: (project, Idempotency-Key) -> the object that request created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tweezer.domain.errors import InvalidInput
from tweezer.store.models import IdempotencyKey, utcnow

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Remembered:
    kind: str
    object_id: str


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} characters long."
        )
    return key


def find(session: Session, project_id: str, key: str, request: str) -> Remembered | None:
    row = session.get(IdempotencyKey, (project_id, key))
    if row is None:
        return None
    if row.request != request:
        raise InvalidInput(
            f"The Idempotency-Key {key!r} was already used for another request ({row.request}); "
            "use a new key for each distinct request."
        )
    return Remembered(kind=row.kind, object_id=row.object_id)


def remember(
    session: Session, project_id: str, key: str, request: str, kind: str, object_id: str
) -> None:
    session.add(
        IdempotencyKey(
            project_id=project_id, key=key, request=request, kind=kind, object_id=object_id
        )
    )


def forget_older_than(session: Session, seconds: float) -> int:
    cutoff = utcnow() - timedelta(seconds=seconds)
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return result.rowcount or 0
