"""The official client retries a POST whose answer it did not get; that makes one object.

pasqal-cloud sends no Idempotency-Key and sends a POST again when a proxy in front of the server
answers 504 for it. The server notices that the first attempt's client left before the answer,
keeps that answer, and gives it to the identical retry (tweezer.api.retries). Identical POSTs
whose answers arrived are two requests: they make two objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.compat.clients import Client, run_script
from tests.compat.helpers import connection_input, step
from tests.compat.proxy import LosingProxy
from tests.integration.helpers import ServerProcess

#: Jobs of the batch sent through the proxy: distinct ones, so that the server checks them for
#: about 0.3 s, several times the proxy's patience (0.05 s) and well before the retry (1 s).
JOBS = 300


@pytest.fixture(scope="module")
def proxy(server: ServerProcess) -> Iterator[LosingProxy]:
    proxy = LosingProxy(upstream_port=server.port).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def run(client: Client, server: ServerProcess, proxy: LosingProxy) -> dict[str, Any]:
    proxy.lost_at = proxy.retried_at = None  # each client's run loses its own first answer
    outcomes = run_script(
        client, "lost_answer.py", connection_input(server, proxy_url=proxy.url, jobs=JOBS)
    )
    outcomes["_lost_at"], outcomes["_retried_at"] = proxy.lost_at, proxy.retried_at
    return outcomes


def test_a_create_batch_retried_after_a_lost_answer_makes_one_batch(run):
    created = step(run, "created")
    assert run["_lost_at"] is not None, "the proxy lost no answer"
    assert run["_retried_at"] is not None, "the client did not retry"
    found = step(run, "batches_created_through_proxy")
    assert [batch["id"] for batch in found] == [created["id"]]
    assert created["jobs"] == JOBS
    # The batch is the first attempt's, made before the client's retry reached the server.
    assert datetime.fromisoformat(found[0]["created_at"]).timestamp() < run["_retried_at"]


def test_identical_posts_whose_answers_arrived_make_two_batches(run):
    first, second = step(run, "identical_first"), step(run, "identical_second")
    assert first != second
    assert {batch["id"] for batch in step(run, "batches_created_twice")} == {first, second}
