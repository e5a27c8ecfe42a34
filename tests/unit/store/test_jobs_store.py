"""The store on real databases: atomic batch creation, claims, leases, retries."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tweezer.store import batches as batch_store
from tweezer.store import jobs as job_store
from tweezer.store.accounts import bootstrap_admin
from tweezer.store.db import Database, migrate
from tweezer.store.models import Batch, Job


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    migrate(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def owner(db: Database) -> tuple[str, str]:
    with db.transaction() as session:
        created = bootstrap_admin(session)
        assert created is not None
        from tweezer.store.models import User

        user = session.query(User).one()
        return user.id, created.project_id


def _batch(db: Database, owner: tuple[str, str], jobs: int, priority: str = "MEDIUM") -> str:
    user_id, project_id = owner
    spec = batch_store.NewBatch(
        project_id=project_id,
        user_id=user_id,
        device_type="EMU_FREE",
        sequence_builder="{}",
        open=False,
        priority=priority,
    )
    with db.transaction() as session:
        batch = batch_store.create_batch(
            session, spec, [batch_store.NewJob(runs=10 + i) for i in range(jobs)]
        )
        return batch.id


def _count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return session.query(model).count()


def test_batch_and_jobs_are_stored_together_or_not_at_all(db, owner):
    user_id, project_id = owner
    spec = batch_store.NewBatch(
        project_id=project_id,
        user_id=user_id,
        device_type="EMU_FREE",
        sequence_builder="{}",
        open=False,
    )
    with pytest.raises(RuntimeError), db.transaction() as session:
        batch_store.create_batch(session, spec, [batch_store.NewJob(runs=1)] * 50)
        raise RuntimeError("the request fails after the inserts")
    assert _count(db, Batch) == 0 and _count(db, Job) == 0
    batch_id = _batch(db, owner, jobs=50)
    with db.transaction() as session:
        jobs = job_store.jobs_of_batch(session, batch_id)
    assert [job.ordered_id for job in jobs] == list(range(50))


def test_claims_are_disjoint_and_follow_priority(db, owner):
    low = _batch(db, owner, jobs=2, priority="LOW")
    high = _batch(db, owner, jobs=2, priority="HIGH")
    with db.transaction() as session:
        first = job_store.claim_next_jobs(session, "w1", 2, lease_seconds=30)
    with db.transaction() as session:
        second = job_store.claim_next_jobs(session, "w2", 5, lease_seconds=30)
    assert {job.batch_id for job in first} == {high}
    assert {job.batch_id for job in second} == {low}
    assert not {j.id for j in first} & {j.id for j in second}


def test_concurrent_schedulers_never_claim_a_job_twice(db, owner):
    _batch(db, owner, jobs=60)
    claimed: list[list[str]] = []
    lock = threading.Lock()

    def scheduler(name: str) -> None:
        mine: list[str] = []
        while True:
            with db.transaction() as session:
                got = job_store.claim_next_jobs(session, name, 3, lease_seconds=30)
            if not got:
                break
            mine += [job.id for job in got]
        with lock:
            claimed.append(mine)

    threads = [threading.Thread(target=scheduler, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [job_id for mine in claimed for job_id in mine]
    assert len(every) == 60 and len(set(every)) == 60


def test_a_finished_outcome_is_recorded_once_and_only_by_the_holder(db, owner):
    batch_id = _batch(db, owner, jobs=1)
    with db.transaction() as session:
        (job,) = job_store.claim_next_jobs(session, "w1", 1, lease_seconds=30)
    with db.transaction() as session:
        assert job_store.finish_job(session, job.id, "w2", None) is None
        assert job_store.finish_job(session, job.id, "w1", None) == batch_id
    with db.transaction() as session:
        assert job_store.finish_job(session, job.id, "w1", "late error") is None
        stored = session.get(Job, job.id)
        assert stored.status == "DONE" and stored.errors == [] and stored.has_result


def test_expired_claims_return_to_the_queue_then_fail_after_max_attempts(db, owner):
    _batch(db, owner, jobs=1)
    for attempt in range(1, 3):
        with db.transaction() as session:
            (job,) = job_store.claim_next_jobs(session, f"w{attempt}", 1, lease_seconds=-1)
        with db.transaction() as session:
            job_store.release_expired_claims(session, max_attempts=2)
            stored = session.get(Job, job.id)
            expected = "PENDING" if attempt < 2 else "ERROR"
            assert stored.status == expected and stored.attempts == attempt
    assert "gave up after 2 tries" in stored.errors[-1]


def test_renewed_claims_do_not_expire_and_lost_claims_are_reported(db, owner):
    _batch(db, owner, jobs=2)
    with db.transaction() as session:
        a, b = job_store.claim_next_jobs(session, "w1", 2, lease_seconds=30)
    with db.transaction() as session:
        job_store.cancel_jobs(session, [session.get(Job, b.id)])
    with db.transaction() as session:
        assert job_store.claims_lost(session, "w1", {a.id, b.id}) == {b.id}
        job_store.renew_leases(session, "w1", {a.id}, lease_seconds=30)
        assert job_store.release_expired_claims(session, max_attempts=3) == set()


def _batch_on(
    db: Database, owner: tuple[str, str], device: str, jobs: int, priority: str = "MEDIUM"
) -> str:
    user_id, project_id = owner
    spec = batch_store.NewBatch(
        project_id=project_id,
        user_id=user_id,
        device_type=device,
        sequence_builder="{}",
        open=False,
        priority=priority,
    )
    with db.transaction() as session:
        return batch_store.create_batch(session, spec, [batch_store.NewJob(runs=1)] * jobs).id


def _claim(db: Database, limit: int = 10) -> list[job_store.ClaimedJob]:
    with db.transaction() as session:
        claimed = job_store.claim_next_jobs(
            session, "w1", limit, lease_seconds=30, exclusive_device_types={"QPU"}
        )
        batch_store.refresh_batch_statuses(session, {job.batch_id for job in claimed})
        return claimed


def _finish(db: Database, jobs: list[job_store.ClaimedJob]) -> None:
    with db.transaction() as session:
        for job in jobs:
            job_store.finish_job(session, job.id, "w1", None)
        batch_store.refresh_batch_statuses(session, {job.batch_id for job in jobs})


def test_a_qpu_runs_one_job_at_a_time_beside_shared_devices(db, owner):
    first = _batch_on(db, owner, "QPU", jobs=3)
    _batch_on(db, owner, "QPU", jobs=3)
    emulated = _batch_on(db, owner, "EMU", jobs=3)
    claimed = _claim(db)
    on_qpu = [job for job in claimed if job.device_type == "QPU"]
    assert [job.batch_id for job in on_qpu] == [first]
    assert sum(job.batch_id == emulated for job in claimed) == 3
    assert not [job for job in _claim(db) if job.device_type == "QPU"]  # still busy


def test_a_qpu_finishes_its_batch_before_starting_another(db, owner):
    first = _batch_on(db, owner, "QPU", jobs=3)
    seen = _claim(db)
    assert [job.batch_id for job in seen] == [first]
    urgent = _batch_on(db, owner, "QPU", jobs=1, priority="HIGH")
    order = []
    while seen:
        order += [job.batch_id for job in seen]
        _finish(db, seen)
        seen = _claim(db)
    assert order == [first, first, first, urgent]
