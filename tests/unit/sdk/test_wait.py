"""Waiting with long-poll status calls: when it stops, how long it asks the server to hold."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tweezer.errors import WaitTimeoutError
from tweezer.sdk import wait as wait_module
from tweezer.sdk.wait import LONG_POLL, wait_until


class FakeServer:
    """Answers status calls with the next of `statuses`, holding each for `hold` seconds."""

    def __init__(self, *statuses: str, hold: float = 0.0) -> None:
        self.statuses = list(statuses)
        self.hold = hold
        self.waits: list[float] = []

    def __call__(self, wait: float) -> dict[str, Any]:
        self.waits.append(wait)
        if self.hold:
            time.sleep(min(self.hold, wait))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return {"status": status}


def done(status: dict[str, Any]) -> bool:
    return status["status"] == "DONE"


def test_returns_the_first_answer_that_is_done():
    server = FakeServer("RUNNING", "RUNNING", "DONE", hold=0.01)
    assert wait_until(server, done, timeout=None, what="Job j") == {"status": "DONE"}
    assert server.waits == [LONG_POLL] * 3


def test_asks_the_server_to_hold_at_most_the_time_left():
    server = FakeServer("RUNNING", "DONE", hold=0.01)
    wait_until(server, done, timeout=5, what="Job j")
    assert all(0 < wait <= 5 for wait in server.waits)


def test_raises_wait_timeout_error_with_the_last_status():
    server = FakeServer("RUNNING", hold=0.05)
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError, match=r"Job j is still RUNNING after 0\.2 s") as caught:
        wait_until(server, done, timeout=0.2, what="Job j")
    assert time.monotonic() - started < 1
    assert caught.value.body == {"status": "RUNNING"}


def test_a_zero_timeout_asks_once_without_waiting():
    server = FakeServer("DONE")
    assert wait_until(server, done, timeout=0, what="Job j") == {"status": "DONE"}
    assert server.waits == [0.0]
    with pytest.raises(WaitTimeoutError):
        wait_until(FakeServer("PENDING"), done, timeout=0, what="Job j")


def test_a_server_that_does_not_hold_is_asked_again_after_growing_pauses(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(wait_module.time, "sleep", pauses.append)
    server = FakeServer("RUNNING", "RUNNING", "RUNNING", "DONE")
    wait_until(server, done, timeout=None, what="Job j")
    assert len(pauses) == 3
    assert pauses[0] < pauses[1] < pauses[2] <= wait_module.MAX_PAUSE
