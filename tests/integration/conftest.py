"""Fixtures that start a real `tweezer serve` on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.helpers import (
    ServerProcess,
    pi_pulse_sequence_json,
    variable_duration_sequence_json,
)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(data_dir=tmp_path_factory.mktemp("tweezer-data")).start()
    yield process
    process.stop()


@pytest.fixture
def fresh_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def sdk(server: ServerProcess):  # type: ignore[no-untyped-def]
    from tweezer import SDK, Endpoints, TokenProvider

    class ServerToken(TokenProvider):
        def get_token(self) -> str:
            return server.token

    return SDK(
        token_provider=ServerToken(),
        endpoints=Endpoints(core=server.url, account=server.url),
        project_id=server.project_id,
    )


@pytest.fixture(scope="session")
def sequence_json() -> str:
    return pi_pulse_sequence_json()


@pytest.fixture(scope="session")
def sequence_with_variable_json() -> str:
    return variable_duration_sequence_json()
