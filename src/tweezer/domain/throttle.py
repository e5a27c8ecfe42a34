"""How failed logins slow down further tries: pure rules, the store keeps the counts."""

from __future__ import annotations

from datetime import datetime, timedelta

#: Failures counted together when they fall within this window of the first one.
WINDOW = timedelta(minutes=15)
#: Failures allowed in a window before each further one blocks tries for a while.
FREE_FAILURES = 5
MAX_BLOCK = timedelta(minutes=5)


def block_after(failures: int) -> timedelta:
    """How long tries are refused after the `failures`-th failure in a window: nothing for
    the first few, then doubling from one second up to five minutes."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_FAILURES)), MAX_BLOCK)


def window_expired(window_started_at: datetime, now: datetime) -> bool:
    return now - window_started_at > WINDOW
