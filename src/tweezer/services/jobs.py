"""Job use cases."""

from __future__ import annotations

from tweezer.domain.statuses import ensure_job_cancelable
from tweezer.services.context import Render, ServerContext, T
from tweezer.store import batches as batch_store
from tweezer.store import jobs as job_store
from tweezer.store.accounts import Caller
from tweezer.store.models import Batch


def cancel_job(ctx: ServerContext, caller: Caller, job_id: str, render: Render[T]) -> T:
    """PENDING jobs are canceled at once; a RUNNING one too, and its worker is stopped."""
    with ctx.db.transaction() as session:
        job = job_store.get_job(session, caller.project_ids, job_id)
        ensure_job_cancelable(job.id, job.status)
        job_store.cancel_jobs(session, [job])
        batch = session.get(Batch, job.batch_id)
        assert batch is not None
        batch_store.refresh_batch_status(session, batch)
        answer = render(session, job.id)
    ctx.changed()
    return answer


def result_link(ctx: ServerContext, caller: Caller, job_id: str, base_url: str) -> str | None:
    """A signed link to the job's result, or None while it has none."""
    with ctx.db.transaction() as session:
        job = job_store.get_job(session, caller.project_ids, job_id)
        has_result = job.has_result
    return ctx.signer.link(base_url, job_id) if has_result else None
