"""The SDK's batch methods, and the Batch model's, against a live `tweezer serve`."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.helpers import long_sequence_json
from tweezer import (
    SDK,
    Batch,
    BatchFilters,
    BatchStatus,
    DeviceTypeName,
    EmuFreeConfig,
    EmulatorType,
    Endpoints,
    JobStatus,
    PaginationParams,
    RebatchFilters,
)
from tweezer.errors import (
    BatchCancellingError,
    BatchClosingError,
    BatchCreationError,
    BatchFetchingError,
    BatchSetTagsError,
    JobCreationError,
    JobRetryError,
    RebatchError,
    WaitTimeoutError,
)
from tweezer.sdk.auth import StaticTokenProvider

EMU_FREE = DeviceTypeName.EMU_FREE
#: A duration (ns) that takes the atom of the variable sequence to '1' (area pi)...
TO_ONE = 500
#: ...and one that brings it back to '0' (area 2 pi).
TO_ZERO = 1000


def unique_tag() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def slow_batch(sdk: SDK, jobs: int = 4, **kwargs) -> Batch:  # type: ignore[no-untyped-def]
    """A batch whose jobs take long enough (about a second each) to act while they run."""
    return sdk.create_batch(
        long_sequence_json(20000, 8), [{"runs": 5}] * jobs, device_type=EMU_FREE, **kwargs
    )


def assert_final(batch: Batch, runs: int) -> None:
    assert batch.status == BatchStatus.DONE
    assert batch.jobs_count_per_status.get("PENDING", 0) == 0
    assert batch.jobs_count_per_status.get("RUNNING", 0) == 0
    for job in batch.ordered_jobs:
        assert job.status == JobStatus.DONE
        assert job.result is not None and sum(job.result.values()) == runs


# ---- create_batch ----


def test_create_batch_returns_the_new_batch_with_its_jobs_in_order(
    sdk, sequence_with_variable_json
):
    jobs = [{"runs": 7, "variables": {"duration": d}} for d in (TO_ONE, TO_ZERO, 600)]
    batch = sdk.create_batch(sequence_with_variable_json, jobs, device_type=EMU_FREE)
    uuid.UUID(batch.id)
    assert batch.sequence_builder == sequence_with_variable_json
    assert batch.device_type == "EMU_FREE"
    assert batch.project_id == sdk.project_id
    assert batch.open is False and batch.complete is True
    assert batch.status in (BatchStatus.PENDING, BatchStatus.RUNNING, BatchStatus.DONE)
    assert batch.jobs_count == 3
    assert [job.variables for job in batch.ordered_jobs] == [job["variables"] for job in jobs]
    assert [job.runs for job in batch.ordered_jobs] == [7, 7, 7]
    assert all(job.batch_id == batch.id for job in batch.ordered_jobs)


def test_create_batch_with_wait_returns_the_final_state_and_results(
    sdk, sequence_with_variable_json
):
    jobs = [{"runs": 20, "variables": {"duration": d}} for d in (TO_ONE, TO_ZERO)]
    batch = sdk.create_batch(sequence_with_variable_json, jobs, device_type=EMU_FREE, wait=True)
    assert_final(batch, runs=20)
    assert batch.end_datetime is not None
    first, second = batch.ordered_jobs
    assert first.result == {"1": 20}
    assert second.result == {"0": 20}
    assert set(first.full_result) >= {"counter", "raw", "serialised_results"}
    assert len(first.full_result["raw"]) == 20


def test_create_batch_with_a_timeout_raises_wait_timeout_error(sdk):
    with pytest.raises(WaitTimeoutError, match="still"):
        slow_batch(sdk, wait=True, timeout=0.3)


@pytest.mark.filterwarnings("ignore:'EmulationConfig' was initialized without any observables")
def test_create_batch_sends_tags_configuration_and_backend_configuration(sdk, sequence_json):
    from pulser.backend import EmulationConfig

    backend_configuration = EmulationConfig(observables=[]).to_abstract_repr()
    tag = unique_tag()
    batch = sdk.create_batch(
        sequence_json,
        [{"runs": 5}],
        device_type=EMU_FREE,
        configuration=EmuFreeConfig(with_noise=False, extra_config={"my_option": 3}),
        backend_configuration=backend_configuration,
        tags=[tag, "second"],
        wait=True,
    )
    assert sorted(batch.tags) == sorted([tag, "second"])
    assert isinstance(batch.configuration, EmuFreeConfig)
    assert batch.configuration.with_noise is False
    assert batch.configuration.extra_config == {"my_option": 3}
    assert batch.backend_configuration == backend_configuration
    assert_final(batch, runs=5)


def test_create_batch_takes_a_configuration_dict(sdk, sequence_json):
    batch = sdk.create_batch(
        sequence_json, [{"runs": 5}], device_type=EMU_FREE, configuration={"result_types": None}
    )
    assert isinstance(batch.configuration, EmuFreeConfig)


def test_create_batch_sends_the_sdks_webhook(server, sequence_json):
    hook = "http://93.184.215.14/hook"  # a public address: loopback targets are refused
    sdk = SDK(
        token_provider=StaticTokenProvider(server.token),
        endpoints=Endpoints(core=server.url, account=server.url),
        project_id=server.project_id,
        webhook=hook,
    )
    batch = sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE)
    assert batch.webhook == hook
    assert sdk.get_batch(batch.id).webhook == hook


def test_create_batch_with_the_deprecated_emulator_runs_on_that_device(sdk, sequence_json):
    with pytest.deprecated_call(match="emulator"):
        batch = sdk.create_batch(sequence_json, [{"runs": 3}], emulator=EmulatorType.EMU_FREE)
    assert batch.device_type == "EMU_FREE"


def test_create_batch_with_the_deprecated_complete_opens_the_batch(sdk, sequence_json):
    with pytest.deprecated_call(match="complete"):
        batch = sdk.create_batch(sequence_json, [], complete=False, device_type=EMU_FREE)
    assert batch.open is True
    batch.close()


def test_create_batch_with_the_deprecated_fetch_results_waits(sdk, sequence_json):
    with pytest.deprecated_call(match="fetch_results"):
        batch = sdk.create_batch(
            sequence_json, [{"runs": 4}], device_type=EMU_FREE, fetch_results=True
        )
    assert_final(batch, runs=4)


def test_create_batch_refused_by_the_server_raises_with_its_sentence(sdk, sequence_json):
    with pytest.raises(BatchCreationError) as caught:
        sdk.create_batch(sequence_json, [{"runs": 1}], device_type="NO_SUCH_DEVICE")
    assert caught.value.status_code == 400
    assert "NO_SUCH_DEVICE" in caught.value.description
    assert caught.value.description in str(caught.value)


def test_create_batch_with_variables_that_do_not_match_is_refused(sdk, sequence_with_variable_json):
    with pytest.raises(BatchCreationError) as caught:
        sdk.create_batch(
            sequence_with_variable_json,
            [{"runs": 1, "variables": {"not_declared": 1}}],
            device_type=EMU_FREE,
        )
    assert caught.value.status_code == 400
    assert caught.value.description


# ---- get_batch, get_batches ----


def test_get_batch_reads_the_batch_and_its_jobs_in_creation_order(sdk, sequence_with_variable_json):
    durations = [TO_ONE, TO_ZERO, 700, 800]
    created = sdk.create_batch(
        sequence_with_variable_json,
        [{"runs": 3, "variables": {"duration": d}} for d in durations],
        device_type=EMU_FREE,
        tags=["read-back"],
    )
    batch = sdk.get_batch(created.id)
    assert (batch.id, batch.sequence_builder, batch.tags) == (
        created.id,
        created.sequence_builder,
        ["read-back"],
    )
    assert batch.user_id == created.user_id
    assert [job.id for job in batch.ordered_jobs] == [job.id for job in created.ordered_jobs]
    assert [job.variables["duration"] for job in batch.ordered_jobs] == durations


def test_ordered_jobs_follow_every_page_of_a_large_batch(sdk, sequence_with_variable_json):
    jobs = [{"runs": 1, "variables": {"duration": 100 + i}} for i in range(130)]
    created = sdk.create_batch(sequence_with_variable_json, jobs, device_type=EMU_FREE)
    created.cancel()
    batch = sdk.get_batch(created.id)
    assert [job.variables["duration"] for job in batch.ordered_jobs] == [
        100 + i for i in range(130)
    ]


def test_get_batch_with_the_deprecated_fetch_results_reads_every_result(sdk, sequence_json):
    created = sdk.create_batch(sequence_json, [{"runs": 6}] * 2, device_type=EMU_FREE, wait=True)
    with pytest.deprecated_call(match="fetch_results"):
        batch = sdk.get_batch(created.id, fetch_results=True)
    assert [job.result for job in batch.ordered_jobs] == [{"1": 6}, {"1": 6}]


def test_get_batch_of_an_unknown_id_raises_batch_fetching_error(sdk):
    with pytest.raises(BatchFetchingError) as caught:
        sdk.get_batch(str(uuid.uuid4()))
    assert caught.value.status_code == 404
    assert caught.value.description


def test_get_batches_filters_and_paginates(sdk, sequence_json):
    tag = unique_tag()
    made = [
        sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE, tags=[tag])
        for _ in range(3)
    ]
    page = sdk.get_batches(BatchFilters(tag=tag))
    assert page.total == 3 and page.offset == 0
    assert [batch.id for batch in page.results] == [batch.id for batch in reversed(made)]
    assert all(isinstance(batch, Batch) for batch in page.results)

    second = sdk.get_batches(BatchFilters(tag=tag), PaginationParams(offset=1, limit=1))
    assert second.total == 3 and second.offset == 1
    assert [batch.id for batch in second.results] == [made[1].id]

    by_id = sdk.get_batches(BatchFilters(id=[made[0].id, made[2].id]))
    assert {batch.id for batch in by_id.results} == {made[0].id, made[2].id}

    mine = sdk.get_batches(
        BatchFilters(
            tag=tag,
            project_id=sdk.project_id,
            user_id=made[0].user_id,
            device_type=EMU_FREE,
            open=False,
        )
    )
    assert mine.total == 3
    assert sdk.get_batches(BatchFilters(tag=tag, open=True)).total == 0


def test_get_batches_filters_by_status(sdk, sequence_json):
    tag = unique_tag()
    done = sdk.create_batch(
        sequence_json, [{"runs": 1}], device_type=EMU_FREE, tags=[tag], wait=True
    )
    canceled = sdk.create_batch(sequence_json, [], open=True, device_type=EMU_FREE, tags=[tag])
    canceled.cancel()
    only_done = sdk.get_batches(BatchFilters(tag=tag, status=BatchStatus.DONE))
    assert [b.id for b in only_done.results] == [done.id]
    both = sdk.get_batches(BatchFilters(tag=tag, status=[BatchStatus.DONE, BatchStatus.CANCELED]))
    assert both.total == 2


# ---- add_jobs, close, retry ----


def test_add_jobs_to_an_open_batch_then_close_it(sdk, sequence_with_variable_json):
    batch = sdk.create_batch(
        sequence_with_variable_json,
        [{"runs": 5, "variables": {"duration": TO_ONE}}],
        open=True,
        device_type=EMU_FREE,
    )
    assert batch.open is True and batch.complete is False
    updated = sdk.add_jobs(batch.id, [{"runs": 5, "variables": {"duration": TO_ZERO}}])
    assert isinstance(updated, Batch)
    assert updated.jobs_count == 2
    assert [job.variables for job in updated.ordered_jobs] == [
        {"duration": TO_ONE},
        {"duration": TO_ZERO},
    ]
    closed = sdk.close_batch(batch.id)
    assert closed.open is False and closed.complete is True


def test_batch_add_jobs_with_wait_shows_the_final_state(sdk, sequence_with_variable_json):
    batch = sdk.create_batch(sequence_with_variable_json, [], open=True, device_type=EMU_FREE)
    batch.add_jobs([{"runs": 9, "variables": {"duration": TO_ONE}}], wait=True)
    assert [job.result for job in batch.ordered_jobs] == [{"1": 9}]
    batch.add_jobs([{"runs": 9, "variables": {"duration": TO_ZERO}}], wait=True, timeout=60)
    assert [job.result for job in batch.ordered_jobs] == [{"1": 9}, {"0": 9}]
    assert batch.jobs_count == 2
    batch.close(wait=True)
    assert batch.open is False
    assert batch.status == BatchStatus.DONE


def test_batch_close_with_wait_shows_the_final_state(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 3}] * 2, open=True, device_type=EMU_FREE)
    batch.close(wait=True, timeout=60)
    assert batch.open is False
    assert_final(batch, runs=3)


def test_adding_jobs_to_a_closed_batch_raises_job_creation_error(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE)
    with pytest.raises(JobCreationError) as caught:
        batch.add_jobs([{"runs": 1}])
    assert caught.value.status_code in (400, 409)
    assert caught.value.description
    with pytest.raises(JobCreationError):
        sdk.add_jobs(batch.id, [{"runs": 1}])


def test_closing_an_unknown_batch_raises_batch_closing_error(sdk):
    with pytest.raises(BatchClosingError) as caught:
        sdk.close_batch(str(uuid.uuid4()))
    assert caught.value.status_code == 404


def test_complete_batch_is_the_deprecated_close_batch(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [], open=True, device_type=EMU_FREE)
    with pytest.deprecated_call(match="close_batch"):
        closed = sdk.complete_batch(batch.id)
    assert closed.open is False


def test_declare_complete_is_the_deprecated_close(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 2}], open=True, device_type=EMU_FREE)
    with pytest.deprecated_call(match="close"):
        batch.declare_complete(wait=True)
    assert batch.open is False
    assert_final(batch, runs=2)


def test_retry_runs_a_job_again_in_its_open_batch(sdk, sequence_with_variable_json):
    batch = sdk.create_batch(
        sequence_with_variable_json,
        [{"runs": 4, "variables": {"duration": TO_ZERO}}],
        open=True,
        device_type=EMU_FREE,
        wait=True,
    )
    original = batch.ordered_jobs[0]
    batch.retry(original, wait=True)
    retried = batch.ordered_jobs[1]
    assert retried.id != original.id
    assert (retried.runs, retried.variables) == (original.runs, original.variables)
    assert retried.result == {"0": 4}
    batch.close()


def test_retry_in_a_closed_batch_raises_job_retry_error(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE, wait=True)
    with pytest.raises(JobRetryError) as caught:
        batch.retry(batch.ordered_jobs[0])
    assert caught.value.status_code in (400, 409)
    assert caught.value.description


# ---- cancel ----


def test_cancel_batch_cancels_it_and_its_unfinished_jobs(sdk):
    batch = slow_batch(sdk)
    canceled = sdk.cancel_batch(batch.id)
    assert canceled.status == BatchStatus.CANCELED
    statuses = [job.status for job in sdk.get_batch(batch.id).ordered_jobs]
    assert JobStatus.CANCELED in statuses
    assert not set(statuses) & {JobStatus.PENDING, JobStatus.RUNNING}


def test_batch_cancel_updates_the_batch(sdk):
    batch = slow_batch(sdk, jobs=2)
    batch.cancel()
    assert batch.status == BatchStatus.CANCELED


def test_cancelling_a_finished_batch_raises_batch_cancelling_error(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE, wait=True)
    with pytest.raises(BatchCancellingError) as caught:
        batch.cancel()
    assert caught.value.status_code == 409
    assert caught.value.description


def test_cancel_batches_says_which_were_cancelled_and_why_not(sdk, sequence_json):
    done = sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE, wait=True)
    first = slow_batch(sdk)
    second = sdk.create_batch(sequence_json, [], open=True, device_type=EMU_FREE)
    unknown = str(uuid.uuid4())
    answer = sdk.cancel_batches([first.id, second.id, done.id, unknown])
    assert {batch.id for batch in answer.batches} == {first.id, second.id}
    assert all(batch.status == BatchStatus.CANCELED for batch in answer.batches)
    assert set(answer.errors) == {done.id, unknown}
    assert all(answer.errors.values())


# ---- rebatch, tags, refresh ----


def test_rebatch_recreates_the_matching_jobs_in_a_new_batch(sdk, sequence_with_variable_json):
    old = sdk.create_batch(
        sequence_with_variable_json,
        [{"runs": 2, "variables": {"duration": d}} for d in (TO_ONE, TO_ZERO)],
        device_type=EMU_FREE,
        wait=True,
    )
    new = sdk.rebatch(old.id)
    assert new.id != old.id
    assert new.parent_id == old.id
    assert [job.variables for job in new.ordered_jobs] == [
        job.variables for job in old.ordered_jobs
    ]
    assert all(job.parent_id in {j.id for j in old.ordered_jobs} for job in new.ordered_jobs)

    one = sdk.rebatch(old.id, RebatchFilters(id=old.ordered_jobs[1].id))
    assert [job.variables for job in one.ordered_jobs] == [{"duration": TO_ZERO}]
    assert sdk.get_batch(old.id).jobs_count == 2, "the old batch is left as it was"


def test_rebatch_of_an_unknown_batch_raises_rebatch_error(sdk):
    with pytest.raises(RebatchError) as caught:
        sdk.rebatch(str(uuid.uuid4()), RebatchFilters(status=JobStatus.DONE))
    assert caught.value.status_code == 404


def test_set_batch_tags_replaces_the_tags(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE, tags=["a"])
    assert sorted(sdk.set_batch_tags(batch.id, ["c", "b"]).tags) == ["b", "c"]
    batch.set_tags(["d"])
    assert batch.tags == ["d"]
    assert sdk.get_batch(batch.id).tags == ["d"]
    tag = unique_tag()
    batch.set_tags([tag])
    assert [b.id for b in sdk.get_batches(BatchFilters(tag=tag)).results] == [batch.id]


def test_set_tags_refused_by_the_server_raises_batch_set_tags_error(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 1}], device_type=EMU_FREE)
    with pytest.raises(BatchSetTagsError) as caught:
        batch.set_tags([""])
    assert caught.value.status_code == 400
    assert "tag" in caught.value.description
    with pytest.raises(BatchSetTagsError):
        sdk.set_batch_tags(str(uuid.uuid4()), ["x"])


def test_refresh_reads_the_batch_again(sdk, sequence_json):
    batch = sdk.create_batch(sequence_json, [{"runs": 2}], open=True, device_type=EMU_FREE)
    sdk.set_batch_tags(batch.id, ["changed"])
    sdk.close_batch(batch.id)
    batch.refresh()
    assert batch.tags == ["changed"]
    assert batch.open is False
