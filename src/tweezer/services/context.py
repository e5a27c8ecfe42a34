"""What a request's service functions need: the store, results, signer, and a way to say
'something changed' (wakes the scheduler and any waiting client)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tweezer.results.links import ResultLinkSigner
from tweezer.results.store import LocalResultStore
from tweezer.security.access_tokens import AccessTokens
from tweezer.settings import Settings
from tweezer.store.db import Database


@dataclass
class ServerContext:
    settings: Settings
    db: Database
    results: LocalResultStore
    signer: ResultLinkSigner
    access_tokens: AccessTokens
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def changed(self) -> None:
        for listener in self.listeners:
            listener()
