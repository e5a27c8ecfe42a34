"""What a request's service functions need: the store, results, signer, and a way to say
'something changed' (wakes the scheduler and any waiting client)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session

from tweezer.results.links import ResultLinkSigner
from tweezer.results.store import LocalResultStore
from tweezer.security.access_tokens import AccessTokens
from tweezer.settings import Settings
from tweezer.store.db import Database

log = logging.getLogger("tweezer.services")

T = TypeVar("T")
#: Turns the id of what a request created into its answer, inside the transaction that wrote
#: it: a request that changed something is answered from that same transaction, so no failure
#: after the commit can make the client see an error (and retry) for work that was done.
Render = Callable[[Session, str], T]


@dataclass
class ServerContext:
    settings: Settings
    db: Database
    results: LocalResultStore
    signer: ResultLinkSigner
    access_tokens: AccessTokens
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def changed(self) -> None:
        """Tell every listener; one that fails is logged, never raised: this runs after a
        commit, and the request that committed must still get its answer."""
        for listener in self.listeners:
            try:
                listener()
            except Exception:
                log.exception("a change listener failed")
