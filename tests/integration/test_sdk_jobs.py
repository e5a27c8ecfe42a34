"""The SDK's job methods, and the Job model's, against a live `tweezer serve`."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.helpers import long_sequence_json
from tweezer import (
    SDK,
    Batch,
    CancelJobFilters,
    DeviceTypeName,
    Job,
    JobFilters,
    JobStatus,
    PaginationParams,
)
from tweezer.errors import JobCancellingError, JobFetchingError, WaitTimeoutError

EMU_FREE = DeviceTypeName.EMU_FREE


def slow_batch(sdk: SDK, jobs: int = 4) -> Batch:
    """A batch whose jobs take long enough (about a second each) to act while they run."""
    return sdk.create_batch(
        long_sequence_json(20000, 8), [{"runs": 5}] * jobs, device_type=EMU_FREE
    )


def test_get_job_reads_every_field(sdk, sequence_with_variable_json):
    batch = sdk.create_batch(
        sequence_with_variable_json,
        [{"runs": 3, "variables": {"duration": 500}}, {"runs": 4, "variables": {"duration": 600}}],
        device_type=EMU_FREE,
    )
    created = batch.ordered_jobs[1]
    job = sdk.get_job(created.id)
    assert isinstance(job, Job)
    assert (job.id, job.batch_id, job.project_id) == (created.id, batch.id, sdk.project_id)
    assert (job.runs, job.variables, job.ordered_id) == (4, {"duration": 600}, 1)
    assert job.user_id == batch.user_id
    assert job.created_at and job.updated_at
    assert job.status in set(JobStatus)


def test_get_job_with_wait_returns_the_finished_job_and_its_result(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 25}], device_type=EMU_FREE)
    job = sdk.get_job(batch.ordered_jobs[0].id, wait=True)
    assert job.status == JobStatus.DONE
    assert job.start_timestamp and job.end_timestamp
    assert job.result == {"1": 25}
    assert job.full_result["counter"] == {"1": 25}
    assert len(job.full_result["raw"]) == 25


def test_a_result_reads_back_as_pulser_results(sdk, sequence_json):
    from pulser.backend.results import Results

    batch = sdk.create_batch(sequence_json, [{"runs": 30}], device_type=EMU_FREE, wait=True)
    job = batch.ordered_jobs[0]
    results = job.pulser_results
    assert isinstance(results, Results)
    assert results.final_bitstrings == job.result


def test_get_job_with_a_timeout_raises_wait_timeout_error(sdk):
    batch = slow_batch(sdk)
    with pytest.raises(WaitTimeoutError, match="Job"):
        sdk.get_job(batch.ordered_jobs[-1].id, wait=True, timeout=0.2)
    batch.cancel()


def test_a_job_without_a_result_yet_has_none(sdk):
    batch = slow_batch(sdk)
    job = sdk.get_job(batch.ordered_jobs[-1].id)
    assert job.full_result is None and job.result is None
    batch.cancel()


def test_get_job_of_an_unknown_id_raises_job_fetching_error(sdk):
    with pytest.raises(JobFetchingError) as caught:
        sdk.get_job(str(uuid.uuid4()))
    assert caught.value.status_code == 404
    assert caught.value.description


def test_job_refresh_reads_the_job_again(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 2}], device_type=EMU_FREE)
    job = sdk.get_job(batch.ordered_jobs[0].id)
    sdk.get_job(job.id, wait=True)
    job.refresh()
    assert job.status == JobStatus.DONE
    assert job.result == {"1": 2}


def test_get_jobs_filters_and_paginates(sdk, sequence_with_variable_json):
    batch = sdk.create_batch(
        sequence_with_variable_json,
        [{"runs": r, "variables": {"duration": 500}} for r in (1, 2, 3)],
        device_type=EMU_FREE,
        wait=True,
    )
    page = sdk.get_jobs(JobFilters(batch_id=batch.id))
    assert page.total == 3 and page.offset == 0
    assert all(isinstance(job, Job) for job in page.results)
    assert {job.id for job in page.results} == {job.id for job in batch.ordered_jobs}

    second = sdk.get_jobs(JobFilters(batch_id=batch.id), PaginationParams(offset=2, limit=2))
    assert second.total == 3 and second.offset == 2 and len(second.results) == 1

    assert sdk.get_jobs(JobFilters(batch_id=batch.id, min_runs=2)).total == 2
    assert sdk.get_jobs(JobFilters(batch_id=batch.id, max_runs=1)).total == 1
    assert sdk.get_jobs(JobFilters(batch_id=batch.id, status=JobStatus.DONE)).total == 3
    assert sdk.get_jobs(JobFilters(batch_id=batch.id, status=[JobStatus.ERROR])).total == 0
    assert sdk.get_jobs(JobFilters(batch_id=batch.id, errors=False)).total == 3
    first = batch.ordered_jobs[0]
    both = sdk.get_jobs(JobFilters(id=first.id, project_id=sdk.project_id, user_id=first.user_id))
    assert [job.id for job in both.results] == [first.id]


def test_cancel_job_cancels_an_unfinished_job(sdk):
    batch = slow_batch(sdk)
    job = sdk.cancel_job(batch.ordered_jobs[-1].id)
    assert job.status == JobStatus.CANCELED
    assert sdk.get_job(job.id).status == JobStatus.CANCELED
    batch.cancel()


def test_job_cancel_updates_the_job_and_returns_its_wire_form(sdk):
    batch = slow_batch(sdk)
    job = batch.ordered_jobs[-1]
    answer = job.cancel()
    assert job.status == JobStatus.CANCELED
    assert answer["id"] == job.id and answer["status"] == "CANCELED"
    batch.cancel()


def test_cancelling_a_finished_job_raises_job_cancelling_error(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE, wait=True)
    with pytest.raises(JobCancellingError) as caught:
        batch.ordered_jobs[0].cancel()
    assert caught.value.status_code == 409
    assert "DONE" in caught.value.description
    with pytest.raises(JobCancellingError):
        sdk.cancel_job(str(uuid.uuid4()))


def test_cancel_jobs_cancels_the_matching_jobs_of_a_batch(sdk):
    batch = slow_batch(sdk, jobs=5)
    targets = [job.id for job in batch.ordered_jobs[3:]]
    answer = sdk.cancel_jobs(batch.id, CancelJobFilters(id=targets))
    assert sorted(job.id for job in answer.jobs) == sorted(targets)
    assert all(job.status == JobStatus.CANCELED for job in answer.jobs)
    assert answer.errors == {}
    everything = sdk.cancel_jobs(batch.id)
    assert all(job.status == JobStatus.CANCELED for job in everything.jobs)
    assert set(targets) <= set(everything.errors), "those were canceled already"
    assert {job.id for job in everything.jobs} | set(everything.errors) == {
        job.id for job in batch.ordered_jobs
    }


def test_cancel_jobs_reports_the_jobs_it_could_not_cancel(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 1}] * 2, device_type=EMU_FREE, wait=True)
    answer = sdk.cancel_jobs(batch.id, CancelJobFilters(status=JobStatus.DONE))
    assert answer.jobs == []
    assert set(answer.errors) == {job.id for job in batch.ordered_jobs}
    assert all(answer.errors.values())
