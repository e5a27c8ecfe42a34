"""Which device types this server runs, by wire name.

`get_device("EMU_SV")` gives the `Device` that validates, prepares and runs EMU_SV batches; every
name of `tweezer.enums.DeviceTypeName` is served (an unknown name is refused with a sentence
listing them). A device module is imported only when its type is first asked for, and the torch
engines only when a job runs, so the API does not load engines it never runs.

`describe_devices()` gives one `DeviceInfo` per type for `GET /api/v1/devices`: kind (QPU or
EMULATOR), `twin` (FRESNEL served by a digital twin), status (UP, DOWN, MAINTENANCE), limits
and engine; the API adds queue lengths.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from tweezer.devices.base import Device, DeviceInfo
from tweezer.domain.errors import InvalidInput
from tweezer.enums import DeviceTypeName

__all__ = [
    "available_device_types",
    "describe_devices",
    "device_specs",
    "get_device",
    "known_device_types",
]

#: device type -> "module:Class" of the Device implementing it, in the wire's order.
_AVAILABLE: Mapping[str, str] = {
    DeviceTypeName.FRESNEL.value: "tweezer.devices.fresnel:FresnelDevice",
    DeviceTypeName.EMU_FREE.value: "tweezer.devices.emu_free:EmuFreeDevice",
    DeviceTypeName.EMU_TN.value: "tweezer.devices.emu_tn:EmuTnDevice",
    DeviceTypeName.EMU_SV.value: "tweezer.devices.emu_sv:EmuSvDevice",
    DeviceTypeName.EMU_MPS.value: "tweezer.devices.emu_mps:EmuMpsDevice",
    DeviceTypeName.EMU_FRESNEL.value: "tweezer.devices.emu_fresnel:EmuFresnelDevice",
}

_defaults: dict[str, Device] = {}


def available_device_types() -> tuple[str, ...]:
    """The device types this server runs, in a stable order."""
    return tuple(_AVAILABLE)


def known_device_types() -> tuple[str, ...]:
    """Every device type of the wire protocol, available here or not."""
    return tuple(name.value for name in DeviceTypeName)


def get_device(device_type: str, **options: Any) -> Device:
    """The `Device` for `device_type`; `InvalidInput` if this server does not run it.

    Without options the same default-configured instance is returned every time; options make a
    new instance configured with them (emulators: `max_atoms`, `max_runs`; EMU_FREE also `spam`;
    EMU_FRESNEL also `noise`, `n_trajectories`; FRESNEL: `driver`, a `qpu.QPUDriver`).
    """
    if not isinstance(device_type, str):
        raise InvalidInput(
            f"The device type must be a string, one of {_listing()}; "
            f"got {type(device_type).__name__}."
        )
    target = _AVAILABLE.get(device_type)
    if target is None:
        if device_type in known_device_types():
            raise InvalidInput(
                f"Device type {device_type} is not available on this server yet; "
                f"available: {_listing()}."
            )
        hint = ""
        if device_type.strip().upper() in _AVAILABLE or device_type.strip().upper() in (
            known_device_types()
        ):
            hint = f" (device types are upper case: {device_type.strip().upper()})"
        raise InvalidInput(f"Unknown device type {device_type!r}{hint}; available: {_listing()}.")
    if options:
        return _factory(target)(**options)
    device = _defaults.get(device_type)
    if device is None:
        device = _defaults.setdefault(device_type, _factory(target)())
    return device


def describe_devices() -> list[DeviceInfo]:
    """Kind, status and limits of every available device type, in a stable order."""
    return [get_device(name).describe() for name in available_device_types()]


def device_specs() -> dict[str, str]:
    """{device type: pulser abstract representation of its device} for every available type."""
    return {name: get_device(name).specs() for name in available_device_types()}


def _factory(target: str) -> Callable[..., Device]:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def _listing() -> str:
    return ", ".join(available_device_types())
