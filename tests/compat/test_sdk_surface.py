"""The official pasqal-cloud SDK against a live server, method by method.

One run of scripts/sdk_surface.py per client release drives the server the way the seed's
documentation does; each test reads one part of what the client saw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.compat.clients import Client, Runs
from tests.compat.helpers import (
    connection_input,
    failure,
    insert_workloads,
    need_types,
    step,
)
from tests.integration.helpers import ServerProcess


@pytest.fixture(scope="module")
def run(
    client: Client, runs: Runs, server: ServerProcess, available: tuple[str, ...]
) -> dict[str, Any]:
    def given(_: Client) -> dict[str, Any]:
        return connection_input(
            server,
            webhook="http://127.0.0.1:9/hook",  # nothing listens there
            workload_ids=insert_workloads(server, 2),
            available=list(available),
        )

    return runs.outcomes("sdk_surface.py", client, given)


def _aware(moment: str) -> datetime:
    parsed = datetime.fromisoformat(moment)
    assert parsed.tzinfo is not None, moment
    return parsed


def _ids(run: dict[str, Any], name: str) -> set[str]:
    return set(step(run, name)["ids"])


def test_the_client_is_the_release_under_test(run, client):
    versions = step(run, "versions")
    for requirement in client.requirements:
        package, _, pinned = requirement.partition("==")
        assert versions.get(package) == pinned, (requirement, versions)


def test_user_token_is_the_token_given(run):
    assert step(run, "user_token") is True


def test_create_batch_with_wait_returns_done_jobs_in_creation_order(run, server):
    batch = step(run, "create_batch_wait_summary")
    assert batch["status"] == "DONE"
    assert batch["open"] is False and batch["complete"] is True
    assert batch["device_type"] == "EMU_FREE"
    assert batch["project_id"] == server.project_id
    assert set(batch["tags"]) == {run["_given"]["tag"], "wait"}
    assert batch["jobs_count"] == 2 and batch["jobs_count_per_status"] == {"DONE": 2}
    assert [job["runs"] for job in batch["jobs"]] == [20, 30]
    assert [job["variables"] for job in batch["jobs"]] == [{"t": 400}, {"t": 800}]
    assert {job["status"] for job in batch["jobs"]} == {"DONE"}
    assert {job["batch_id"] for job in batch["jobs"]} == {batch["id"]}
    for moment in (batch["created_at"], batch["updated_at"], batch["start_datetime"]):
        _aware(moment)
    for job in batch["jobs"]:
        assert job["errors"] == []
        assert _aware(job["start_timestamp"]) <= _aware(job["end_timestamp"])


def test_job_result_and_full_result_come_from_the_result_link(run):
    results = step(run, "job_results")
    assert [sum(item["result"].values()) for item in results] == [20, 30]
    for item in results:
        assert {"counter", "raw", "serialised_results"} <= set(item["full_result_keys"])
        assert item["serialised_results"] is True
    assert [item["raw_count"] for item in results] == [20, 30]


def test_the_deprecated_jobs_property_maps_ids_to_jobs(run):
    created = step(run, "create_batch_wait_summary")
    assert step(run, "batch_jobs_property") == [job["id"] for job in created["jobs"]]


def test_get_batch_gives_the_sequence_builder_and_ordered_jobs(run):
    created = step(run, "create_batch_wait_summary")
    fetched = step(run, "get_batch")
    assert fetched["sequence_builder_matches"] is True
    assert [job["id"] for job in fetched["jobs"]] == [job["id"] for job in created["jobs"]]
    assert fetched["status"] == "DONE"


def test_get_job_and_get_job_with_wait(run):
    created = step(run, "create_batch_wait_summary")
    job = step(run, "get_job")
    assert job["id"] == created["jobs"][0]["id"] and job["status"] == "DONE"
    assert sum(step(run, "get_job_wait").values()) == 30


def test_cancel_job_cancels_a_waiting_job(run):
    assert step(run, "cancel_job")["status"] == "CANCELED"


def test_cancel_jobs_cancels_the_matching_jobs_and_explains_the_others(run):
    batch = step(run, "create_batch_slow")
    answer = step(run, "cancel_jobs")
    jobs = batch["jobs"]
    assert [job["id"] for job in answer["jobs"]] == [jobs[1]["id"]]
    assert answer["jobs"][0]["status"] == "CANCELED"
    assert list(answer["errors"]) == [jobs[2]["id"]]
    assert "CANCELED" in answer["errors"][jobs[2]["id"]]


def test_cancel_batch_cancels_what_is_left_and_refuses_twice(run):
    batch = step(run, "cancel_batch")
    assert batch["status"] == "CANCELED" and batch["open"] is False
    assert {job["status"] for job in batch["jobs"]} == {"CANCELED"}
    again = failure(run, "cancel_batch_again")
    assert again["type"] == "BatchCancellingError"
    assert "409" in again["message"] and "only unfinished batches" in again["message"]


def test_job_cancel_and_batch_cancel_methods(run):
    assert step(run, "job_cancel_method") == {"status": "CANCELED", "answer_status": "CANCELED"}
    batch = step(run, "batch_cancel_method")
    assert batch["status"] == "CANCELED"
    assert {job["status"] for job in batch["jobs"]} == {"CANCELED"}


def test_cancel_batches_reports_each_batch_that_could_not_be_canceled(run):
    third = step(run, "create_batch_slow_third")
    first = step(run, "create_batch_slow")
    answer = step(run, "cancel_batches")
    assert [batch["id"] for batch in answer["batches"]] == [third["id"]]
    assert answer["batches"][0]["status"] == "CANCELED"
    assert set(answer["errors"]) == {first["id"], "00000000-0000-4000-8000-000000000000"}
    assert "No batch with id" in answer["errors"]["00000000-0000-4000-8000-000000000000"]


def test_cancel_job_on_a_done_job_is_refused_with_the_reason(run):
    error = failure(run, "cancel_job_done")
    assert error["type"] == "JobCancellingError"
    assert "409" in error["message"] and "is DONE" in error["message"]


def test_rebatch_copies_the_matching_jobs_into_a_new_batch(run):
    old = step(run, "create_batch_wait_summary")
    new = step(run, "rebatch")
    assert new["parent_id"] == old["id"] and new["id"] != old["id"]
    assert [job["parent_id"] for job in new["jobs"]] == [job["id"] for job in old["jobs"]]
    assert [job["runs"] for job in new["jobs"]] == [20, 30]
    assert [job["variables"] for job in new["jobs"]] == [{"t": 400}, {"t": 800}]
    filtered = step(run, "rebatch_filtered")
    assert [job["runs"] for job in filtered["jobs"]] == [30]
    error = failure(run, "rebatch_no_match")
    assert error["type"] == "RebatchError" and "nothing to rebatch" in error["message"]


def test_create_batch_with_configuration_reads_back_as_the_emulator_config(run):
    batch = step(run, "create_batch_configuration")
    assert batch["configuration_class"] == "EmuFreeConfig"
    assert batch["configuration"]["with_noise"] is True
    assert batch["configuration"]["extra_config"] == {"note": "compat"}


def test_deprecated_emulator_and_complete_keywords(run):
    assert step(run, "create_batch_emulator_keyword")["device_type"] == "EMU_FREE"
    completed = step(run, "create_batch_complete_keyword")
    assert completed["open"] is False and completed["complete"] is True


def test_create_batch_without_device_type_targets_fresnel(run, available):
    outcome = run["create_batch_default_device"]
    if "FRESNEL" in available:
        assert step(run, "create_batch_default_device")["device_type"] == "FRESNEL"
    else:
        assert not outcome["ok"], outcome
        assert "FRESNEL" in outcome["error"]["message"]
        assert "400" in outcome["error"]["message"]


def test_create_batch_with_an_unknown_device_type_names_the_available_ones(run, available):
    error = failure(run, "create_batch_unknown_device")
    assert error["type"] == "BatchCreationError"
    assert "400" in error["message"] and "EMU_NOPE" in error["message"]
    assert all(name in error["message"] for name in available)


def test_the_sdk_webhook_is_the_batch_webhook(run):
    assert step(run, "create_batch_webhook")["webhook"] == run["_given"]["webhook"]


def test_open_batch_takes_jobs_three_ways_and_runs_them_once_closed(run):
    assert step(run, "add_jobs")["jobs_count"] == 1
    assert step(run, "batch_add_jobs")["jobs_count"] == 2
    retried = step(run, "batch_retry")
    assert [job["runs"] for job in retried["jobs"]] == [3, 4, 3]
    assert retried["open"] is True
    closed = step(run, "batch_close_wait")
    assert closed["open"] is False and closed["complete"] is True
    assert [job["status"] for job in closed["jobs"]] == ["DONE"] * 3
    assert closed["status"] == "DONE"


def test_set_batch_tags_replaces_the_tags(run):
    tag = run["_given"]["tag"]
    assert sorted(step(run, "set_batch_tags")) == sorted([tag, "open", "renamed"])
    assert sorted(step(run, "batch_set_tags")) == sorted([tag, "open", "again"])
    assert sorted(step(run, "batch_refresh")["tags"]) == sorted([tag, "open", "again"])


def test_adding_jobs_to_a_closed_batch_is_refused(run):
    error = failure(run, "add_jobs_closed")
    assert error["type"] == "JobCreationError"
    assert "409" in error["message"] and "closed" in error["message"]


def test_close_batch_and_the_deprecated_complete_batch_and_declare_complete(run):
    for name in ("close_batch", "complete_batch", "batch_declare_complete"):
        batch = step(run, name)
        assert batch["open"] is False and batch["complete"] is True


def test_get_batches_lists_newest_first_and_pages(run):
    everything = step(run, "get_batches_tag")
    created = [_aware(moment) for moment in everything["created"]]
    assert created == sorted(created, reverse=True)
    assert everything["total"] == len(everything["ids"]) >= 15
    pages = step(run, "get_batches_pages")
    assert [page["offset"] for page in pages] == [0, 3, 6]
    assert all(page["total"] == everything["total"] for page in pages)
    assert sum((page["ids"] for page in pages), []) == everything["ids"][:9]


def test_get_batches_filters(run):
    tagged = _ids(run, "get_batches_tag")
    done = step(run, "create_batch_wait_summary")["id"]
    canceled = {step(run, name)["id"] for name in ("create_batch_slow", "create_batch_slow_third")}
    left_open = step(run, "create_batch_left_open")["id"]
    assert canceled <= _ids(run, "get_batches_status") and done not in _ids(
        run, "get_batches_status"
    )
    assert canceled | {done} <= _ids(run, "get_batches_status_done_or_canceled")
    assert _ids(run, "get_batches_open") == {left_open}
    assert _ids(run, "get_batches_not_open") == tagged - {left_open}
    assert _ids(run, "get_batches_id") == {done, step(run, "create_batch_open")["id"]}
    for name in ("project_id", "user_id", "dates", "naive_dates", "queue_priority"):
        assert _ids(run, f"get_batches_{name}") == tagged, name
    for name in ("future", "queue_priority_high"):
        assert _ids(run, f"get_batches_{name}") == set(), name
    elsewhere = {
        run[name]["value"]["id"]
        for name in (
            "create_batch_default_device",
            "create_batch_emu_tn",
            "create_batch_emu_fresnel",
            "create_batch_emu_mps",
            "create_batch_emu_sv",
        )
        if run[name].get("ok")
    }
    assert _ids(run, "get_batches_device_type") == tagged - elsewhere


def test_get_jobs_filters_and_pages(run):
    done = step(run, "create_batch_wait_summary")
    job_ids = [job["id"] for job in done["jobs"]]
    opened = [job["id"] for job in step(run, "batch_close_wait")["jobs"]]
    assert _ids(run, "get_jobs_batch_id") == set(job_ids)
    assert _ids(run, "get_jobs_status") == set(job_ids + opened)
    assert _ids(run, "get_jobs_min_runs") == {job_ids[1]}
    assert _ids(run, "get_jobs_max_runs") == {job_ids[0]}
    assert _ids(run, "get_jobs_with_errors") == set()
    for name in ("errors", "id", "project_id", "user_id", "dates"):
        assert _ids(run, f"get_jobs_{name}") == set(job_ids), name
    pages = step(run, "get_jobs_pages")
    assert [len(page["ids"]) for page in pages] == [1, 1, 0]
    assert all(page["total"] == 2 for page in pages)
    assert {pages[0]["ids"][0], pages[1]["ids"][0]} == set(job_ids)


def test_create_workload_of_an_unknown_type_is_refused(run):
    error = failure(run, "create_workload")
    assert error["type"] == "WorkloadCreationError"
    assert "400" in error["message"] and "Unknown workload type" in error["message"]


def test_get_and_cancel_workload(run, server):
    first, second = run["_given"]["workload_ids"]
    workload = step(run, "get_workload")
    assert workload["id"] == first and workload["project_id"] == server.project_id
    assert workload["status"] == "PENDING"
    assert workload["workload_type"] == "tweezer-compat" and workload["backend"] == "EMU_FREE"
    assert workload["config"] == {"n": 0}
    _aware(workload["created_at"])
    assert step(run, "cancel_workload")["status"] == "CANCELED"
    assert step(run, "workload_cancel_method") == "CANCELED"
    for name, kind in (
        ("get_workload_unknown", "WorkloadFetchingError"),
        ("cancel_workload_unknown", "WorkloadCancellingError"),
    ):
        error = failure(run, name)
        assert error["type"] == kind and "404" in error["message"]
        assert "No workload with id" in error["message"]


def test_device_specs_with_and_without_credentials(run, available):
    specs = step(run, "get_device_specs_dict")
    assert set(specs) == set(available)
    assert set(specs.values()) <= {"Device", "VirtualDevice"}
    assert step(run, "get_device_specs_dict_public") == specs


def test_an_unknown_batch_is_404_with_a_sentence(run):
    error = failure(run, "get_batch_unknown")
    assert error["type"] == "BatchFetchingError"
    assert "404" in error["message"] and "No batch with id" in error["message"]


def test_batch_and_job_status_endpoints_of_later_releases(run):
    assert step(run, "get_batch_status") == "DONE"
    assert step(run, "get_job_status") == "DONE"


def test_projects_of_later_releases(run, server):
    assert server.project_id in step(run, "get_all_projects")
    assert step(run, "switch_to_project") == server.project_id
    assert failure(run, "switch_to_unknown_project")["type"] == "ProjectNotFoundError"


def test_a_job_has_no_sequence_of_its_own(run):
    assert step(run, "job_sequence") is None


def test_jobs_without_runs_take_the_shots_of_the_backend_configuration(run):
    batch = step(run, "create_batch_runs_from_backend_configuration")
    assert batch["status"] == "DONE"
    assert [job["runs"] for job in batch["jobs"]] == [17]


def test_jobs_with_their_own_sequence_are_refused_with_a_sentence(run):
    error = failure(run, "create_batch_job_sequences")
    assert error["type"] == "BatchCreationError"
    assert "400" in error["message"] and "sequence_builder" in error["message"]


def test_add_jobs_with_wait(run):
    batch = step(run, "add_jobs_wait")
    assert [job["status"] for job in batch["jobs"]] == ["DONE"]


def test_emu_tn_batches_read_their_configuration_back(run, available):
    need_types(available, "EMU_TN")
    batch = step(run, "create_batch_emu_tn")
    assert batch["device_type"] == "EMU_TN"
    assert batch["configuration_class"] == "EmuTNConfig"
    assert batch["configuration"]["precision"] == "low"
    assert batch["configuration"]["max_bond_dim"] == 20


@pytest.mark.parametrize("device_type", ["EMU_FRESNEL", "EMU_MPS", "EMU_SV"])
def test_batches_on_the_other_emulators(run, available, device_type):
    need_types(available, device_type)
    batch = step(run, f"create_batch_{device_type.lower()}")
    assert batch["device_type"] == device_type
    assert batch["configuration_class"] == "NoneType"  # as the client reads these types
