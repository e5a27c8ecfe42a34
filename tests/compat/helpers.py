"""Helpers of the compat suite: what a script needs, and reading what it printed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.helpers import ServerProcess


def connection_input(server: ServerProcess, **extra: Any) -> dict[str, Any]:
    """What a script needs to reach the server as its bootstrap admin, and a fresh tag that
    marks what this run creates (the runs of every client share one server)."""
    return {
        "url": server.url,
        "token": server.token,
        "project_id": server.project_id,
        "tag": f"compat-{uuid.uuid4().hex[:10]}",
        **extra,
    }


def insert_workloads(server: ServerProcess, count: int) -> list[str]:
    """Workload rows of the admin's project, written with the store as the API would: no
    workload type runs on this server yet, so the API cannot create one."""
    from sqlalchemy import select

    from tweezer.store import workloads
    from tweezer.store.db import Database
    from tweezer.store.models import User

    db = Database(f"sqlite:///{server.data_dir / 'tweezer.db'}")
    try:
        with db.transaction() as session:
            user_id = session.execute(
                select(User.id).where(User.username == server.credentials["username"])
            ).scalar_one()
            return [
                workloads.create_workload(
                    session, server.project_id, user_id, "tweezer-compat", "EMU_FREE", {"n": i}
                ).id
                for i in range(count)
            ]
    finally:
        db.dispose()


def step(outcomes: dict[str, Any], name: str) -> Any:
    """The value a step returned; fails with the client's error; skips a skipped step."""
    outcome = outcomes.get(name)
    if outcome is None:
        scenario = outcomes.get("scenario", {}).get("error", {}).get("trace", "")
        pytest.fail(f"step {name!r} did not run.\n{scenario}\n{outcomes.get('_stderr', '')}")
    if "skipped" in outcome:
        pytest.skip(outcome["skipped"])
    if not outcome["ok"]:
        error = outcome["error"]
        pytest.fail(
            f"step {name!r} failed in the official client: {error.get('type')}: "
            f"{error.get('message')}\n{error.get('trace', '')}"
        )
    return outcome["value"]


def failure(outcomes: dict[str, Any], name: str) -> dict[str, str]:
    """The error of a step that calls something which must fail (see `error_of` in scripts)."""
    value = step(outcomes, name)
    assert isinstance(value, dict) and "type" in value, value
    return value


def need_types(available: tuple[str, ...], *device_types: str) -> None:
    """Skip, naming the missing device types, unless the server runs all of them."""
    missing = [name for name in device_types if name not in available]
    if missing:
        pytest.skip(
            f"device type {', '.join(missing)} is not available on this server yet "
            f"(tweezer.devices.registry.available_device_types() = {', '.join(available)})"
        )
