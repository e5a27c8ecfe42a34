"""Device types: their specs (pulser abstract-repr devices, as JSON strings) and their state."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tweezer.api.deps import Context, CurrentCaller
from tweezer.api.envelope import success
from tweezer.devices.registry import describe_devices, device_specs
from tweezer.store import jobs as job_store

router = APIRouter(tags=["devices"])


@router.get("/api/v1/devices", summary="Every device type: kind, status, limits, queue length")
def devices(ctx: Context, _: CurrentCaller) -> JSONResponse:
    with ctx.db.transaction() as session:
        queued = job_store.queue_lengths(session)
    return success(
        [
            {**info.to_dict(), "queue_length": queued.get(info.device_type, 0)}
            for info in describe_devices()
        ]
    )


@router.get("/api/v1/devices/specs", summary="Specs of every device type, by name")
def specs(_: CurrentCaller) -> JSONResponse:
    return success(device_specs())


@router.get("/api/v1/devices/public-specs", summary="Specs of every device type (no token)")
def public_specs() -> JSONResponse:
    return success([{"device_type": name, "specs": spec} for name, spec in device_specs().items()])
