"""The application factory: routers, error mapping, body decoding, and the embedded scheduler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tweezer.api.decoding import RequestBodyMiddleware
from tweezer.api.errors import install_error_handlers
from tweezer.api.retries import LostAnswers
from tweezer.api.routers import account, batches, devices, jobs, workloads
from tweezer.api.waiting import ChangeNotifier
from tweezer.devices.registry import describe_devices
from tweezer.executors.base import Executor
from tweezer.results.links import ResultLinkSigner
from tweezer.results.store import LocalResultStore
from tweezer.security.access_tokens import AccessTokens
from tweezer.services.context import ServerContext
from tweezer.settings import Settings
from tweezer.store.db import Database
from tweezer.webhooks.delivery import WebhookDeliverer


def build_executor(settings: Settings) -> Executor:
    """The executor the settings name: `local` worker processes, or `ray` / `ray://host:port`."""
    if settings.executor == "local":
        from tweezer.executors.local import LocalExecutor

        return LocalExecutor(
            settings.workers, settings.results_dir, settings.job_memory_limit_bytes
        )
    if settings.executor == "ray" or settings.executor.startswith("ray://"):
        from tweezer.executors.ray import RayExecutor

        address = settings.executor if settings.executor.startswith("ray://") else None
        return RayExecutor(
            address, settings.workers, settings.results_dir, settings.ray_worker_gpus
        )
    raise ValueError(
        f"Unknown executor {settings.executor!r}; use 'local', 'ray' (with RAY_ADDRESS) "
        "or 'ray://host:port'."
    )


def create_app(settings: Settings) -> FastAPI:
    """An app over the settings' database; with workers > 0 it also runs jobs itself."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.resolved_database_url)
        ctx = ServerContext(
            settings=settings,
            db=db,
            results=LocalResultStore(settings.results_dir),
            signer=ResultLinkSigner(settings.secret_key, settings.results_link_ttl_seconds),
            access_tokens=AccessTokens(settings.secret_key, settings.access_token_ttl_seconds),
        )
        notifier = ChangeNotifier()
        notifier.bind(asyncio.get_running_loop())
        deliverer = WebhookDeliverer(db, ctx.results, settings)
        ctx.listeners += [notifier.notify_threadsafe, deliverer.wake]
        deliverer.start()
        scheduler = None
        if settings.workers > 0:
            from tweezer.scheduler.scheduler import Scheduler

            scheduler = Scheduler(
                db,
                build_executor(settings),
                settings,
                on_change=ctx.changed,
            )
            ctx.listeners.append(scheduler.wake)
            scheduler.start()
        app.state.context = ctx
        app.state.notifier = notifier
        # Load every device's engine now, not in the first request that lists devices.
        await run_in_threadpool(describe_devices)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            deliverer.stop()
            db.dispose()

    app = FastAPI(
        title="Tweezer",
        version="0.1.0",
        description="A self-hostable cloud for neutral-atom quantum jobs, "
        "speaking the Pasqal Cloud wire protocol.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # The last added runs first: bodies are capped and decompressed before LostAnswers
    # fingerprints them.
    app.add_middleware(LostAnswers)
    app.add_middleware(RequestBodyMiddleware, max_bytes=settings.max_body_bytes)
    for module in (batches, jobs, workloads, devices, account):
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return app
