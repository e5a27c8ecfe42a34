"""The JSend-like envelope every JSON answer wears."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


def success(data: Any, code: int = 200, pagination: dict[str, int] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": "success", "code": code, "message": "OK", "data": data}
    if pagination is not None:
        body["pagination"] = pagination
    return JSONResponse(body, status_code=code)


def failure(code: int, description: str, message: str | None = None) -> JSONResponse:
    return JSONResponse(
        {
            "status": "fail" if code < 500 else "error",
            "code": code,
            "message": message or description,
            "data": {"description": description},
        },
        status_code=code,
    )


def page(items: list[Any], total: int, offset: int) -> JSONResponse:
    return success(items, pagination={"total": total, "offset": offset, "end": offset + len(items)})
