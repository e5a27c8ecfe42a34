"""Batch endpoints (v1 and v2 paths, as the official client calls them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from tweezer.api.deps import Context, CurrentCaller, query_params
from tweezer.api.envelope import page, success
from tweezer.api.presenters import batch_to_wire, batches_to_wire, job_to_wire
from tweezer.api.waiting import parse_wait, wait_until
from tweezer.domain.filters import (
    BATCH_JOB_FILTER_KEYS,
    PAGE_KEYS,
    parse_batch_query,
    parse_job_query,
    parse_page,
)
from tweezer.enums import ACTIVE_JOB_STATUSES
from tweezer.services import batches as service
from tweezer.services.context import Render, ServerContext
from tweezer.services.requests import CancelBatchesIn, CreateBatchIn, JobIn
from tweezer.store import batches as batch_store
from tweezer.store import jobs as job_store
from tweezer.store.accounts import Caller

router = APIRouter(tags=["batches"])


def _render(caller: Caller, with_jobs: bool = False) -> Render[dict[str, Any]]:
    """The batch object, read in the caller's transaction (with its jobs if asked)."""

    def render(session: Session, batch_id: str) -> dict[str, Any]:
        batch = batch_store.get_batch(session, caller.project_ids, batch_id)
        jobs = job_store.jobs_of_batch(session, batch.id) if with_jobs else None
        return batch_to_wire(session, batch, jobs)

    return render


def _batch(
    ctx: ServerContext, caller: Caller, batch_id: str, with_jobs: bool = False
) -> dict[str, Any]:
    with ctx.db.transaction() as session:
        return _render(caller, with_jobs)(session, batch_id)


@router.post("/api/v1/batches", summary="Create a batch with its jobs")
def create_batch(
    body: CreateBatchIn,
    ctx: Context,
    caller: CurrentCaller,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    return success(
        service.create_batch(ctx, caller, body, idempotency_key, _render(caller, with_jobs=True))
    )


@router.get("/api/v1/batches", summary="List batches, newest first")
def list_batches(request: Request, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    params = query_params(request)
    pagination = parse_page(params)
    query = parse_batch_query(params, extra=PAGE_KEYS)
    with ctx.db.transaction() as session:
        rows, total = batch_store.list_batches(session, caller.project_ids, query, pagination)
        items = batches_to_wire(session, rows)
    return page(items, total, pagination.offset)


@router.patch("/api/v1/batches/cancel", summary="Cancel several batches")
def cancel_batches(body: CancelBatchesIn, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    def render(session: Session, batch_ids: list[str]) -> list[dict[str, Any]]:
        return batches_to_wire(
            session, batch_store.find_batches(session, caller.project_ids, batch_ids)
        )

    items, errors = service.cancel_batches(ctx, caller, body.batch_ids, render)
    return success({"batches": items, "errors": errors})


@router.post("/api/v1/batches/{batch_id}/rebatch", summary="Re-run matching jobs in a new batch")
def rebatch(batch_id: str, request: Request, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    query = parse_job_query(query_params(request), allowed=BATCH_JOB_FILTER_KEYS)
    return success(service.rebatch(ctx, caller, batch_id, query, _render(caller, with_jobs=True)))


@router.patch("/api/v1/batches/{batch_id}/tags", summary="Replace a batch's tags")
def set_tags(
    batch_id: str, tags: Annotated[list[str], Body()], ctx: Context, caller: CurrentCaller
) -> JSONResponse:
    return success(service.set_tags(ctx, caller, batch_id, tags, _render(caller)))


@router.get("/api/v1/batches/{batch_id}/status", summary="A batch's status; waits with ?wait=S")
async def batch_status(
    batch_id: str, request: Request, ctx: Context, caller: CurrentCaller, wait: float = 0
) -> JSONResponse:
    def read() -> tuple[dict[str, Any], bool]:
        with ctx.db.transaction() as session:
            batch = batch_store.get_batch(session, caller.project_ids, batch_id)
            counts = batch_store.job_counts(session, [batch.id])[batch.id]
            status = {
                "id": batch.id,
                "status": batch.status,
                "open": batch.open,
                "jobs_count": sum(counts.values()),
                "jobs_count_per_status": counts,
            }
        return status, not any(counts.get(s, 0) for s in ACTIVE_JOB_STATUSES)

    notifier = request.app.state.notifier
    return success(await wait_until(notifier, parse_wait(wait), read))


@router.get("/api/v1/batches/{batch_id}/results", summary="Results of every job of a batch")
def batch_results(batch_id: str, ctx: Context, caller: CurrentCaller) -> Response:
    with ctx.db.transaction() as session:
        batch = batch_store.get_batch(session, caller.project_ids, batch_id)
        jobs = [(job.id, job.has_result) for job in job_store.jobs_of_batch(session, batch.id)]
    # Stored results are spliced in as they are, never decoded and re-encoded.
    parts = []
    for job_id, has_result in jobs:
        blob = ctx.results.read_bytes(job_id) if has_result else None
        parts.append(b'"%s":%s' % (job_id.encode(), blob if blob is not None else b"null"))
    body = b'{"status":"success","code":200,"message":"OK","data":{' + b",".join(parts) + b"}}"
    return Response(body, media_type="application/json")


@router.get("/api/v2/batches/{batch_id}", summary="Get a batch")
def get_batch(batch_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success(_batch(ctx, caller, batch_id))


@router.post("/api/v2/batches/{batch_id}/jobs", summary="Add jobs to an open batch")
def add_jobs(
    batch_id: str, jobs: Annotated[list[JobIn], Body()], ctx: Context, caller: CurrentCaller
) -> JSONResponse:
    return success(service.add_jobs(ctx, caller, batch_id, jobs, _render(caller, with_jobs=True)))


@router.patch("/api/v2/batches/{batch_id}/complete", summary="Close an open batch")
def close_batch(batch_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success(service.close_batch(ctx, caller, batch_id, _render(caller)))


@router.patch("/api/v2/batches/{batch_id}/cancel", summary="Cancel a batch")
def cancel_batch(batch_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success(service.cancel_batch(ctx, caller, batch_id, _render(caller)))


@router.patch("/api/v2/batches/{batch_id}/cancel/jobs", summary="Cancel matching jobs of a batch")
def cancel_jobs(
    batch_id: str, request: Request, ctx: Context, caller: CurrentCaller
) -> JSONResponse:
    query = parse_job_query(query_params(request), allowed=BATCH_JOB_FILTER_KEYS)
    canceled, errors = service.cancel_jobs(ctx, caller, batch_id, query)
    return success({"jobs": [job_to_wire(job) for job in canceled], "errors": errors})
