"""Workload use cases. Workload types are registered in `tweezer.workloads`."""

from __future__ import annotations

from tweezer.domain.errors import Conflict
from tweezer.enums import WorkloadStatus
from tweezer.services.batches import ensure_member
from tweezer.services.context import Render, ServerContext, T
from tweezer.services.requests import CreateWorkloadIn
from tweezer.store import idempotency
from tweezer.store import workloads as workload_store
from tweezer.store.accounts import Caller
from tweezer.workloads.registry import check_workload

CREATE_WORKLOAD = "POST /api/v1/workloads"


def create_workload(
    ctx: ServerContext,
    caller: Caller,
    body: CreateWorkloadIn,
    idempotency_key: str | None,
    render: Render[T],
) -> T:
    """A new workload; `render` makes the answer inside the transaction that writes it."""
    ensure_member(caller, body.project_id)
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
        with ctx.db.transaction() as session:
            seen = idempotency.find(session, body.project_id, idempotency_key, CREATE_WORKLOAD)
            if seen is not None:
                return render(session, seen.object_id)
    check_workload(body.workload_type, body.backend, body.config)
    with ctx.db.transaction() as session:
        workload = workload_store.create_workload(
            session, body.project_id, caller.user_id, body.workload_type, body.backend, body.config
        )
        if idempotency_key is not None:
            idempotency.remember(
                session, body.project_id, idempotency_key, CREATE_WORKLOAD, "workload", workload.id
            )
        answer = render(session, workload.id)
    ctx.changed()
    return answer


def cancel_workload(ctx: ServerContext, caller: Caller, workload_id: str, render: Render[T]) -> T:
    with ctx.db.transaction() as session:
        workload = workload_store.get_workload(session, caller.project_ids, workload_id)
        if workload.status not in (WorkloadStatus.PENDING, WorkloadStatus.RUNNING):
            raise Conflict(
                f"Workload {workload_id} is {workload.status}; "
                "only PENDING or RUNNING workloads can be canceled."
            )
        workload_store.cancel_workload(workload)
        answer = render(session, workload.id)
    ctx.changed()
    return answer
