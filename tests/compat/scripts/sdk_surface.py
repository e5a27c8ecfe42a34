"""The official client's SDK, method by method, as its documentation uses it.

Input: {"url", "token", "project_id", "tag", "webhook", "workload_ids": [id, id],
"available": [device types the server runs]}.
"""

from __future__ import annotations

import inspect
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from _client import (
    Steps,
    endpoints,
    main,
    one_atom_pi_pulse,
    sdk_class,
    slow,
    token_provider,
    two_atoms_for_t,
)

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def job_summary(job: Any) -> dict[str, Any]:
    return {
        "id": job.id,
        "batch_id": job.batch_id,
        "project_id": job.project_id,
        "status": job.status,
        "runs": job.runs,
        "variables": job.variables,
        "errors": job.errors,
        "parent_id": job.parent_id,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "start_timestamp": job.start_timestamp,
        "end_timestamp": job.end_timestamp,
    }


def batch_summary(batch: Any, with_jobs: bool = True) -> dict[str, Any]:
    summary = {
        "id": batch.id,
        "status": batch.status,
        "open": batch.open,
        "complete": batch.complete,
        "device_type": batch.device_type,
        "project_id": batch.project_id,
        "user_id": batch.user_id,
        "created_at": batch.created_at,
        "updated_at": batch.updated_at,
        "tags": batch.tags,
        "webhook": batch.webhook,
        "parent_id": batch.parent_id,
        "jobs_count": batch.jobs_count,
        "jobs_count_per_status": batch.jobs_count_per_status,
        "start_datetime": batch.start_datetime,
        "end_datetime": batch.end_datetime,
        "configuration_class": type(batch.configuration).__name__,
        "configuration": batch.configuration,
        "backend_configuration": batch.backend_configuration,
    }
    if with_jobs:
        summary["jobs"] = [job_summary(job) for job in batch.ordered_jobs]
    return summary


def error_of(action: Any) -> dict[str, str]:
    """Run an action that must fail; its error, for the test to read."""
    try:
        action()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        return {"type": type(error).__name__, "message": str(error)}
    raise AssertionError("the call did not fail")


