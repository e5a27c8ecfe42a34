"""The account API (the SDK's `account` base URL): login, projects, users, members, tokens."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from tweezer.api.deps import Context, CurrentCaller
from tweezer.api.envelope import success
from tweezer.domain.errors import (
    InvalidInput,
    MalformedBody,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from tweezer.services import accounts as service
from tweezer.store.models import ApiToken, Project, User
from tweezer.webhooks.signing import project_key

router = APIRouter(tags=["account"])

#: The grants /oauth/token takes: OAuth2's password grant, and Auth0's password-realm grant
#: that the official pasqal-cloud client sends.
PASSWORD_GRANTS = ("password", "http://auth0.com/oauth/grant-type/password-realm")


def _oauth_error(
    code: int, error: str, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=code, headers=headers
    )


async def _form_or_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise MalformedBody("The body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise MalformedBody("The body must be a JSON object.")
        return body
    return {key: values[-1] for key, values in parse_qs(raw.decode("utf-8", "replace")).items()}


@router.post("/oauth/token", summary="Log in: OAuth2 password grant (and Auth0 password-realm)")
async def token(request: Request, ctx: Context) -> JSONResponse:
    """Answers in OAuth2's shape: `{"access_token", "token_type", "expires_in"}`, or
    `{"error", "error_description"}` with 400, 401 or 429."""
    try:
        body = await _form_or_json(request)
    except MalformedBody as error:
        return _oauth_error(400, "invalid_request", error.description)
    if body.get("grant_type") not in PASSWORD_GRANTS:
        return _oauth_error(
            400,
            "unsupported_grant_type",
            f"grant_type must be one of {', '.join(PASSWORD_GRANTS)}.",
        )
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        return _oauth_error(400, "invalid_request", "Send a username and a password.")
    address = request.client.host if request.client else "unknown"
    try:
        login = await run_in_threadpool(service.login, ctx, username, password, address)
    except Unauthenticated as error:
        return _oauth_error(401, "invalid_grant", error.description)
    except RateLimited as error:
        return _oauth_error(
            429, "too_many_attempts", error.description, {"Retry-After": str(error.retry_after)}
        )
    return JSONResponse(
        {
            "access_token": login.access_token,
            "token_type": "Bearer",
            "expires_in": login.expires_in,
        },
        headers={"Cache-Control": "no-store"},
    )


def _user(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.username,
        "is_admin": user.is_admin,
        "created_at": user.created_at.isoformat(),
    }


def _project(project: Project, role: str | None = None) -> dict[str, Any]:
    item = {
        "id": project.id,
        "name": project.name,
        "status": project.status,
        "created_at": project.created_at.isoformat(),
    }
    if role is not None:
        item["role"] = role
    return item


def _token(row: ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "name": row.name,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "revoked": row.revoked_at is not None,
    }


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: StrictStr
    password: StrictStr | None = None
    is_admin: StrictBool = False


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: StrictStr
    role: StrictStr = "member"


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr = ""
    expires_in_seconds: StrictInt | None = None
    user: StrictStr | None = None


@router.get("/api/v1/me", summary="Who the token belongs to, and their projects")
def me(ctx: Context, caller: CurrentCaller) -> JSONResponse:
    projects = service.projects_of(ctx, caller, None)
    return success(
        {
            "id": caller.user_id,
            "is_admin": caller.is_admin,
            "projects": [_project(project, role) for project, role in projects],
        }
    )


@router.get("/api/v1/projects", summary="The caller's projects")
def list_projects(
    ctx: Context, caller: CurrentCaller, project_status: str | None = None
) -> JSONResponse:
    if project_status is not None and project_status not in ("ACTIVE", "ARCHIVED"):
        raise InvalidInput(f"'project_status' must be ACTIVE or ARCHIVED; got {project_status!r}.")
    projects = service.projects_of(ctx, caller, project_status)
    return success([_project(project, role) for project, role in projects])


@router.post("/api/v1/projects", summary="Create a project (server admins)")
def create_project(body: ProjectIn, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success(_project(service.create_project(ctx, caller, body.name), "admin"))


@router.get("/api/v1/projects/{project_id}/members", summary="A project's members")
def list_members(project_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    members = service.members_of(ctx, caller, project_id)
    return success([{**_user(user), "role": role} for user, role in members])


@router.post("/api/v1/projects/{project_id}/members", summary="Add a member or change a role")
def set_member(
    project_id: str, body: MemberIn, ctx: Context, caller: CurrentCaller
) -> JSONResponse:
    user = service.set_member(ctx, caller, project_id, body.user, body.role)
    return success({**_user(user), "role": body.role})


@router.delete("/api/v1/projects/{project_id}/members/{user_id}", summary="Remove a member")
def remove_member(
    project_id: str, user_id: str, ctx: Context, caller: CurrentCaller
) -> JSONResponse:
    service.remove_member(ctx, caller, project_id, user_id)
    return success({"project_id": project_id, "user_id": user_id})


@router.get("/api/v1/users", summary="Every user (server admins)")
def list_users(ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success([_user(user) for user in service.list_users(ctx, caller)])


@router.post("/api/v1/users", summary="Create a user (server admins)")
def create_user(body: UserIn, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success(
        _user(service.create_user(ctx, caller, body.username, body.password, body.is_admin))
    )


@router.get("/api/v1/tokens", summary="The caller's API tokens (all users' with ?all=true, admins)")
def list_tokens(ctx: Context, caller: CurrentCaller, all: bool = False) -> JSONResponse:  # noqa: A002
    return success([_token(row) for row in service.list_tokens(ctx, caller, all)])


@router.post("/api/v1/tokens", summary="Create an API token; the token is shown this once")
def create_token(body: TokenIn, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    row, clear = service.create_token(ctx, caller, body.name, body.expires_in_seconds, body.user)
    return success({**_token(row), "token": clear})


@router.delete("/api/v1/tokens/{token_id}", summary="Revoke an API token")
def revoke_token(token_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success(_token(service.revoke_token(ctx, caller, token_id)))


@router.get("/api/v1/projects/{project_id}/webhook-secret", summary="Key that signs webhooks")
def webhook_secret(project_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    """The HMAC key of this project's webhook signatures (see docs/webhooks.md)."""
    if project_id not in caller.project_ids:
        raise NotFound(f"No project with id {project_id}.")
    key = project_key(ctx.settings.secret_key, project_id)
    return success({"project_id": project_id, "secret": key.hex()})
