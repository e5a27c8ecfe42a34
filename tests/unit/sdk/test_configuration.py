"""Emulator configurations and their request objects."""

from __future__ import annotations

import pytest

from tweezer import BaseConfig, EmuFreeConfig, EmuTNConfig
from tweezer.errors import InvalidConfiguration
from tweezer.sdk.configuration import ResultType, config_for_device


def test_emu_free_config_to_dict_holds_every_option():
    assert EmuFreeConfig(with_noise=True).to_dict() == {
        "strict_validation": False,
        "result_types": None,
        "with_noise": True,
    }


def test_emu_tn_config_to_dict_holds_every_option():
    config = EmuTNConfig(dt=5.0, precision="high", max_bond_dim=100, strict_validation=True)
    assert config.to_dict() == {
        "strict_validation": True,
        "result_types": None,
        "dt": 5.0,
        "precision": "high",
        "max_bond_dim": 100,
    }


def test_extra_keys_pass_through_to_the_request():
    config = EmuFreeConfig(extra_config={"seed": 7, "anything": {"nested": [1]}})
    body = config.to_dict()
    assert body["seed"] == 7
    assert body["anything"] == {"nested": [1]}
    assert "extra_config" not in body


def test_result_types_are_sent_as_their_names():
    config = BaseConfig(result_types=[ResultType.COUNTER, "sample"])  # type: ignore[list-item]
    assert config.to_dict()["result_types"] == ["counter", "sample"]


def test_an_unknown_result_type_is_refused():
    with pytest.raises(InvalidConfiguration, match="bitstrings"):
        BaseConfig(result_types=["bitstrings"]).to_dict()  # type: ignore[list-item]


def test_extra_config_may_not_override_a_field():
    with pytest.raises(InvalidConfiguration, match="with_noise"):
        EmuFreeConfig(extra_config={"with_noise": True}).to_dict()


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"dt": 0}, "dt"), ({"precision": "ultra"}, "precision"), ({"max_bond_dim": -1}, "bond")],
)
def test_emu_tn_refuses_values_out_of_range(kwargs, word):
    with pytest.raises(InvalidConfiguration, match=word):
        EmuTNConfig(**kwargs).to_dict()


def test_from_dict_reads_fields_and_keeps_unknown_keys_as_extra():
    config = EmuTNConfig.from_dict({"dt": 2.0, "precision": "low", "custom": 1})
    assert config == EmuTNConfig(dt=2.0, precision="low", extra_config={"custom": 1})
    assert EmuTNConfig.from_dict(config.to_dict()) == config


def test_the_configuration_of_a_batch_gets_its_device_class():
    assert isinstance(config_for_device("EMU_FREE", {"with_noise": True}), EmuFreeConfig)
    assert isinstance(config_for_device("EMU_TN", {"dt": 1.0}), EmuTNConfig)
    other = config_for_device("EMU_MPS", {"result_types": None, "x": 1})
    assert type(other) is BaseConfig
    assert other.extra_config == {"x": 1}
