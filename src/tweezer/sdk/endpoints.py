"""Where the SDK sends its requests: the server's base URLs and the Auth0 tenant to log in with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: Pasqal's public services, the defaults of the official client.
PASQAL_CORE_URL: Final[str] = "https://apis.pasqal.cloud/core-fast"
PASQAL_ACCOUNT_URL: Final[str] = "https://apis.pasqal.cloud/account"

PASQAL_AUTH0_DOMAIN: Final[str] = "pasqal.eu.auth0.com"
PASQAL_AUTH0_CLIENT_ID: Final[str] = "PeZvo7Atx7IVv3iel59asJSb4Ig7vuSB"
PASQAL_AUTH0_AUDIENCE: Final[str] = "https://apis.pasqal.cloud/account/api/v1"
PASQAL_AUTH0_REALM: Final[str] = "pcs-users"


@dataclass(frozen=True)
class Endpoints:
    """The two base URLs of a server.

    `core` serves batches, jobs, workloads, devices and results; `account` serves logins (and,
    on Pasqal's services, users and projects). A Tweezer server serves both on one origin, so
    point both at it: `Endpoints(core="http://localhost:8000", account="http://localhost:8000")`.
    """

    core: str = PASQAL_CORE_URL
    account: str = PASQAL_ACCOUNT_URL

    def __post_init__(self) -> None:
        object.__setattr__(self, "core", self.core.rstrip("/"))
        object.__setattr__(self, "account", self.account.rstrip("/"))


@dataclass(frozen=True)
class Auth0Conf:
    """The Auth0 tenant that a username and a password are checked against."""

    domain: str = PASQAL_AUTH0_DOMAIN
    public_client_id: str = PASQAL_AUTH0_CLIENT_ID
    audience: str = PASQAL_AUTH0_AUDIENCE
    realm: str = PASQAL_AUTH0_REALM
