"""Which device types this server runs, by wire name.

`get_device("EMU_FREE")` gives the `Device` that validates, prepares and runs EMU_FREE batches.
The other names of `tweezer.enums.DeviceTypeName` are known but not available yet: asking for
one is refused with a sentence that says so and lists what is available. A device module is
imported only when its type is first asked for, so the API does not load engines it never runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from tweezer.devices.base import Device
from tweezer.domain.errors import InvalidInput
from tweezer.enums import DeviceTypeName

__all__ = ["available_device_types", "device_specs", "get_device", "known_device_types"]

#: device type -> "module:Class" of the Device implementing it.
_AVAILABLE: Mapping[str, str] = {
    DeviceTypeName.EMU_FREE.value: "tweezer.devices.emu_free:EmuFreeDevice",
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

    Without options the same default-configured instance is returned every time; options (for
    EMU_FREE: `max_atoms`, `max_runs`, `spam`) make a new instance configured with them.
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
        raise InvalidInput(
            f"Unknown device type {device_type!r}{hint}; available: {_listing()}."
        )
    if options:
        return _factory(target)(**options)
    device = _defaults.get(device_type)
    if device is None:
        device = _defaults.setdefault(device_type, _factory(target)())
    return device


def device_specs() -> dict[str, str]:
    """{device type: pulser abstract representation of its device} for every available type."""
    return {name: get_device(name).specs() for name in available_device_types()}


def _factory(target: str) -> Callable[..., Device]:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def _listing() -> str:
    return ", ".join(available_device_types())
