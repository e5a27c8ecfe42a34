"""Users, projects, memberships and API tokens. Tokens are stored as SHA-256 digests only."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tweezer.domain.errors import Unauthenticated
from tweezer.store.models import ApiToken, Membership, Project, User, utcnow

TOKEN_PREFIX = "twz_"


@dataclass(frozen=True)
class Caller:
    """Who makes a request, and the projects whose work they may see."""

    user_id: str
    project_ids: frozenset[str]


@dataclass(frozen=True)
class Bootstrap:
    username: str
    token: str
    project_id: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(
    session: Session, user_id: str, name: str = "", expires_at: datetime | None = None
) -> str:
    """Make a token for a user and return it in clear: the only time it exists so."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(user_id=user_id, token_hash=hash_token(token), name=name, expires_at=expires_at)
    )
    return token


def bootstrap_admin(session: Session, username: str = "admin") -> Bootstrap | None:
    """On an empty database, make an admin, a default project and a token; else do nothing."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    user = User(username=username, is_admin=True)
    project = Project(name="default")
    session.add_all([user, project])
    session.flush()
    session.add(Membership(user_id=user.id, project_id=project.id, role="admin"))
    token = create_api_token(session, user.id, name="bootstrap")
    return Bootstrap(username=username, token=token, project_id=project.id)


def caller_for_token(session: Session, token: str) -> Caller:
    """The caller a bearer token stands for; Unauthenticated if it is unknown or no longer valid."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None:
        raise Unauthenticated("The bearer token is not valid on this server.")
    if row.revoked_at is not None:
        raise Unauthenticated("The bearer token was revoked; ask for a new one.")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise Unauthenticated("The bearer token has expired; ask for a new one.")
    project_ids = session.scalars(
        select(Membership.project_id).where(Membership.user_id == row.user_id)
    ).all()
    return Caller(user_id=row.user_id, project_ids=frozenset(project_ids))
