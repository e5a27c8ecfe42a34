"""Users, projects, memberships, API tokens and login throttling.

API tokens are stored as SHA-256 digests only; passwords as argon2 hashes (made by the caller).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tweezer.domain import throttle
from tweezer.domain.errors import Conflict, NotFound, Unauthenticated
from tweezer.store.models import ApiToken, LoginThrottle, Membership, Project, User, utcnow

TOKEN_PREFIX = "twz_"
ROLES = ("admin", "member")


@dataclass(frozen=True)
class Caller:
    """Who makes a request, and the projects whose work they may see."""

    user_id: str
    project_ids: frozenset[str]
    is_admin: bool = False
    #: Projects in which the caller has the admin role (may manage members).
    admin_project_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Bootstrap:
    username: str
    token: str
    project_id: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_api_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


# ---- users ----


def create_user(
    session: Session, username: str, password_hash: str | None, is_admin: bool = False
) -> User:
    user = User(username=username.strip().lower(), password_hash=password_hash, is_admin=is_admin)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"A user named {username} already exists.") from None
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def user_by_id_or_name(session: Session, ref: str) -> User:
    user = session.get(User, ref) or find_user(session, ref)
    if user is None:
        raise NotFound(f"No user {ref}.")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.created_at, User.username)).all())


# ---- projects and memberships ----


def create_project(session: Session, name: str) -> Project:
    project = Project(name=name)
    session.add(project)
    session.flush()
    return project


def get_project(session: Session, project_id: str) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"No project with id {project_id}.")
    return project


def projects_of(
    session: Session, user_id: str, status: str | None = None
) -> list[tuple[Project, str]]:
    """The user's projects, each with the user's role in it."""
    stmt = (
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user_id)
        .order_by(Project.created_at, Project.name)
    )
    if status is not None:
        stmt = stmt.where(Project.status == status)
    return [(project, role) for project, role in session.execute(stmt).all()]


def list_projects(session: Session) -> list[Project]:
    return list(session.scalars(select(Project).order_by(Project.created_at)).all())


def set_membership(session: Session, project_id: str, user_id: str, role: str) -> Membership:
    membership = session.get(Membership, (user_id, project_id))
    if membership is None:
        membership = Membership(user_id=user_id, project_id=project_id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def remove_membership(session: Session, project_id: str, user_id: str) -> None:
    membership = session.get(Membership, (user_id, project_id))
    if membership is None:
        raise NotFound(f"User {user_id} is not a member of project {project_id}.")
    session.delete(membership)


def members_of(session: Session, project_id: str) -> list[tuple[User, str]]:
    stmt = (
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project_id)
        .order_by(User.username)
    )
    return [(user, role) for user, role in session.execute(stmt).all()]


# ---- API tokens ----


def create_api_token(
    session: Session, user_id: str, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token for a user; return its row and the clear token, shown this once only."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, token_hash=hash_token(token), name=name, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row, token


def tokens_of(session: Session, user_id: str | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.created_at)
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    return list(session.scalars(stmt).all())


def get_api_token(session: Session, token_id: str) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"No token with id {token_id}.")
    return row


def revoke_api_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()


# ---- callers ----


def caller_for_user(session: Session, user_id: str) -> Caller:
    user = session.get(User, user_id)
    if user is None:
        raise Unauthenticated("The bearer token's user no longer exists.")
    memberships = session.execute(
        select(Membership.project_id, Membership.role).where(Membership.user_id == user_id)
    ).all()
    return Caller(
        user_id=user_id,
        project_ids=frozenset(project_id for project_id, _ in memberships),
        is_admin=user.is_admin,
        admin_project_ids=frozenset(p for p, role in memberships if role == "admin"),
    )


def caller_for_api_token(session: Session, token: str) -> Caller:
    """The caller an API token stands for; Unauthenticated if unknown, revoked or expired."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None:
        raise Unauthenticated("The bearer token is not valid on this server.")
    if row.revoked_at is not None:
        raise Unauthenticated("The bearer token was revoked; ask for a new one.")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise Unauthenticated("The bearer token has expired; ask for a new one.")
    return caller_for_user(session, row.user_id)


def bootstrap_admin(session: Session, username: str = "admin") -> Bootstrap | None:
    """On an empty database, make an admin, a default project and a token; else do nothing."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    user = create_user(session, username, password_hash=None, is_admin=True)
    project = create_project(session, "default")
    set_membership(session, project.id, user.id, "admin")
    _, token = create_api_token(session, user.id, name="bootstrap")
    return Bootstrap(username=user.username, token=token, project_id=project.id)


# ---- login throttling ----


def blocked_until(session: Session, keys: list[str]) -> datetime | None:
    """The latest time until which any of these keys is blocked, if one is blocked now."""
    now = utcnow()
    latest = None
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            latest = max(latest or row.blocked_until, row.blocked_until)
    return latest


def record_login_failure(session: Session, keys: list[str]) -> None:
    now = utcnow()
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None or throttle.window_expired(row.window_started_at, now):
            if row is not None:
                session.delete(row)
                session.flush()
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            session.add(row)
        row.failures += 1
        block = throttle.block_after(row.failures)
        row.blocked_until = now + block if block else None


def clear_login_failures(session: Session, keys: list[str]) -> None:
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None:
            session.delete(row)
