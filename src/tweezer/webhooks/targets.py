"""Which webhook targets the server posts to: http(s) URLs on public addresses only.

A webhook makes the server send requests where a user says; without this check it would reach
into the network it runs in (cloud metadata services, databases on loopback). Operators of a
private deployment can allow private addresses with `TWEEZER_WEBHOOK_ALLOW_PRIVATE_TARGETS`.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from tweezer.domain.errors import InvalidInput


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise InvalidInput(f"The webhook host {host!r} does not resolve.") from None
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def check_target(url: str, allow_private: bool) -> None:
    """Raise InvalidInput unless the server may post to `url`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"A webhook must be an absolute http or https URL; got {url!r}.")
    if allow_private:
        return
    for address in _addresses(parts.hostname):
        if not address.is_global:
            raise InvalidInput(
                f"The webhook {url} resolves to the non-public address {address}; this server "
                "posts only to public addresses (its operator may allow private ones)."
            )
