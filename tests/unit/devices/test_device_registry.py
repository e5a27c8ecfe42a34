"""The registry: which device types this server runs, and what it says about the others."""

from __future__ import annotations

import pytest
from pulser.json.abstract_repr.deserializer import deserialize_device

from tweezer.devices.base import Device
from tweezer.devices.emu_free import EmuFreeDevice
from tweezer.devices.registry import (
    available_device_types,
    device_specs,
    get_device,
    known_device_types,
)
from tweezer.domain.errors import InvalidInput
from tweezer.enums import DeviceTypeName


def test_emu_free_is_available_and_the_same_instance_is_reused():
    device = get_device("EMU_FREE")
    assert isinstance(device, EmuFreeDevice) and isinstance(device, Device)
    assert device.device_type == "EMU_FREE"
    assert get_device("EMU_FREE") is device


def test_every_device_type_of_the_wire_is_served():
    assert available_device_types() == (
        "FRESNEL",
        "EMU_FREE",
        "EMU_TN",
        "EMU_SV",
        "EMU_MPS",
        "EMU_FRESNEL",
    )
    for name in available_device_types():
        device = get_device(name)
        assert device.device_type == name and get_device(name) is device


def test_options_make_a_separately_configured_instance():
    device = get_device("EMU_FREE", max_atoms=4, max_runs=100)
    assert device is not get_device("EMU_FREE")
    assert (device.max_atoms, device.max_runs) == (4, 100)


def test_an_unknown_device_type_lists_the_available_ones():
    available = "FRESNEL, EMU_FREE, EMU_TN, EMU_SV, EMU_MPS, EMU_FRESNEL"
    with pytest.raises(InvalidInput, match=rf"Unknown device type 'QPU9'; available: {available}"):
        get_device("QPU9")
    with pytest.raises(InvalidInput, match="upper case: EMU_FREE"):
        get_device("emu_free")
    with pytest.raises(InvalidInput, match="must be a string"):
        get_device(None)  # type: ignore[arg-type]


def test_known_types_are_the_wire_vocabulary():
    assert set(known_device_types()) == {name.value for name in DeviceTypeName}


def test_every_available_device_has_specs_pulser_can_load():
    specs = device_specs()
    assert set(specs) == set(available_device_types())
    for name, text in specs.items():
        assert deserialize_device(text).name == name
