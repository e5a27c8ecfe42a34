"""Filters and pagination: validation when built, and their query parameters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tweezer import (
    BatchFilters,
    BatchStatus,
    CancelJobFilters,
    JobFilters,
    JobStatus,
    PaginationParams,
    QueuePriority,
    RebatchFilters,
)

ID_1 = "2a8f7a4e-6d1a-4b8e-9d0e-0f6b0f6e1a01"
ID_2 = "2a8f7a4e-6d1a-4b8e-9d0e-0f6b0f6e1a02"


def test_empty_filters_send_no_parameters():
    assert BatchFilters().to_params() == []
    assert JobFilters().to_params() == []
    assert RebatchFilters().to_params() == []
    assert CancelJobFilters().to_params() == []


def test_a_list_repeats_its_key_in_order():
    params = JobFilters(status=[JobStatus.DONE, JobStatus.ERROR]).to_params()
    assert params == [("status", "DONE"), ("status", "ERROR")]


def test_a_single_value_is_sent_as_one_parameter():
    assert BatchFilters(status=BatchStatus.RUNNING).to_params() == [("status", "RUNNING")]
    assert BatchFilters(status="DONE").to_params() == [("status", "DONE")]


def test_ids_accept_strings_and_uuids_and_are_sent_as_text():
    params = JobFilters(id=[ID_1, uuid.UUID(ID_2)], batch_id=ID_1).to_params()
    assert params == [("id", ID_1), ("id", ID_2), ("batch_id", ID_1)]


@pytest.mark.parametrize(
    "build",
    [
        lambda: BatchFilters(id="not-a-uuid"),
        lambda: BatchFilters(project_id=[ID_1, "nope"]),
        lambda: JobFilters(batch_id="1234"),
        lambda: JobFilters(project_id="x"),
        lambda: RebatchFilters(id="abc"),
        lambda: CancelJobFilters(id=["abc"]),
    ],
)
def test_an_id_that_is_not_a_uuid_raises_value_error_before_sending(build):
    with pytest.raises(ValueError):
        build()


def test_dates_are_iso_8601():
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    params = JobFilters(start_date=moment, end_date="2026-03-05T00:00:00+00:00").to_params()
    assert params == [
        ("start_date", "2026-03-04T05:06:07+00:00"),
        ("end_date", "2026-03-05T00:00:00+00:00"),
    ]


def test_booleans_are_lowercase_true_and_false():
    assert BatchFilters(open=True).to_params() == [("open", "true")]
    assert BatchFilters(open=False).to_params() == [("open", "false")]
    assert JobFilters(errors=False).to_params() == [("errors", "false")]


def test_every_batch_filter_key_is_sent_under_its_wire_name():
    params = BatchFilters(
        id=ID_1,
        project_id=ID_2,
        user_id="u1",
        device_type="EMU_FREE",
        status=BatchStatus.DONE,
        open=True,
        start_date=datetime(2026, 1, 1, tzinfo=UTC),
        end_date=datetime(2026, 1, 2, tzinfo=UTC),
        queue_priority=QueuePriority.HIGH,
        tag=["a", "b"],
    ).to_params()
    assert [key for key, _ in params] == [
        "id",
        "project_id",
        "user_id",
        "device_type",
        "status",
        "open",
        "start_date",
        "end_date",
        "queue_priority",
        "tag",
        "tag",
    ]
    assert ("queue_priority", "HIGH") in params


def test_every_job_filter_key_is_sent_under_its_wire_name():
    params = JobFilters(
        id=ID_1,
        project_id=ID_1,
        user_id="u",
        batch_id=ID_2,
        status="DONE",
        min_runs=1,
        max_runs=100,
        errors=True,
        start_date=datetime(2026, 1, 1),
        end_date=datetime(2026, 1, 2),
    ).to_params()
    assert dict(params) == {
        "id": ID_1,
        "project_id": ID_1,
        "user_id": "u",
        "batch_id": ID_2,
        "status": "DONE",
        "min_runs": "1",
        "max_runs": "100",
        "errors": "true",
        "start_date": "2026-01-01T00:00:00",
        "end_date": "2026-01-02T00:00:00",
    }


def test_rebatch_and_cancel_filters_take_the_keys_that_make_sense_in_one_batch():
    for kind in (RebatchFilters, CancelJobFilters):
        params = kind(id=ID_1, status="ERROR", min_runs=2, max_runs=3).to_params()
        assert params == [("id", ID_1), ("status", "ERROR"), ("min_runs", "2"), ("max_runs", "3")]
        with pytest.raises(ValidationError):
            kind(batch_id=ID_1)


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        JobFilters(status="FINISHED")


def test_an_unknown_filter_name_is_refused():
    with pytest.raises(ValidationError):
        BatchFilters(colour="blue")


def test_pagination_defaults_to_the_first_hundred():
    assert PaginationParams().to_params() == [("offset", "0"), ("limit", "100")]
    assert PaginationParams(offset=100, limit=5).to_params() == [("offset", "100"), ("limit", "5")]


@pytest.mark.parametrize("kwargs", [{"offset": -1}, {"limit": 0}, {"limit": 101}, {"offset": "3"}])
def test_pagination_out_of_bounds_is_refused(kwargs):
    with pytest.raises(ValidationError):
        PaginationParams(**kwargs)
