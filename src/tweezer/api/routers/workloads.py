"""Workload endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from tweezer.api.deps import Context, CurrentCaller
from tweezer.api.envelope import success
from tweezer.api.presenters import workload_to_wire
from tweezer.api.waiting import parse_wait, wait_until
from tweezer.enums import WorkloadStatus
from tweezer.services import workloads as service
from tweezer.services.context import Render, ServerContext
from tweezer.services.requests import CreateWorkloadIn
from tweezer.store import workloads as workload_store
from tweezer.store.accounts import Caller

router = APIRouter(tags=["workloads"])
ACTIVE = (WorkloadStatus.PENDING, WorkloadStatus.RUNNING)


def _render(caller: Caller) -> Render[dict[str, Any]]:
    def render(session: Session, workload_id: str) -> dict[str, Any]:
        return workload_to_wire(
            workload_store.get_workload(session, caller.project_ids, workload_id), None
        )

    return render


def _workload(ctx: ServerContext, caller: Caller, workload_id: str) -> dict[str, Any]:
    with ctx.db.transaction() as session:
        return _render(caller)(session, workload_id)


@router.post("/api/v1/workloads", summary="Create a workload")
def create_workload(
    body: CreateWorkloadIn,
    ctx: Context,
    caller: CurrentCaller,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    return success(service.create_workload(ctx, caller, body, idempotency_key, _render(caller)))


@router.get("/api/v2/workloads/{workload_id}", summary="Get a workload")
def get_workload(workload_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success(_workload(ctx, caller, workload_id))


@router.put("/api/v1/workloads/{workload_id}/cancel", summary="Cancel a workload")
def cancel_workload(workload_id: str, ctx: Context, caller: CurrentCaller) -> JSONResponse:
    return success(service.cancel_workload(ctx, caller, workload_id, _render(caller)))


@router.get("/api/v1/workloads/{workload_id}/status", summary="A workload's status; waits")
async def workload_status(
    workload_id: str, request: Request, ctx: Context, caller: CurrentCaller, wait: float = 0
) -> JSONResponse:
    def read() -> tuple[dict[str, Any], bool]:
        with ctx.db.transaction() as session:
            workload = workload_store.get_workload(session, caller.project_ids, workload_id)
            status = {"id": workload.id, "status": workload.status}
        return status, status["status"] not in ACTIVE

    return success(await wait_until(request.app.state.notifier, parse_wait(wait), read))
