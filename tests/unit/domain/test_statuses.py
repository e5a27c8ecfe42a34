import pytest

from tweezer.domain.errors import Conflict
from tweezer.domain.statuses import (
    derive_batch_status,
    ensure_batch_cancelable,
    ensure_batch_open,
    ensure_job_cancelable,
)


@pytest.mark.parametrize(
    ("is_open", "counts", "expected"),
    [
        (False, {"PENDING": 3}, "PENDING"),
        (False, {"PENDING": 2, "RUNNING": 1}, "RUNNING"),
        (False, {"PENDING": 2, "DONE": 1}, "RUNNING"),
        (False, {"DONE": 3}, "DONE"),
        (False, {"DONE": 2, "ERROR": 1}, "ERROR"),
        (False, {"DONE": 2, "CANCELED": 1}, "DONE"),
        (False, {"CANCELED": 2}, "CANCELED"),
        (False, {}, "DONE"),
        (True, {}, "PENDING"),
        (True, {"DONE": 2}, "RUNNING"),
        (True, {"PENDING": 1}, "PENDING"),
    ],
)
def test_batch_status_follows_jobs_and_open_flag(is_open, counts, expected):
    assert derive_batch_status("PENDING", is_open, counts) == expected


@pytest.mark.parametrize("sticky", ["CANCELED", "TIMED_OUT"])
def test_canceled_and_timed_out_batches_keep_their_status(sticky):
    assert derive_batch_status(sticky, False, {"DONE": 3}) == sticky


def test_open_batch_is_never_finished_while_open():
    assert derive_batch_status("RUNNING", True, {"DONE": 5, "ERROR": 1}) == "RUNNING"


@pytest.mark.parametrize("status", ["DONE", "ERROR", "CANCELED"])
def test_ended_job_cannot_be_canceled(status):
    with pytest.raises(Conflict, match=f"is {status}"):
        ensure_job_cancelable("j1", status)


@pytest.mark.parametrize("status", ["PENDING", "RUNNING"])
def test_active_job_can_be_canceled(status):
    ensure_job_cancelable("j1", status)


def test_closed_batch_takes_no_jobs_and_says_how_to_fix():
    with pytest.raises(Conflict, match="open=True"):
        ensure_batch_open("b1", False, "PENDING")


def test_canceled_open_batch_takes_no_jobs():
    with pytest.raises(Conflict, match="CANCELED"):
        ensure_batch_open("b1", True, "CANCELED")


def test_finished_batch_cannot_be_canceled():
    with pytest.raises(Conflict):
        ensure_batch_cancelable("b1", "DONE")
    ensure_batch_cancelable("b1", "RUNNING")
