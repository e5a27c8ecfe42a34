"""The scheduler: claims runnable jobs, hands them to an executor, records how they end.

All its state that matters lives in the database (claims with leases), so several schedulers
(one per `tweezer serve` replica) may run over one PostgreSQL, and a scheduler that dies
loses nothing: its claims expire and other schedulers take the jobs back.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable

from tweezer.background import BackgroundLoop
from tweezer.devices.base import DeviceInfo, DeviceKind, DeviceStatus
from tweezer.devices.registry import describe_devices
from tweezer.executors.base import Executor, Outcome
from tweezer.settings import Settings
from tweezer.store import batches as batch_store
from tweezer.store import idempotency
from tweezer.store import jobs as job_store
from tweezer.store import webhooks as webhook_store
from tweezer.store.db import Database

HOUSEKEEPING_INTERVAL_SECONDS = 2.0


class Scheduler:
    def __init__(
        self,
        db: Database,
        executor: Executor,
        settings: Settings,
        on_change: Callable[[], None] = lambda: None,
        devices: Callable[[], list[DeviceInfo]] = describe_devices,
    ) -> None:
        self.db = db
        self.executor = executor
        self.settings = settings
        self.on_change = on_change
        self._describe_devices = devices
        #: Devices that run one job, and one batch, at a time (QPUs), and those not UP now.
        self.exclusive_device_types: frozenset[str] = frozenset()
        self.unavailable_device_types: frozenset[str] = frozenset()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._started_at: dict[str, float] = {}
        self._last_renewal = 0.0
        self._last_housekeeping = 0.0
        self._loop = BackgroundLoop(
            "tweezer-scheduler",
            lambda: self.step(settings.scheduler_interval_seconds),
            executor.wake,
        )

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop(timeout=10)
        self.executor.shutdown()

    def wake(self) -> None:
        """New work or a cancellation: look now rather than at the next tick."""
        self.executor.wake()

    def step(self, timeout: float) -> None:
        """One round: collect outcomes, drop lost claims, enforce limits, claim new jobs."""
        changed = self._record(self.executor.wait(timeout))
        changed |= self._drop_lost_claims()
        changed |= self._enforce_time_limit()
        now = time.monotonic()
        if now - self._last_renewal >= self.settings.lease_seconds / 3:
            self._last_renewal = now
            with self.db.transaction() as session:
                job_store.renew_leases(
                    session, self.worker_id, self.executor.running(), self.settings.lease_seconds
                )
        if now - self._last_housekeeping >= HOUSEKEEPING_INTERVAL_SECONDS:
            self._last_housekeeping = now
            changed |= self._housekeeping()
        changed |= self._claim()
        if changed:
            self.on_change()

    def _record(self, outcomes: list[Outcome]) -> bool:
        if not outcomes:
            return False
        with self.db.transaction() as session:
            touched = set()
            for outcome in outcomes:
                self._started_at.pop(outcome.job_id, None)
                if outcome.lost or outcome.device_unavailable:
                    batch_id = job_store.release_job(
                        session,
                        outcome.job_id,
                        self.worker_id,
                        outcome.error or "The worker process running this job died",
                        self.settings.max_attempts,
                        count_attempt=not outcome.device_unavailable,
                    )
                else:
                    batch_id = job_store.finish_job(
                        session, outcome.job_id, self.worker_id, outcome.error
                    )
                    if batch_id is not None:
                        webhook_store.enqueue_for_job(session, outcome.job_id)
                if batch_id is not None:
                    touched.add(batch_id)
            batch_store.refresh_batch_statuses(session, touched)
        return True

    def _drop_lost_claims(self) -> bool:
        running = self.executor.running()
        if not running:
            return False
        with self.db.transaction() as session:
            lost = job_store.claims_lost(session, self.worker_id, running)
        for job_id in lost:
            self.executor.cancel(job_id)
            self._started_at.pop(job_id, None)
        return bool(lost)

    def _enforce_time_limit(self) -> bool:
        limit = self.settings.job_timeout_seconds
        now = time.monotonic()
        overdue = [job_id for job_id, t0 in self._started_at.items() if now - t0 > limit]
        if not overdue:
            return False
        for job_id in overdue:
            self.executor.cancel(job_id)
        self._record(
            [
                Outcome(job_id=job_id, error=f"The job ran longer than the limit of {limit:g} s.")
                for job_id in overdue
            ]
        )
        return True

    def _housekeeping(self) -> bool:
        infos = self._describe_devices()
        self.exclusive_device_types = frozenset(
            info.device_type for info in infos if info.kind == DeviceKind.QPU
        )
        self.unavailable_device_types = frozenset(
            info.device_type for info in infos if info.status != DeviceStatus.UP
        )
        with self.db.transaction() as session:
            touched = job_store.release_expired_claims(session, self.settings.max_attempts)
            batch_store.refresh_batch_statuses(session, touched)
            timed_out = batch_store.time_out_idle_open_batches(
                session, self.settings.open_batch_ttl_seconds
            )
            idempotency.forget_older_than(session, self.settings.idempotency_ttl_seconds)
        return bool(touched or timed_out)

    def _claim(self) -> bool:
        free = self.executor.free_slots()
        if free <= 0:
            return False
        with self.db.transaction() as session:
            claimed = job_store.claim_next_jobs(
                session,
                self.worker_id,
                free,
                self.settings.lease_seconds,
                self.exclusive_device_types,
                self.unavailable_device_types,
            )
            batch_store.refresh_batch_statuses(session, {job.batch_id for job in claimed})
        for job in claimed:
            self._started_at[job.id] = time.monotonic()
            self.executor.submit(job)
        return bool(claimed)