def scenario(given: dict[str, Any], steps: Steps) -> None:
    from pasqal_cloud.device import DeviceTypeName, EmuFreeConfig, EmulatorType
    from pasqal_cloud.utils.constants import BatchStatus, JobStatus, QueuePriority
    from pasqal_cloud.utils.filters import (
        BatchFilters,
        CancelJobFilters,
        JobFilters,
        PaginationParams,
        RebatchFilters,
    )

    SDK = sdk_class()
    started = datetime.now(UTC) - timedelta(seconds=5)
    sdk = SDK(
        token_provider=token_provider(given["token"]),
        endpoints=endpoints(given["url"]),
        project_id=given["project_id"],
    )
    tag = given["tag"]
    emu_free = DeviceTypeName.EMU_FREE
    plain = one_atom_pi_pulse().to_abstract_repr()
    timed = two_atoms_for_t().to_abstract_repr()
    slow_sequence = slow().to_abstract_repr()

    steps.run("user_token", lambda: sdk.user_token() == given["token"])

    # Slow work first, canceled as soon as it is queued, so that it holds no worker for long.
    slow_batch = steps.run(
        "create_batch_slow",
        lambda: sdk.create_batch(
            slow_sequence, [{"runs": 5}] * 3, device_type=emu_free, tags=[tag, "slow"]
        ),
    )
    if slow_batch is not None:
        slow_jobs = slow_batch.ordered_jobs
        steps.run("cancel_job", lambda: job_summary(sdk.cancel_job(slow_jobs[2].id)))
        steps.run(
            "cancel_jobs",
            lambda: sdk.cancel_jobs(
                slow_batch.id, CancelJobFilters(id=[slow_jobs[1].id, slow_jobs[2].id])
            ),
        )
        steps.run("cancel_batch", lambda: batch_summary(sdk.cancel_batch(slow_batch.id)))
        steps.run("cancel_batch_again", lambda: error_of(lambda: sdk.cancel_batch(slow_batch.id)))
    other_slow = steps.run(
        "create_batch_slow_open",
        lambda: sdk.create_batch(
            slow_sequence, [{"runs": 5}] * 2, device_type=emu_free, open=True, tags=[tag, "slow"]
        ),
    )
    if other_slow is not None:

        def job_cancel() -> Any:
            job = other_slow.ordered_jobs[1]
            answer = job.cancel()
            return {"status": job.status, "answer_status": answer["status"]}

        steps.run("job_cancel_method", job_cancel)

        def batch_cancel() -> Any:
            other_slow.cancel()
            return batch_summary(other_slow)

        steps.run("batch_cancel_method", batch_cancel)
    third_slow = steps.run(
        "create_batch_slow_third",
        lambda: sdk.create_batch(slow_sequence, [{"runs": 5}], device_type=emu_free, tags=[tag]),
    )
    if third_slow is not None and slow_batch is not None:
        steps.run(
            "cancel_batches",
            lambda: sdk.cancel_batches([third_slow.id, slow_batch.id, UNKNOWN]),
        )

    # A closed batch with variables, waited for, with its results.
    done = steps.run(
        "create_batch_wait",
        lambda: sdk.create_batch(
            timed,
            [{"runs": 20, "variables": {"t": 400}}, {"runs": 30, "variables": {"t": 800}}],
            device_type=emu_free,
            wait=True,
            tags=[tag, "wait"],
        ),
    )
    if done is not None:
        steps.run("create_batch_wait_summary", lambda: batch_summary(done))

        def results() -> Any:
            out = []
            for job in done.ordered_jobs:
                full = job.full_result
                out.append(
                    {
                        "result": job.result,
                        "full_result_keys": sorted(full),
                        "raw_count": len(full["raw"]),
                        "serialised_results": full.get("serialised_results") is not None,
                    }
                )
            return out

        steps.run("job_results", results)
        steps.run("batch_jobs_property", lambda: list(done.jobs))

        def get_batch() -> Any:
            fetched = sdk.get_batch(done.id)
            return {
                **batch_summary(fetched),
                "sequence_builder_matches": fetched.sequence_builder == timed,
            }

        steps.run("get_batch", get_batch)
        steps.run("get_job", lambda: job_summary(sdk.get_job(done.ordered_jobs[0].id)))
        steps.run("get_job_wait", lambda: sdk.get_job(done.ordered_jobs[1].id, wait=True).result)
        steps.run(
            "cancel_job_done", lambda: error_of(lambda: sdk.cancel_job(done.ordered_jobs[0].id))
        )
        steps.run("rebatch", lambda: batch_summary(sdk.rebatch(done.id)))
        steps.run(
            "rebatch_filtered",
            lambda: batch_summary(sdk.rebatch(done.id, RebatchFilters(min_runs=25))),
        )
        steps.run(
            "rebatch_no_match",
            lambda: error_of(lambda: sdk.rebatch(done.id, RebatchFilters(status=JobStatus.ERROR))),
        )

    # Configuration, the deprecated keywords, the default device type, a webhook.
    steps.run(
        "create_batch_configuration",
        lambda: batch_summary(
            sdk.create_batch(
                plain,
                [{"runs": 5}],
                device_type=emu_free,
                configuration=EmuFreeConfig(with_noise=True, extra_config={"note": "compat"}),
                tags=[tag],
            ),
            with_jobs=False,
        ),
    )
    steps.run(
        "create_batch_emulator_keyword",
        lambda: batch_summary(
            sdk.create_batch(plain, [{"runs": 5}], emulator=EmulatorType.EMU_FREE, tags=[tag]),
            with_jobs=False,
        ),
    )
    steps.run(
        "create_batch_complete_keyword",
        lambda: batch_summary(
            sdk.create_batch(plain, [{"runs": 5}], complete=True, device_type=emu_free, tags=[tag]),
            with_jobs=False,
        ),
    )

    def default_device() -> Any:
        # No device type named: the QPU, FRESNEL (0.20 sends "FRESNEL", later releases null).
        # A sequence for FRESNEL is built on the device its specs describe.
        sequence = plain
        if "FRESNEL" in given["available"]:
            from pulser.json.abstract_repr.deserializer import deserialize_device

            fresnel = deserialize_device(sdk.get_device_specs_dict()["FRESNEL"])
            sequence = one_atom_pi_pulse(fresnel).to_abstract_repr()
        return batch_summary(sdk.create_batch(sequence, [{"runs": 5}], tags=[tag]), False)

    steps.run("create_batch_default_device", default_device)
    steps.run(
        "create_batch_unknown_device",
        lambda: error_of(lambda: sdk.create_batch(plain, [{"runs": 5}], device_type="EMU_NOPE")),
    )
    with_webhook = SDK(
        token_provider=token_provider(given["token"]),
        endpoints=endpoints(given["url"]),
        project_id=given["project_id"],
        webhook=given["webhook"],
    )
    steps.run(
        "create_batch_webhook",
        lambda: batch_summary(
            with_webhook.create_batch(plain, [{"runs": 5}], device_type=emu_free, tags=[tag]),
            with_jobs=False,
        ),
    )

    # An open batch: jobs added three ways, tags set two ways, closed and waited for.
    opened = steps.run(
        "create_batch_open",
        lambda: sdk.create_batch(plain, [], device_type=emu_free, open=True, tags=[tag, "open"]),
    )
    if opened is not None:
        steps.run("add_jobs", lambda: batch_summary(sdk.add_jobs(opened.id, [{"runs": 3}])))

        def batch_add_jobs() -> Any:
            opened.add_jobs([{"runs": 4}])
            return batch_summary(opened)

        steps.run("batch_add_jobs", batch_add_jobs)

        def batch_retry() -> Any:
            opened.retry(opened.ordered_jobs[0])
            return batch_summary(opened)

        steps.run("batch_retry", batch_retry)
        steps.run(
            "set_batch_tags",
            lambda: sdk.set_batch_tags(opened.id, [tag, "open", "renamed"]).tags,
        )

        def batch_set_tags() -> Any:
            opened.set_tags([tag, "open", "again"])
            return opened.tags

        steps.run("batch_set_tags", batch_set_tags)

        def batch_refresh() -> Any:
            opened.refresh()
            return batch_summary(opened)

        steps.run("batch_refresh", batch_refresh)

        def batch_close() -> Any:
            opened.close(wait=True)
            # close() keeps the status of its own answer, given before the jobs ended.
            opened.refresh()
            return batch_summary(opened)

        steps.run("batch_close_wait", batch_close)
        steps.run(
            "add_jobs_closed", lambda: error_of(lambda: sdk.add_jobs(opened.id, [{"runs": 1}]))
        )
    closable = steps.run(
        "create_batch_to_close",
        lambda: sdk.create_batch(plain, [{"runs": 2}], device_type=emu_free, open=True, tags=[tag]),
    )
    if closable is not None:
        steps.run("close_batch", lambda: batch_summary(sdk.close_batch(closable.id), False))
    completable = steps.run(
        "create_batch_to_complete",
        lambda: sdk.create_batch(plain, [{"runs": 2}], device_type=emu_free, open=True, tags=[tag]),
    )
    if completable is not None:
        steps.run(
            "complete_batch", lambda: batch_summary(sdk.complete_batch(completable.id), False)
        )
    declarable = steps.run(
        "create_batch_to_declare_complete",
        lambda: sdk.create_batch(plain, [{"runs": 2}], device_type=emu_free, open=True, tags=[tag]),
    )
    if declarable is not None:

        def declare_complete() -> Any:
            declarable.declare_complete()
            return batch_summary(declarable, False)

        steps.run("batch_declare_complete", declare_complete)

    # The other device types, where the server runs them: the batch and its configuration.
    from pulser.json.abstract_repr.deserializer import deserialize_device

    if "EMU_TN" in given["available"]:
        from pasqal_cloud.device import EmuTNConfig

        steps.run(
            "create_batch_emu_tn",
            lambda: batch_summary(
                sdk.create_batch(
                    plain,
                    [{"runs": 5}],
                    device_type=DeviceTypeName.EMU_TN,
                    configuration=EmuTNConfig(dt=10.0, precision="low", max_bond_dim=20),
                    tags=[tag],
                ),
                with_jobs=False,
            ),
        )
    else:
        steps.skip("create_batch_emu_tn", "EMU_TN is not available on this server")
    for device_type in ("EMU_FRESNEL", "EMU_MPS", "EMU_SV"):
        name = f"create_batch_{device_type.lower()}"
        if device_type not in given["available"] or not hasattr(DeviceTypeName, device_type):
            steps.skip(name, f"{device_type} is not available on this server or in this client")
            continue

        def create(device_type: str = device_type) -> Any:
            device = deserialize_device(sdk.get_device_specs_dict()[device_type])
            sequence = one_atom_pi_pulse(device).to_abstract_repr()
            batch = sdk.create_batch(
                sequence, [{"runs": 5}], device_type=DeviceTypeName(device_type), tags=[tag]
            )
            return batch_summary(batch, with_jobs=False)

        steps.run(name, create)

    # Listing and filtering: repeated query keys, dates, booleans, pagination.
    left_open = steps.run(
        "create_batch_left_open",
        lambda: sdk.create_batch(plain, [], device_type=emu_free, open=True, tags=[tag]),
    )

    def ids(page: Any) -> dict[str, Any]:
        return {
            "total": page.total,
            "offset": page.offset,
            "ids": [item.id for item in page.results],
            "created": [item.created_at for item in page.results],
        }

    steps.run("get_batches_tag", lambda: ids(sdk.get_batches(BatchFilters(tag=tag))))
    steps.run(
        "get_batches_pages",
        lambda: [
            ids(sdk.get_batches(BatchFilters(tag=tag), PaginationParams(offset=offset, limit=3)))
            for offset in (0, 3, 6)
        ],
    )
    done_id = done.id if done is not None else UNKNOWN
    opened_id = opened.id if opened is not None else UNKNOWN
    user_id = done.user_id if done is not None else UNKNOWN
    batch_filters = {
        "status": BatchFilters(tag=tag, status=[BatchStatus.CANCELED]),
        "status_done_or_canceled": BatchFilters(
            tag=tag, status=[BatchStatus.DONE, BatchStatus.CANCELED]
        ),
        "open": BatchFilters(tag=tag, open=True),
        "not_open": BatchFilters(tag=tag, open=False),
        "device_type": BatchFilters(tag=tag, device_type=["EMU_FREE"]),
        "id": BatchFilters(id=[done_id, opened_id]),
        "project_id": BatchFilters(tag=tag, project_id=given["project_id"]),
        "user_id": BatchFilters(tag=tag, user_id=user_id),
        "dates": BatchFilters(
            tag=tag, start_date=started, end_date=datetime.now(UTC) + timedelta(minutes=5)
        ),
        # A date without a timezone is taken as UTC; a day back covers any local offset.
        "naive_dates": BatchFilters(tag=tag, start_date=datetime.now() - timedelta(days=1)),
        "future": BatchFilters(tag=tag, start_date=datetime.now(UTC) + timedelta(days=1)),
        "queue_priority": BatchFilters(tag=tag, queue_priority=QueuePriority.MEDIUM),
        "queue_priority_high": BatchFilters(tag=tag, queue_priority=[QueuePriority.HIGH]),
    }
    for name, filters in batch_filters.items():
        steps.run(f"get_batches_{name}", lambda filters=filters: ids(sdk.get_batches(filters)))

    job_filters = {
        "batch_id": JobFilters(batch_id=done_id),
        "status": JobFilters(batch_id=[done_id, opened_id], status=[JobStatus.DONE]),
        "min_runs": JobFilters(batch_id=done_id, min_runs=25),
        "max_runs": JobFilters(batch_id=done_id, max_runs=25),
        "errors": JobFilters(batch_id=done_id, errors=False),
        "with_errors": JobFilters(batch_id=done_id, errors=True),
        "id": JobFilters(id=[job.id for job in done.ordered_jobs] if done else [UNKNOWN]),
        "project_id": JobFilters(batch_id=done_id, project_id=[given["project_id"]]),
        "user_id": JobFilters(batch_id=done_id, user_id=user_id),
        "dates": JobFilters(batch_id=done_id, start_date=started),
    }
    for name, filters in job_filters.items():
        steps.run(f"get_jobs_{name}", lambda filters=filters: ids(sdk.get_jobs(filters)))
    steps.run(
        "get_jobs_pages",
        lambda: [
            ids(sdk.get_jobs(JobFilters(batch_id=done_id), PaginationParams(offset=o, limit=1)))
            for o in (0, 1, 2)
        ],
    )

    if left_open is not None:
        sdk.close_batch(left_open.id)

    # Workloads: no workload type runs on this server yet; rows made by the test stand in.
    steps.run(
        "create_workload",
        lambda: error_of(lambda: sdk.create_workload("tweezer-compat", "EMU_FREE", {"n": 1})),
    )
    first, second = given["workload_ids"]
    steps.run("get_workload", lambda: sdk.get_workload(first))
    steps.run("cancel_workload", lambda: sdk.cancel_workload(first))

    def workload_cancel() -> Any:
        workload = sdk.get_workload(second)
        workload.cancel()
        return workload.status

    steps.run("workload_cancel_method", workload_cancel)
    steps.run("get_workload_unknown", lambda: error_of(lambda: sdk.get_workload(UNKNOWN)))
    steps.run("cancel_workload_unknown", lambda: error_of(lambda: sdk.cancel_workload(UNKNOWN)))

    # Device specs, with and without credentials.
    def specs(client: Any) -> Any:
        found = client.get_device_specs_dict()
        return {name: type(deserialize_device(text)).__name__ for name, text in found.items()}

    steps.run("get_device_specs_dict", lambda: specs(sdk))
    steps.run("get_device_specs_dict_public", lambda: specs(SDK(endpoints=endpoints(given["url"]))))
    steps.run("get_batch_unknown", lambda: error_of(lambda: sdk.get_batch(UNKNOWN)))

    # What later releases add.
    if hasattr(sdk, "get_batch_status") and done is not None:
        steps.run("get_batch_status", lambda: sdk.get_batch_status(done.id))
        steps.run("get_job_status", lambda: sdk.get_job_status(done.ordered_jobs[0].id))
    else:
        steps.skip("get_batch_status", "this release has no get_batch_status")
        steps.skip("get_job_status", "this release has no get_job_status")
    if hasattr(sdk, "get_all_projects"):
        steps.run("get_all_projects", lambda: [p.id for p in sdk.get_all_projects()])
        steps.run("switch_to_project", lambda: sdk.switch_to_project(given["project_id"]))
        steps.run(
            "switch_to_unknown_project",
            lambda: error_of(lambda: sdk.switch_to_project(str(uuid.uuid4()))),
        )
    else:
        for name in ("get_all_projects", "switch_to_project", "switch_to_unknown_project"):
            steps.skip(name, "this release has no projects API")
    if done is not None and "sequence" in type(done.ordered_jobs[0]).__dict__:
        steps.run("job_sequence", lambda: sdk.get_job(done.ordered_jobs[0].id).sequence)
    else:
        steps.skip("job_sequence", "this release's jobs have no sequence")
    if "serialized_sequence" in getattr(
        __import__("pasqal_cloud.job", fromlist=["CreateJob"]).CreateJob, "__annotations__", {}
    ):
        from pulser.backend import BitStrings, EmulationConfig

        config = EmulationConfig(observables=[BitStrings(num_shots=17)]).to_abstract_repr()
        steps.run(
            "create_batch_runs_from_backend_configuration",
            lambda: batch_summary(
                sdk.create_batch(
                    plain,
                    [{"variables": None}],
                    device_type=emu_free,
                    backend_configuration=config,
                    wait=True,
                    tags=[tag],
                )
            ),
        )
        steps.run(
            "create_batch_job_sequences",
            lambda: error_of(
                lambda: sdk.create_batch(
                    None, [{"runs": 1, "serialized_sequence": plain}], device_type=emu_free
                )
            ),
        )
    else:
        steps.skip("create_batch_runs_from_backend_configuration", "jobs always carry runs")
        steps.skip("create_batch_job_sequences", "this release has no job sequences")
    if "wait" in inspect.signature(sdk.add_jobs).parameters:
        waited = steps.run(
            "create_batch_open_for_add_jobs_wait",
            lambda: sdk.create_batch(plain, [], device_type=emu_free, open=True, tags=[tag]),
        )
        if waited is not None:
            steps.run(
                "add_jobs_wait",
                lambda: batch_summary(sdk.add_jobs(waited.id, [{"runs": 2}], wait=True)),
            )
            sdk.close_batch(waited.id)
    else:
        steps.skip("add_jobs_wait", "this release's add_jobs does not wait")


if __name__ == "__main__":
    main(scenario)
