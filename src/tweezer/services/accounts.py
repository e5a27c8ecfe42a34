"""Account use cases: login, and what admins do with users, projects, members and tokens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from tweezer.domain.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from tweezer.security.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from tweezer.services.context import ServerContext
from tweezer.store import accounts as store
from tweezer.store.accounts import Caller
from tweezer.store.models import ApiToken, Project, User, utcnow


@dataclass(frozen=True)
class Login:
    access_token: str
    expires_in: int


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return password


def login(ctx: ServerContext, username: str, password: str, address: str) -> Login:
    """Check a user's password and mint an access token.

    Failures are counted per account and per client address; past a few, tries are refused
    for a growing while (429). The answer to a wrong email and to a wrong password is the same.
    """
    keys = [f"user:{username.strip().lower()}", f"address:{address}"]
    with ctx.db.transaction() as session:
        until = store.blocked_until(session, keys)
        user = store.find_user(session, username)
        password_hash = user.password_hash if user is not None else None
    if until is not None:
        wait = max(1, math.ceil((until - utcnow()).total_seconds()))
        raise RateLimited(
            f"Too many failed logins for this account or from this address; try again in {wait} s.",
            retry_after=wait,
        )
    valid = verify_password(password_hash, password)  # slow on purpose: outside the transaction
    with ctx.db.transaction() as session:
        if valid:
            store.clear_login_failures(session, keys)
        else:
            store.record_login_failure(session, keys)
    if not valid or user is None:
        raise Unauthenticated("Wrong email or password.")
    return Login(ctx.access_tokens.mint(user.id), ctx.access_tokens.ttl_seconds)


def _require_admin(caller: Caller, action: str) -> None:
    if not caller.is_admin:
        raise Forbidden(f"Only a server admin may {action}.")


def _require_project_admin(caller: Caller, project_id: str) -> None:
    if caller.is_admin or project_id in caller.admin_project_ids:
        return
    if project_id not in caller.project_ids:
        raise NotFound(f"No project with id {project_id}.")
    raise Forbidden(f"Only an admin of project {project_id} may manage its members.")


def create_user(
    ctx: ServerContext, caller: Caller, username: str, password: str | None, is_admin: bool
) -> User:
    _require_admin(caller, "create users")
    if "@" not in username and not username.isidentifier():
        raise InvalidInput("A user name must be an email address or a plain identifier.")
    password_hash = hash_password(check_password(password)) if password else None
    with ctx.db.transaction() as session:
        return store.create_user(session, username, password_hash, is_admin)


def list_users(ctx: ServerContext, caller: Caller) -> list[User]:
    _require_admin(caller, "list users")
    with ctx.db.transaction() as session:
        return store.list_users(session)


def create_project(ctx: ServerContext, caller: Caller, name: str) -> Project:
    """A new project; its creator becomes its admin."""
    _require_admin(caller, "create projects")
    if not name.strip():
        raise InvalidInput("A project needs a name.")
    with ctx.db.transaction() as session:
        project = store.create_project(session, name.strip())
        store.set_membership(session, project.id, caller.user_id, "admin")
        return project


def projects_of(
    ctx: ServerContext, caller: Caller, status: str | None
) -> list[tuple[Project, str]]:
    with ctx.db.transaction() as session:
        return store.projects_of(session, caller.user_id, status)


def set_member(
    ctx: ServerContext, caller: Caller, project_id: str, user_ref: str, role: str
) -> User:
    if role not in store.ROLES:
        raise InvalidInput(f"A role is one of {', '.join(store.ROLES)}; got {role!r}.")
    _require_project_admin(caller, project_id)
    with ctx.db.transaction() as session:
        store.get_project(session, project_id)
        user = store.user_by_id_or_name(session, user_ref)
        store.set_membership(session, project_id, user.id, role)
        return user


def remove_member(ctx: ServerContext, caller: Caller, project_id: str, user_id: str) -> None:
    _require_project_admin(caller, project_id)
    with ctx.db.transaction() as session:
        store.remove_membership(session, project_id, user_id)


def members_of(ctx: ServerContext, caller: Caller, project_id: str) -> list[tuple[User, str]]:
    if not caller.is_admin and project_id not in caller.project_ids:
        raise NotFound(f"No project with id {project_id}.")
    with ctx.db.transaction() as session:
        return store.members_of(session, project_id)


def create_token(
    ctx: ServerContext,
    caller: Caller,
    name: str,
    expires_in_seconds: int | None,
    user_ref: str | None,
) -> tuple[ApiToken, str]:
    """A new API token for the caller, or for another user when the caller is an admin."""
    if expires_in_seconds is not None and expires_in_seconds <= 0:
        raise InvalidInput("'expires_in_seconds' must be positive; omit it for no expiry.")
    expires_at: datetime | None = (
        utcnow() + timedelta(seconds=expires_in_seconds) if expires_in_seconds else None
    )
    with ctx.db.transaction() as session:
        owner = caller.user_id
        if user_ref is not None:
            _require_admin(caller, "create tokens for other users")
            owner = store.user_by_id_or_name(session, user_ref).id
        return store.create_api_token(session, owner, name, expires_at)


def list_tokens(ctx: ServerContext, caller: Caller, everyone: bool) -> list[ApiToken]:
    if everyone:
        _require_admin(caller, "list every user's tokens")
    with ctx.db.transaction() as session:
        return store.tokens_of(session, None if everyone else caller.user_id)


def revoke_token(ctx: ServerContext, caller: Caller, token_id: str) -> ApiToken:
    with ctx.db.transaction() as session:
        row = store.get_api_token(session, token_id)
        if row.user_id != caller.user_id and not caller.is_admin:
            raise NotFound(f"No token with id {token_id}.")
        store.revoke_api_token(row)
        return row


def caller_for_bearer(ctx: ServerContext, token: str) -> Caller:
    """The caller behind a bearer token: an API token, or an access token from a login."""
    with ctx.db.transaction() as session:
        if store.is_api_token(token):
            return store.caller_for_api_token(session, token)
        return store.caller_for_user(session, ctx.access_tokens.user_id(token))
