"""The server's domain errors: one small tree, mapped to HTTP in exactly one place (`api.errors`).

Each error carries a sentence for a person: what is wrong and, where we know it, how to fix it.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the server reports to a caller."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidInput(DomainError):
    """The request is understood but its content is wrong (HTTP 400)."""


class Unauthenticated(DomainError):
    """No credentials, or credentials the server does not accept (HTTP 401)."""


class Forbidden(DomainError):
    """The caller is known but may not do this (HTTP 403)."""


class NotFound(DomainError):
    """No such object, or one the caller may not see (HTTP 404)."""


class Conflict(DomainError):
    """The object's state forbids the action (HTTP 409)."""


class PayloadTooLarge(DomainError):
    """The request body is over the configured limit (HTTP 413)."""


class UnsupportedEncoding(DomainError):
    """The request body uses a content encoding the server does not read (HTTP 415)."""


class MalformedBody(DomainError):
    """The request body does not parse (HTTP 422)."""


class RateLimited(DomainError):
    """Too many requests of this kind; try again later (HTTP 429)."""

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = retry_after
