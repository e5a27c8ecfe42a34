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
    assert available_device_types() == ("EMU_FREE",)


def test_options_make_a_separately_configured_instance():
    device = get_device("EMU_FREE", max_atoms=4, max_runs=100)
    assert device is not get_device("EMU_FREE")
    assert (device.max_atoms, device.max_runs) == (4, 100)


@pytest.mark.parametrize("name", ["FRESNEL", "EMU_TN", "EMU_SV", "EMU_MPS", "EMU_FRESNEL"])
def test_known_device_types_not_served_yet_are_refused_as_such(name):
    with pytest.raises(InvalidInput) as caught:
        get_device(name)
    assert caught.value.description == (
        f"Device type {name} is not available on this server yet; available: EMU_FREE."
    )


def test_an_unknown_device_type_lists_the_available_ones():
    with pytest.raises(InvalidInput, match=r"Unknown device type 'QPU9'; available: EMU_FREE\."):
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
