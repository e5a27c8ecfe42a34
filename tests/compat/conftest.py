"""Fixtures of the compat suite: the official clients' venvs and a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compat.clients import BY_NAME, CLIENTS, SKIP_VARIABLE, Client, Runs, build_all
from tests.integration.helpers import ServerProcess

#: The first test of a client also waits for its venv (built from PyPI on a fresh machine) and
#: for the scenario scripts of every client: more than the project's default per-test timeout.
TIMEOUT_SECONDS = 1200


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.timeout(TIMEOUT_SECONDS))


@pytest.fixture(scope="session")
def built_clients() -> dict[str, float]:
    """Every client venv, built (or found built); the seconds each build took."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: the official clients are not tested")
    return build_all()


@pytest.fixture(scope="session", params=[client.name for client in CLIENTS])
def client(request: pytest.FixtureRequest, built_clients: dict[str, float]) -> Client:
    return BY_NAME[request.param]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # Webhooks here point at the loopback; the server posts only to public addresses otherwise.
    process = ServerProcess(
        data_dir=tmp_path_factory.mktemp("compat-data"),
        env={"TWEEZER_WEBHOOK_ALLOW_PRIVATE_TARGETS": "1"},
    ).start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def available() -> tuple[str, ...]:
    """The device types this server runs (others are refused with 400 until they land)."""
    from tweezer.devices.registry import available_device_types

    return available_device_types()


@pytest.fixture(scope="session")
def runs(built_clients: dict[str, float]) -> Iterator[Runs]:
    """Scenario scripts, run for every client side by side (see `Runs`)."""
    started = Runs()
    yield started
    started.close()
