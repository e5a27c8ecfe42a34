"""Request dependencies: the server context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from tweezer.domain.errors import Unauthenticated
from tweezer.services.accounts import caller_for_bearer
from tweezer.services.context import ServerContext
from tweezer.store.accounts import Caller


def get_context(request: Request) -> ServerContext:
    return request.app.state.context  # type: ignore[no-any-return]


Context = Annotated[ServerContext, Depends(get_context)]


async def get_caller(request: Request, ctx: Context) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "This endpoint needs a token: send the header 'Authorization: Bearer <token>'."
        )

    return await run_in_threadpool(caller_for_bearer, ctx, token.strip())


CurrentCaller = Annotated[Caller, Depends(get_caller)]


def base_url(request: Request, ctx: ServerContext) -> str:
    """Where clients reach this server: the configured public URL, else the request's own."""
    return ctx.settings.public_url or str(request.base_url)


def query_params(request: Request) -> dict[str, list[str]]:
    """Query parameters with repeated keys kept as lists."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params
