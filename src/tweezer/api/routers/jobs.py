"""Job endpoints, result links and the token-less result download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from tweezer.api.deps import Context, CurrentCaller, base_url, query_params
from tweezer.api.envelope import page, success
from tweezer.api.presenters import job_to_wire
from tweezer.api.waiting import parse_wait, wait_until
from tweezer.domain.errors import InvalidInput, NotFound
from tweezer.domain.filters import PAGE_KEYS, Params, parse_job_query, parse_page
from tweezer.enums import TERMINAL_JOB_STATUSES
from tweezer.services import jobs as service
from tweezer.store import jobs as job_store

router = APIRouter(tags=["jobs"])

ORDER_KEYS = ("created_at", "ordered_id", "creation_order")


def _ascending(params: Params) -> bool:
    """Newest first by default; `order_by=ordered_id|creation_order&order_by_direction=ASC`
    (what the official client sends for a batch's jobs) gives creation order."""
    order_by = params.get("order_by", ["created_at"])[-1]
    direction = params.get("order_by_direction", ["DESC"])[-1].upper()
    if order_by not in ORDER_KEYS:
        raise InvalidInput(f"'order_by' must be one of {', '.join(ORDER_KEYS)}; got {order_by!r}.")
    if direction not in ("ASC", "DESC"):
        raise InvalidInput(f"'order_by_direction' must be ASC or DESC; got {direction!r}.")
    return direction == "ASC"


@router.get("/api/v2/jobs", summary="List jobs, newest first")
def list_jobs(request: Request, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    params = query_params(request)
    pagination = parse_page(params)
    query = parse_job_query(params, extra=PAGE_KEYS)
    ascending = _ascending(params)
    with ctx.db.transaction() as session:
        rows, total = job_store.list_jobs(
            session, caller.project_ids, query, pagination, ascending=ascending
        )
        items = [job_to_wire(job) for job in rows]
    return page(items, total, pagination.offset)


@router.get("/api/v2/jobs/{job_id}", summary="Get a job")
def get_job(job_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    with ctx.db.transaction() as session:
        return success(job_to_wire(job_store.get_job(session, caller.project_ids, job_id)))


@router.patch("/api/v2/jobs/{job_id}/cancel", summary="Cancel a job")
def cancel_job(job_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    def render(session: Session, job_id: str) -> dict[str, Any]:
        return job_to_wire(job_store.get_job(session, caller.project_ids, job_id))

    return success(service.cancel_job(ctx, caller, job_id, render))


@router.get("/api/v1/jobs/{job_id}/status", summary="A job's status; waits with ?wait=S")
async def job_status(
    job_id: str, request: Request, ctx: Context, caller: CurrentCaller, wait: float = 0
) -> JSONResponse:
    def read() -> tuple[dict[str, Any], bool]:
        with ctx.db.transaction() as session:
            job = job_store.get_job(session, caller.project_ids, job_id)
            status = {"id": job.id, "batch_id": job.batch_id, "status": job.status}
        return status, status["status"] in TERMINAL_JOB_STATUSES

    return success(await wait_until(request.app.state.notifier, parse_wait(wait), read))


@router.get("/api/v1/jobs/{job_id}/results_link", summary="A signed link to a job's result")
def results_link(
    job_id: str, request: Request, ctx: Context, caller: CurrentCaller
) -> JSONResponse:
    link = service.result_link(ctx, caller, job_id, base_url(request, ctx))
    return success({"results_link": link})


@router.get("/api/v1/results/{job_id}", summary="Download a result (signed link, no token)")
def download_result(job_id: str, ctx: Context, expires: str = "", signature: str = "") -> Response:
    ctx.signer.verify(job_id, expires, signature)
    blob = ctx.results.read_bytes(job_id)
    if blob is None:
        raise NotFound(f"Job {job_id} has no stored result.")
    return Response(blob, media_type="application/json")
