"""The delivery loop: posts each queued job outcome to its webhook, signed, with retries."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta

import httpx

from tweezer.api.presenters import job_to_wire
from tweezer.background import BackgroundLoop
from tweezer.domain.errors import InvalidInput
from tweezer.results.store import LocalResultStore
from tweezer.settings import Settings
from tweezer.store import webhooks as outbox
from tweezer.store.db import Database
from tweezer.store.models import Job, utcnow
from tweezer.webhooks.signing import project_key, signature
from tweezer.webhooks.targets import check_target

log = logging.getLogger("tweezer.webhooks")

BATCH_SIZE = 20
IDLE_SECONDS = 1.0
MAX_BACKOFF = timedelta(minutes=10)


class WebhookDeliverer:
    def __init__(self, db: Database, results: LocalResultStore, settings: Settings) -> None:
        self.db = db
        self.results = results
        self.settings = settings
        self._http = httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
        self._wake = threading.Event()
        self._loop = BackgroundLoop("tweezer-webhooks", self._step, self._wake.set)

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop(timeout=self.settings.webhook_timeout_seconds + 5)
        self._http.close()

    def wake(self) -> None:
        """A job ended: look for deliveries now rather than at the next tick."""
        self._wake.set()

    def _step(self) -> None:
        if not self.deliver_due():
            self._wake.wait(IDLE_SECONDS)
            self._wake.clear()

    def deliver_due(self) -> int:
        """Try every delivery that is due now; return how many were tried."""
        # Long enough for one try (one HTTP timeout) and its bookkeeping; a delivery whose
        # deliverer died mid-try is taken again after that.
        hold = 2 * self.settings.webhook_timeout_seconds + 5
        with self.db.transaction() as session:
            due = outbox.claim_due(session, BATCH_SIZE, hold)
        for delivery in due:
            self._deliver(delivery)
        return len(due)

    def _deliver(self, delivery: outbox.DueDelivery) -> None:
        with self.db.transaction() as session:
            job = session.get(Job, delivery.job_id)
            assert job is not None
            wire, project_id = job_to_wire(job), job.project_id
        blob = self.results.read_bytes(delivery.job_id)
        body = json.dumps(
            {"event": "job.ended", "job": wire, "result": json.loads(blob) if blob else None}
        ).encode()
        timestamp = int(time.time())
        try:
            # Checked again at each try: the name may resolve elsewhere than at submission.
            check_target(delivery.url, self.settings.webhook_allow_private_targets)
            response = self._http.post(
                delivery.url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "Tweezer-Webhooks",
                    "X-Tweezer-Delivery": delivery.id,
                    "X-Tweezer-Timestamp": str(timestamp),
                    "X-Tweezer-Signature": signature(
                        project_key(self.settings.secret_key, project_id), timestamp, body
                    ),
                },
            )
            error = (
                None if response.is_success else f"the target answered HTTP {response.status_code}"
            )
        except InvalidInput as refused:
            self._record(delivery, refused.description, retry=False)
            return
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        if error is None:
            with self.db.transaction() as session:
                outbox.mark_delivered(session, delivery.id)
        else:
            self._record(
                delivery, error, retry=delivery.attempts < self.settings.webhook_max_attempts
            )

    def _record(self, delivery: outbox.DueDelivery, error: str, retry: bool) -> None:
        retry_at = None
        if retry:
            backoff = timedelta(
                seconds=self.settings.webhook_retry_base_seconds * 2 ** (delivery.attempts - 1)
            )
            retry_at = utcnow() + min(backoff, MAX_BACKOFF)
        log.warning("webhook delivery %s to %s failed: %s", delivery.id, delivery.url, error)
        with self.db.transaction() as session:
            outbox.mark_failed(session, delivery.id, error, retry_at)
