"""The one place that turns errors into HTTP answers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tweezer.api.envelope import failure
from tweezer.domain import errors

log = logging.getLogger("tweezer.api")

STATUS_OF: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedEncoding: 415,
    errors.MalformedBody: 422,
    errors.RateLimited: 429,
}


def status_of(error: errors.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def describe_validation(error: RequestValidationError) -> str:
    """One sentence per problem, naming where in the body it is."""
    sentences = []
    for problem in error.errors()[:5]:
        location = [str(part) for part in problem.get("loc", ()) if part != "body"]
        if problem.get("type") == "json_invalid":
            sentences.append("The body is not valid JSON.")
            continue
        where = ".".join(location)
        message = problem.get("msg", "is not valid")
        sentences.append(f"'{where}': {message}." if where else f"{message}.")
    return "The request does not parse: " + " ".join(sentences)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.DomainError)
    async def _domain(_: Request, error: errors.DomainError) -> JSONResponse:
        response = failure(status_of(error), error.description)
        if isinstance(error, errors.Unauthenticated):
            response.headers["WWW-Authenticate"] = "Bearer"
        if isinstance(error, errors.RateLimited):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return failure(422, describe_validation(error))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> JSONResponse:
        description = str(error.detail)
        if error.status_code == 404 and description == "Not Found":
            description = "There is no such endpoint; see /docs for the API."
        elif error.status_code == 405:
            description = "This endpoint does not take that HTTP method; see /docs for the API."
        return failure(error.status_code, description)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=error)
        return failure(500, "The server failed to answer this request; it has been logged.")
