"""Models built from wire objects, without a server: fields, defaults, updates in place."""

from __future__ import annotations

from typing import Any

import pytest

from tweezer import Batch, EmuFreeConfig, EmuTNConfig, Job, PaginatedResponse, Workload


def batch_wire(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "b1",
        "open": False,
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
        "device_type": "EMU_FREE",
        "project_id": "p1",
        "user_id": "u1",
        "status": "PENDING",
        "sequence_builder": "{}",
        **overrides,
    }


def job_wire(job_id: str = "j1", **overrides: Any) -> dict[str, Any]:
    return {
        "id": job_id,
        "batch_id": "b1",
        "project_id": "p1",
        "runs": 10,
        "status": "PENDING",
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
        **overrides,
    }


def test_a_batch_without_complete_gets_the_opposite_of_open():
    assert Batch.model_validate(batch_wire(open=True)).complete is False
    assert Batch.model_validate(batch_wire(open=False)).complete is True


def test_a_batch_keeps_wire_fields_it_does_not_name():
    batch = Batch.model_validate(batch_wire(priority="HIGH"))
    assert batch.priority == "HIGH"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("device", "kind"), [("EMU_FREE", EmuFreeConfig), ("EMU_TN", EmuTNConfig)])
def test_a_batch_configuration_gets_the_class_of_its_device(device, kind):
    batch = Batch.model_validate(batch_wire(device_type=device, configuration={"x": 1}))
    assert isinstance(batch.configuration, kind)
    assert batch.configuration.extra_config == {"x": 1}


def test_the_jobs_of_a_creation_answer_become_ordered_jobs():
    batch = Batch._from_wire(batch_wire(jobs=[job_wire("j1"), job_wire("j2")]), None)
    assert [job.id for job in batch.ordered_jobs] == ["j1", "j2"]
    assert "jobs" not in batch.model_dump()


def test_an_update_replaces_the_fields_in_place():
    batch = Batch._from_wire(batch_wire(jobs=[job_wire()]), None)
    same = batch
    batch._update(batch_wire(status="DONE", tags=["t"], jobs=[job_wire(status="DONE")]))
    assert same.status == "DONE" and same.tags == ["t"]
    assert same.ordered_jobs[0].status == "DONE"


def test_a_job_result_is_the_counter_of_its_full_result():
    job = Job._from_wire(job_wire(status="DONE"), None)
    job._full_result = {"counter": {"1": 10}, "raw": ["1"] * 10}
    assert job.result == {"1": 10}


def test_a_job_keeps_its_batch_order_and_user():
    job = Job.model_validate(job_wire(ordered_id=3, user_id="u", variables={"t": 1}))
    assert (job.ordered_id, job.user_id, job.variables) == (3, "u", {"t": 1})


def test_a_model_not_read_from_a_server_cannot_act():
    job = Job.model_validate(job_wire())
    with pytest.raises(RuntimeError, match="not read from a server"):
        job.refresh()


def test_a_workload_result_sent_inline_needs_no_download():
    workload = Workload._from_wire(
        {
            "id": "w",
            "project_id": "p",
            "status": "DONE",
            "backend": "b",
            "workload_type": "t",
            "config": {},
            "created_at": "c",
            "updated_at": "u",
            "result": {"value": 1},
        },
        None,
    )
    assert workload.result == {"value": 1}


def test_a_paginated_response_keeps_the_objects_it_is_given():
    batch = Batch.model_validate(batch_wire())
    page = PaginatedResponse[Batch](total=7, offset=0, results=[batch])
    assert page.results[0] is batch and page.total == 7
