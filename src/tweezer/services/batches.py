"""Batch use cases: each one validates, then writes in one transaction, then signals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tweezer.devices.options import load_emulation_config
from tweezer.devices.registry import get_device
from tweezer.domain.errors import DomainError, Forbidden, InvalidInput
from tweezer.domain.filters import JobQuery
from tweezer.domain.statuses import ensure_batch_cancelable, ensure_batch_open
from tweezer.enums import ACTIVE_JOB_STATUSES, BatchStatus
from tweezer.services.context import Render, ServerContext, T
from tweezer.services.requests import CreateBatchIn, JobIn, check_tags
from tweezer.store import batches as batch_store
from tweezer.store import idempotency
from tweezer.store import jobs as job_store
from tweezer.store.accounts import Caller
from tweezer.store.models import Batch, Job
from tweezer.webhooks.targets import check_target

CREATE_BATCH = "POST /api/v1/batches"


def ensure_member(caller: Caller, project_id: str) -> None:
    if project_id not in caller.project_ids:
        raise Forbidden(
            f"You are not a member of project {project_id}; "
            "pass the id of one of your projects as project_id."
        )


def _check_job_count(ctx: ServerContext, count: int) -> None:
    limit = ctx.settings.max_jobs_per_batch
    if count > limit:
        raise InvalidInput(f"A batch takes at most {limit} jobs; this request has {count}.")


def _new_jobs(jobs: Sequence[JobIn]) -> list[batch_store.NewJob]:
    rows = []
    for job in jobs:
        assert job.runs is not None  # check_jobs gave every job its runs
        rows.append(batch_store.NewJob(runs=job.runs, variables=job.variables))
    return rows


def check_jobs(jobs: Sequence[JobIn], backend_configuration: str | None) -> list[JobIn]:
    """Refuse jobs that carry their own sequence; settle each job's number of shots.

    With a `backend_configuration` (a pulser EmulationConfig) the shots are the config's, as on
    Pasqal Cloud: the `num_shots` of its BitStrings observable (else its `default_num_shots`),
    whatever `runs` says; pulser's EmulationConfig-based backends send `runs: 1` or none at all
    and document that it is ignored. Without one, every job needs its `runs`.
    """
    for index, job in enumerate(jobs):
        if job.sequence is not None:
            raise InvalidInput(
                f"Job {index} carries its own sequence; this server runs every job of a batch "
                "on the batch's sequence. Send the sequence as the batch's sequence_builder, "
                "and one batch per sequence."
            )
    bitstrings, default = shots_of(backend_configuration)
    settled = []
    for index, job in enumerate(jobs):
        runs = bitstrings if bitstrings is not None else job.runs
        if runs is None:
            runs = default
        if runs is None:
            raise InvalidInput(
                f"Job {index} has no 'runs'; give every job its number of runs, or give the "
                "batch a backend_configuration (a pulser EmulationConfig) that sets the shots."
            )
        settled.append(job if runs == job.runs else job.model_copy(update={"runs": runs}))
    return settled


def shots_of(backend_configuration: str | None) -> tuple[int | None, int | None]:
    """(shots of the config's BitStrings observable, the config's default_num_shots); None for
    what it does not say. Without a config, or with one that is refused (the device's
    validation then says why): (None, None)."""
    from pulser.backend import BitStrings

    try:
        config = load_emulation_config(backend_configuration, "this server")
    except InvalidInput:
        return None, None
    if config is None:
        return None, None
    default = int(config.default_num_shots)
    for observable in config.observables:
        if isinstance(observable, BitStrings):
            shots = observable.num_shots
            return (default if shots is None else int(shots)), default
    return None, default


def _job_dicts(jobs: Sequence[JobIn]) -> list[dict[str, object]]:
    return [job.model_dump(exclude={"sequence"}) for job in jobs]


def create_batch(
    ctx: ServerContext,
    caller: Caller,
    body: CreateBatchIn,
    idempotency_key: str | None,
    render: Render[T],
) -> T:
    ensure_member(caller, body.project_id)
    if body.sequence_builder is None:
        raise InvalidInput(
            "The batch has no sequence_builder; this server runs every job of a batch on the "
            "batch's sequence, so send the sequence there (jobs with their own sequence are "
            "not supported)."
        )
    _check_job_count(ctx, len(body.jobs))
    if not body.jobs and not body.is_open:
        raise InvalidInput(
            "A closed batch needs at least one job; send jobs, or open=True to add them later."
        )
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
        with ctx.db.transaction() as session:
            seen = idempotency.find(session, body.project_id, idempotency_key, CREATE_BATCH)
            if seen is not None:
                return render(session, seen.object_id)
    if body.webhook is not None:
        check_target(body.webhook, ctx.settings.webhook_allow_private_targets)
    jobs = check_jobs(body.jobs, body.backend_configuration)
    get_device(body.device_type).validate_batch(
        body.sequence_builder,
        _job_dicts(jobs),
        body.configuration,
        body.backend_configuration,
    )
    spec = batch_store.NewBatch(
        project_id=body.project_id,
        user_id=caller.user_id,
        device_type=body.device_type,
        sequence_builder=body.sequence_builder,
        open=body.is_open,
        webhook=body.webhook,
        configuration=body.configuration,
        backend_configuration=body.backend_configuration,
        tags=body.tags or (),
        priority=body.queue_priority.value,
    )
    try:
        with ctx.db.transaction() as session:
            batch = batch_store.create_batch(session, spec, _new_jobs(jobs))
            if idempotency_key is not None:
                idempotency.remember(
                    session, body.project_id, idempotency_key, CREATE_BATCH, "batch", batch.id
                )
            answer = render(session, batch.id)
    except IntegrityError:
        if idempotency_key is None:
            raise
        # The same key arrived twice at once and the other request won: answer its batch.
        with ctx.db.transaction() as session:
            seen = idempotency.find(session, body.project_id, idempotency_key, CREATE_BATCH)
            if seen is None:
                raise
            return render(session, seen.object_id)
    ctx.changed()
    return answer


def add_jobs(
    ctx: ServerContext, caller: Caller, batch_id: str, jobs: list[JobIn], render: Render[T]
) -> T:
    _check_job_count(ctx, len(jobs))
    with ctx.db.transaction() as session:
        batch = batch_store.get_batch(session, caller.project_ids, batch_id)
        ensure_batch_open(batch.id, batch.open, batch.status)
    jobs = check_jobs(jobs, batch.backend_configuration)
    # Validate outside the write transaction: parsing a sequence takes a while.
    get_device(batch.device_type).validate_batch(
        batch.sequence_builder,
        _job_dicts(jobs),
        batch.configuration,
        batch.backend_configuration,
    )
    with ctx.db.transaction() as session:
        batch = batch_store.get_batch(session, caller.project_ids, batch_id)
        ensure_batch_open(batch.id, batch.open, batch.status)  # it may have closed meanwhile
        _check_job_count(ctx, batch.next_ordered_id + len(jobs))
        batch_store.add_jobs(session, batch, _new_jobs(jobs))
        answer = render(session, batch.id)
    ctx.changed()
    return answer


def close_batch(ctx: ServerContext, caller: Caller, batch_id: str, render: Render[T]) -> T:
    with ctx.db.transaction() as session:
        batch = batch_store.get_batch(session, caller.project_ids, batch_id)
        if batch.open:
            batch.open = False
            batch_store.refresh_batch_status(session, batch)
        answer = render(session, batch.id)
    ctx.changed()
    return answer


def _cancel(session: Session, batch: Batch) -> None:
    ensure_batch_cancelable(batch.id, batch.status)
    jobs = job_store.jobs_of_batch(session, batch.id)
    active = [job for job in jobs if job.status in ACTIVE_JOB_STATUSES]
    job_store.cancel_jobs(session, active)
    batch.open = False
    batch.status = BatchStatus.CANCELED
    batch_store.refresh_batch_status(session, batch)


def cancel_batch(ctx: ServerContext, caller: Caller, batch_id: str, render: Render[T]) -> T:
    with ctx.db.transaction() as session:
        batch = batch_store.get_batch(session, caller.project_ids, batch_id)
        _cancel(session, batch)
        answer = render(session, batch.id)
    ctx.changed()
    return answer


def cancel_batches(
    ctx: ServerContext,
    caller: Caller,
    batch_ids: list[str],
    render: Callable[[Session, list[str]], T],
) -> tuple[T, dict[str, str]]:
    """Cancel each batch that can be; return the canceled ones (as `render` gives them, from
    the writing transaction) and, per other id, why not."""
    canceled: list[str] = []
    errors: dict[str, str] = {}
    with ctx.db.transaction() as session:
        found = {b.id: b for b in batch_store.find_batches(session, caller.project_ids, batch_ids)}
        for batch_id in batch_ids:
            batch = found.get(batch_id)
            if batch is None:
                errors[batch_id] = f"No batch with id {batch_id}."
                continue
            try:
                _cancel(session, batch)
            except DomainError as error:  # e.g. already finished: report it, go on
                errors[batch_id] = error.description
            else:
                canceled.append(batch_id)
        answer = render(session, canceled)
    ctx.changed()
    return answer, errors


def cancel_jobs(
    ctx: ServerContext, caller: Caller, batch_id: str, query: JobQuery
) -> tuple[list[Job], dict[str, str]]:
    """Cancel the matching jobs of a batch; ended ones are reported with the reason."""
    errors: dict[str, str] = {}
    with ctx.db.transaction() as session:
        batch = batch_store.get_batch(session, caller.project_ids, batch_id)
        matching = job_store.find_jobs(session, caller.project_ids, _inside(query, batch.id))
        cancelable = [job for job in matching if job.status in ACTIVE_JOB_STATUSES]
        for job in matching:
            if job.status not in ACTIVE_JOB_STATUSES:
                errors[job.id] = (
                    f"Job {job.id} is {job.status}; only PENDING or RUNNING jobs can be canceled."
                )
        job_store.cancel_jobs(session, cancelable)
        batch_store.refresh_batch_status(session, batch)
    ctx.changed()
    return cancelable, errors


def _inside(query: JobQuery, batch_id: str) -> JobQuery:
    return replace(query, batch_ids=(batch_id,))


def rebatch(
    ctx: ServerContext, caller: Caller, batch_id: str, query: JobQuery, render: Render[T]
) -> T:
    """A new closed batch re-running the matching jobs of an old one; the old one is untouched."""
    with ctx.db.transaction() as session:
        old = batch_store.get_batch(session, caller.project_ids, batch_id)
        matching = job_store.find_jobs(session, caller.project_ids, _inside(query, old.id))
        if not matching:
            raise InvalidInput(
                f"No job of batch {batch_id} matches these filters; nothing to rebatch."
            )
        spec = batch_store.NewBatch(
            project_id=old.project_id,
            user_id=caller.user_id,
            device_type=old.device_type,
            sequence_builder=old.sequence_builder,
            open=False,
            webhook=old.webhook,
            configuration=old.configuration,
            backend_configuration=old.backend_configuration,
            tags=batch_store.tags_of(session, [old.id]).get(old.id, []),
            parent_id=old.id,
            priority=old.priority,
        )
        jobs = [
            batch_store.NewJob(runs=job.runs, variables=job.variables, parent_id=job.id)
            for job in matching
        ]
        new = batch_store.create_batch(session, spec, jobs)
        answer = render(session, new.id)
    ctx.changed()
    return answer


def set_tags(
    ctx: ServerContext, caller: Caller, batch_id: str, tags: list[str], render: Render[T]
) -> T:
    try:
        check_tags(tags)
    except ValueError as error:
        raise InvalidInput(f"The tags are not valid: {error}.") from None
    with ctx.db.transaction() as session:
        batch = batch_store.get_batch(session, caller.project_ids, batch_id)
        batch_store.set_tags(session, batch, tags)
        return render(session, batch.id)
