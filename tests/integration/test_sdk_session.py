"""The SDK's session, device and workload methods against a live `tweezer serve`.

No workload type is registered on the server yet, so the workload tests cover the refusals; the
Workload model's `cancel()` and `result` get their tests when a type exists.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tweezer import SDK, BatchFilters, Endpoints
from tweezer.errors import (
    BatchFetchingError,
    DeviceSpecsFetchingError,
    WorkloadCancellingError,
    WorkloadCreationError,
    WorkloadFetchingError,
)
from tweezer.sdk.auth import StaticTokenProvider


def sdk_with_token(server, token: str) -> SDK:  # type: ignore[no-untyped-def]
    return SDK(
        token_provider=StaticTokenProvider(token),
        endpoints=Endpoints(core=server.url, account=server.url),
        project_id=server.project_id,
    )


# ---- session ----


def test_user_token_is_the_token_requests_carry(sdk, server):
    assert sdk.user_token() == server.token


def test_from_credentials_connects_with_the_file_tweezer_serve_writes(server, sequence_json):
    with SDK.from_credentials(server.data_dir / "credentials.json") as sdk:
        assert sdk.project_id == server.project_id
        batch = sdk.create_batch(sequence_json, [{"runs": 3}], device_type="EMU_FREE", wait=True)
        assert batch.ordered_jobs[0].result == {"1": 3}


def test_from_credentials_reads_the_environment(server, monkeypatch):
    monkeypatch.setenv("TWEEZER_CREDENTIALS", str(server.data_dir / "credentials.json"))
    assert SDK.from_credentials().get_batches(BatchFilters(tag="none-such")).total == 0


def test_a_token_the_server_does_not_know_is_refused_with_its_sentence(server):
    sdk = sdk_with_token(server, "twz_not-a-real-token")
    with pytest.raises(BatchFetchingError) as caught:
        sdk.get_batches()
    assert caught.value.status_code == 401
    assert "token" in caught.value.description
    with pytest.raises(DeviceSpecsFetchingError):
        sdk.get_device_specs_dict()


# ---- devices ----


def test_get_device_specs_dict_gives_a_serialized_pulser_device_per_type(sdk):
    from pulser.devices import Device, VirtualDevice
    from pulser.json.abstract_repr.deserializer import deserialize_device

    specs = sdk.get_device_specs_dict()
    assert "EMU_FREE" in specs
    for serialized in specs.values():
        assert isinstance(json.loads(serialized), dict)
        assert isinstance(deserialize_device(serialized), (Device, VirtualDevice))


# ---- workloads ----


def test_create_workload_of_an_unknown_type_is_refused_with_a_sentence(sdk):
    with pytest.raises(WorkloadCreationError) as caught:
        sdk.create_workload("no_such_type", "EMU_FREE", {"x": 1})
    assert caught.value.status_code == 400
    assert "no_such_type" in caught.value.description


def test_create_workload_with_wait_is_refused_the_same_way(sdk):
    with pytest.raises(WorkloadCreationError):
        sdk.create_workload("no_such_type", "EMU_FREE", {}, wait=True, timeout=5)


def test_get_workload_of_an_unknown_id_raises_workload_fetching_error(sdk):
    with pytest.raises(WorkloadFetchingError) as caught:
        sdk.get_workload(str(uuid.uuid4()))
    assert caught.value.status_code == 404
    with pytest.raises(WorkloadFetchingError):
        sdk.get_workload(str(uuid.uuid4()), wait=True, timeout=5)


def test_cancel_workload_of_an_unknown_id_raises_workload_cancelling_error(sdk):
    with pytest.raises(WorkloadCancellingError) as caught:
        sdk.cancel_workload(str(uuid.uuid4()))
    assert caught.value.status_code == 404
    assert caught.value.description
