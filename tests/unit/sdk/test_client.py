"""The SDK class without a server: argument rules, deprecations, credentials, type checks."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from tweezer import (
    SDK,
    Auth0Conf,
    BatchFilters,
    DeviceTypeName,
    EmuFreeConfig,
    EmulatorType,
    Endpoints,
    JobFilters,
    RebatchFilters,
    TokenProvider,
)
from tweezer.errors import (
    BatchClosingError,
    BatchCreationError,
    InvalidConfiguration,
    InvalidDeviceTypeSet,
    OnlyCompleteOrOpenCanBeSet,
)
from tweezer.sdk import client as client_module
from tweezer.sdk.client import batch_body

SEQUENCE = '{"version": "1"}'
PROJECT = "8c1f6a0e-0000-4000-8000-000000000001"


def body(**kwargs: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "complete": None,
        "open": None,
        "emulator": None,
        "device_type": None,
        "configuration": None,
        "backend_configuration": None,
        "tags": None,
        "webhook": None,
        "project_id": PROJECT,
    }
    arguments.update(kwargs)
    return batch_body(SEQUENCE, [{"runs": 10, "variables": {"t": 1}}], **arguments)


def test_the_default_batch_is_closed_on_fresnel():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert body() == {
            "sequence_builder": SEQUENCE,
            "webhook": None,
            "jobs": [{"runs": 10, "variables": {"t": 1}}],
            "open": False,
            "device_type": "FRESNEL",
            "project_id": PROJECT,
        }


def test_open_is_sent_as_given():
    assert body(open=True)["open"] is True


def test_complete_and_open_together_are_refused():
    with pytest.raises(OnlyCompleteOrOpenCanBeSet):
        body(complete=True, open=False)


@pytest.mark.parametrize(("complete", "open_"), [(True, False), (False, True)])
def test_complete_is_deprecated_and_means_not_open(complete, open_):
    with pytest.deprecated_call(match="complete"):
        assert body(complete=complete)["open"] is open_


def test_emulator_is_deprecated_and_names_the_device_type():
    with pytest.deprecated_call(match="emulator"):
        assert body(emulator=EmulatorType.EMU_FREE)["device_type"] == "EMU_FREE"


def test_emulator_and_device_type_together_are_refused():
    with pytest.raises(InvalidDeviceTypeSet):
        body(emulator=EmulatorType.EMU_TN, device_type=DeviceTypeName.EMU_TN)


def test_device_type_is_sent_as_its_name():
    assert body(device_type=DeviceTypeName.EMU_FREE)["device_type"] == "EMU_FREE"
    assert body(device_type="EMU_TN")["device_type"] == "EMU_TN"


def test_a_configuration_object_is_sent_as_its_dict_and_a_dict_as_it_is():
    sent = body(configuration=EmuFreeConfig(with_noise=True, extra_config={"seed": 1}))
    assert sent["configuration"] == {
        "strict_validation": False,
        "result_types": None,
        "with_noise": True,
        "seed": 1,
    }
    assert body(configuration={"result_types": None})["configuration"] == {"result_types": None}


def test_an_invalid_configuration_is_refused_before_sending():
    with pytest.raises(InvalidConfiguration):
        body(configuration=EmuFreeConfig(extra_config={"with_noise": 1}))


def test_optional_fields_are_sent_only_when_given():
    sent = body(backend_configuration="{}", tags=["a", "b"], webhook="http://hook")
    assert sent["backend_configuration"] == "{}"
    assert sent["tags"] == ["a", "b"]
    assert sent["webhook"] == "http://hook"
    assert "tags" not in body() and "backend_configuration" not in body()


class Fixed(TokenProvider):
    def get_token(self) -> str:
        return "fixed-token"


def offline_sdk(**kwargs: Any) -> SDK:
    """An SDK without credentials: every call fails before anything is sent."""
    endpoints = Endpoints(core="http://127.0.0.1:9", account="http://127.0.0.1:9")
    return SDK(endpoints=endpoints, **kwargs)


def test_fetch_results_is_deprecated():
    sdk = offline_sdk(project_id=PROJECT)
    with pytest.deprecated_call(match="fetch_results"), pytest.raises(BatchCreationError):
        sdk.create_batch(SEQUENCE, [{"runs": 1}], device_type="EMU_FREE", fetch_results=True)


def test_create_batch_needs_a_project():
    with pytest.raises(ValueError, match="project_id"):
        offline_sdk().create_batch(SEQUENCE, [{"runs": 1}])


def test_create_batch_applies_the_argument_rules_before_sending():
    sdk = offline_sdk(project_id=PROJECT)
    with pytest.raises(OnlyCompleteOrOpenCanBeSet):
        sdk.create_batch(SEQUENCE, [], complete=True, open=True)
    with pytest.raises(InvalidDeviceTypeSet):
        sdk.create_batch(SEQUENCE, [], emulator="EMU_FREE", device_type="EMU_FREE")


def test_complete_batch_is_deprecated_for_close_batch():
    with pytest.deprecated_call(match="close_batch"), pytest.raises(BatchClosingError):
        offline_sdk().complete_batch("b")


@pytest.mark.parametrize(
    "call",
    [
        lambda sdk: sdk.get_batches(filters=JobFilters()),
        lambda sdk: sdk.get_batches(pagination_params={"offset": 0}),
        lambda sdk: sdk.get_jobs(filters=BatchFilters()),
        lambda sdk: sdk.get_jobs(pagination_params=5),
        lambda sdk: sdk.rebatch("b", filters=JobFilters()),
        lambda sdk: sdk.cancel_jobs("b", filters=RebatchFilters()),
    ],
)
def test_filters_of_the_wrong_kind_raise_type_error(call):
    with pytest.raises(TypeError):
        call(offline_sdk())


@pytest.mark.parametrize(
    "kwargs",
    [{"token_provider": "abc"}, {"endpoints": "http://x"}, {"auth0": {"domain": "x"}}],
)
def test_arguments_of_the_wrong_kind_raise_type_error(kwargs):
    with pytest.raises(TypeError):
        SDK(**kwargs)


def test_user_token_is_the_providers_token_or_none():
    assert offline_sdk().user_token() is None
    assert SDK(token_provider=Fixed()).user_token() == "fixed-token"


def test_the_default_endpoints_are_pasqals():
    sdk = SDK(token_provider=Fixed())
    assert sdk.endpoints.core == "https://apis.pasqal.cloud/core-fast"
    assert sdk.endpoints.account == "https://apis.pasqal.cloud/account"
    assert Endpoints(core="http://h:1/", account="http://h:1/").core == "http://h:1"


def test_a_username_without_password_prompts_and_refuses_an_empty_one(monkeypatch):
    prompts: list[str] = []
    monkeypatch.setattr(client_module, "getpass", lambda prompt: prompts.append(prompt) or "")
    with pytest.raises(ValueError, match="password"):
        SDK(username="ada@example.com")
    assert prompts and "ada@example.com" in prompts[0]


def test_a_username_logs_in_to_auth0_when_a_tenant_is_given(monkeypatch):
    made: list[tuple[Any, ...]] = []

    class FakeAuth0(Fixed):
        def __init__(self, *args: Any) -> None:
            made.append(args)

    monkeypatch.setattr(client_module, "Auth0TokenProvider", FakeAuth0)
    conf = Auth0Conf(domain="tenant.example")
    sdk = SDK(username="ada", password="pw", auth0=conf)
    assert made == [("ada", "pw", conf)]
    assert sdk.user_token() == "fixed-token"


def test_a_username_logs_in_to_the_tweezer_server_without_a_tenant(monkeypatch):
    made: list[tuple[Any, ...]] = []

    class FakeTweezer(Fixed):
        def __init__(self, *args: Any) -> None:
            made.append(args)

    monkeypatch.setattr(client_module, "TweezerTokenProvider", FakeTweezer)
    SDK(username="ada", password="pw", endpoints=Endpoints(core="http://c", account="http://a"))
    assert made == [("ada", "pw", "http://a")]


def write_credentials(path: Path, **overrides: Any) -> Path:
    data = {
        "url": "http://127.0.0.1:8123",
        "token": "twz_abc",
        "project_id": PROJECT,
        "username": "admin",
        **overrides,
    }
    path.write_text(json.dumps(data))
    return path


def test_from_credentials_reads_url_token_and_project(tmp_path):
    sdk = SDK.from_credentials(write_credentials(tmp_path / "c.json"))
    assert sdk.endpoints == Endpoints(core="http://127.0.0.1:8123", account="http://127.0.0.1:8123")
    assert sdk.user_token() == "twz_abc"
    assert sdk.project_id == PROJECT


def test_from_credentials_reads_the_environment_then_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("TWEEZER_CREDENTIALS", str(write_credentials(tmp_path / "env.json")))
    assert SDK.from_credentials().user_token() == "twz_abc"
    monkeypatch.delenv("TWEEZER_CREDENTIALS")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".tweezer").mkdir()
    write_credentials(tmp_path / ".tweezer" / "credentials.json", token="twz_home")
    assert SDK.from_credentials().user_token() == "twz_home"


def test_from_credentials_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.json"):
        SDK.from_credentials(tmp_path / "missing.json")


@pytest.mark.parametrize("content", ["not json", '{"url": "http://x"}', "[]"])
def test_from_credentials_refuses_a_broken_file(tmp_path, content):
    path = tmp_path / "c.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=r"c\.json"):
        SDK.from_credentials(path)
