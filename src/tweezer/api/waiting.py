"""Long-poll support: requests that wait until work ends, woken when the scheduler records
a change, and re-checking the database now and then for changes made by other replicas."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from tweezer.domain.errors import InvalidInput

T = TypeVar("T")
MAX_WAIT_SECONDS = 60.0
#: How often a waiting request looks at the database without being woken (other replicas).
RECHECK_SECONDS = 1.0


class ChangeNotifier:
    """Wakes every waiting request at once; `notify_threadsafe` may be called from any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    def notify_threadsafe(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._notify)

    def _notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        if event is None:
            await asyncio.sleep(timeout)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


def parse_wait(value: float) -> float:
    if not 0 <= value <= MAX_WAIT_SECONDS:
        raise InvalidInput(
            f"'wait' must be between 0 and {MAX_WAIT_SECONDS:g} seconds; got {value:g}."
        )
    return value


async def wait_until(
    notifier: ChangeNotifier, seconds: float, read: Callable[[], tuple[T, bool]]
) -> T:
    """Call `read` (in a thread) until it says done or `seconds` pass; return its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value, done = await run_in_threadpool(read)
        remaining = deadline - time.monotonic()
        if done or remaining <= 0:
            return value
        await notifier.wait(min(remaining, RECHECK_SECONDS))
