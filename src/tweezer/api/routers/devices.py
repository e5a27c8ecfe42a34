"""Device specs: every spec is a pulser abstract-repr device (a JSON string)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tweezer.api.deps import CurrentCaller
from tweezer.api.envelope import success
from tweezer.devices.registry import available_device_types, get_device

router = APIRouter(tags=["devices"])


@router.get("/api/v1/devices/specs", summary="Specs of every device type, by name")
def device_specs(_: CurrentCaller) -> JSONResponse:
    return success({name: get_device(name).specs() for name in available_device_types()})


@router.get("/api/v1/devices/public-specs", summary="Specs of every device type (no token)")
def public_device_specs() -> JSONResponse:
    return success(
        [
            {"device_type": name, "specs": get_device(name).specs()}
            for name in available_device_types()
        ]
    )
