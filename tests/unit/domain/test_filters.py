import uuid
from datetime import UTC, datetime

import pytest

from tweezer.domain.errors import InvalidInput
from tweezer.domain.filters import (
    BATCH_JOB_FILTER_KEYS,
    PAGE_KEYS,
    parse_batch_query,
    parse_job_query,
    parse_page,
)


def test_repeated_keys_become_lists_of_values():
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    query = parse_batch_query({"id": ids, "status": ["DONE", "ERROR"], "tag": ["a", "b"]})
    assert query.ids == tuple(ids)
    assert query.statuses == ("DONE", "ERROR")
    assert query.tags == ("a", "b")


def test_non_uuid_id_is_refused_with_the_filter_name():
    with pytest.raises(InvalidInput, match="'batch_id' must be a UUID"):
        parse_job_query({"batch_id": ["nope"]})


def test_unknown_status_lists_the_known_ones():
    with pytest.raises(InvalidInput, match="PENDING, RUNNING"):
        parse_job_query({"status": ["FINISHED"]})


def test_booleans_are_true_or_false_only():
    assert parse_batch_query({"open": ["true"]}).open is True
    assert parse_batch_query({"open": ["False"]}).open is False
    with pytest.raises(InvalidInput, match="'open'"):
        parse_batch_query({"open": ["yes"]})


def test_dates_are_iso_and_default_to_utc():
    query = parse_job_query(
        {"start_date": ["2026-01-02T03:04:05"], "end_date": ["2026-02-01T00:00:00Z"]}
    )
    assert query.start_date == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert query.end_date == datetime(2026, 2, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="ISO 8601"):
        parse_job_query({"start_date": ["yesterday"]})


def test_runs_bounds_are_integers():
    query = parse_job_query({"min_runs": ["10"], "max_runs": ["20"]})
    assert (query.min_runs, query.max_runs) == (10, 20)
    with pytest.raises(InvalidInput, match="'min_runs' must be an integer"):
        parse_job_query({"min_runs": ["ten"]})


def test_unknown_filter_is_refused_naming_the_allowed_ones():
    with pytest.raises(InvalidInput, match="Unknown filter 'colour'"):
        parse_batch_query({"colour": ["red"]})


def test_filters_inside_a_batch_refuse_batch_level_keys():
    with pytest.raises(InvalidInput, match="'project_id'"):
        parse_job_query({"project_id": [str(uuid.uuid4())]}, allowed=BATCH_JOB_FILTER_KEYS)


def test_page_defaults_and_bounds():
    assert parse_page({}).limit == 100 and parse_page({}).offset == 0
    assert parse_page({"offset": ["200"], "limit": ["5"]}).offset == 200
    with pytest.raises(InvalidInput, match="between 1 and 100"):
        parse_page({"limit": ["101"]})
    with pytest.raises(InvalidInput, match="at least 1"):
        parse_page({"limit": ["0"]})
    with pytest.raises(InvalidInput, match="at least 0"):
        parse_page({"offset": ["-1"]})


def test_paging_keys_pass_beside_filters():
    parse_job_query({"offset": ["0"], "order_by": ["ordered_id"]}, extra=PAGE_KEYS)
