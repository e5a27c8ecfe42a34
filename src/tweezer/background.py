"""A loop in a daemon thread, for the server's background work (scheduling, webhooks)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("tweezer")

#: Pause after a failed step, so a database that is briefly away is not hammered.
PAUSE_AFTER_FAILURE_SECONDS = 1.0


class BackgroundLoop:
    """Calls `step` again and again until stopped. `step` blocks for a while itself (waiting
    for work); `interrupt` makes such a wait return, for a prompt stop."""

    def __init__(self, name: str, step: Callable[[], None], interrupt: Callable[[], None]) -> None:
        self.name = name
        self._step = step
        self._interrupt = interrupt
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        self._interrupt()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:  # keep going: the next step may well succeed
                log.exception("%s: step failed", self.name)
                self._stopping.wait(PAUSE_AFTER_FAILURE_SECONDS)
