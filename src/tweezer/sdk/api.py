"""The server's endpoints, one method each: URLs, bodies, the error class of each call.

Methods return the `data` of the answer as plain JSON values; the models and the SDK class build
objects from them. Listings that span pages are followed to their end here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urljoin

from tweezer.errors import (
    BatchCancellingError,
    BatchClosingError,
    BatchCreationError,
    BatchFetchingError,
    BatchSetTagsError,
    DeviceSpecsFetchingError,
    JobCancellingError,
    JobCreationError,
    JobFetchingError,
    RebatchError,
    TweezerError,
    WorkloadCancellingError,
    WorkloadCreationError,
    WorkloadFetchingError,
)
from tweezer.sdk.endpoints import Endpoints
from tweezer.sdk.filters import QueryParams
from tweezer.sdk.transport import Transport

#: Items asked for per page when the SDK follows a listing to its end.
PAGE_SIZE = 100


def _seg(object_id: str) -> str:
    """An id as one path segment."""
    return quote(str(object_id), safe="")


class CoreApi:
    """Calls the core endpoints of one server through one transport."""

    def __init__(self, transport: Transport, endpoints: Endpoints) -> None:
        self.transport = transport
        self.endpoints = endpoints

    def _url(self, path: str) -> str:
        return f"{self.endpoints.core}{path}"

    def _envelope(
        self,
        method: str,
        path: str,
        *,
        error: type[TweezerError],
        json: Any = None,
        params: QueryParams | None = None,
        extra_timeout: float = 0.0,
    ) -> dict[str, Any]:
        body = self.transport.request(
            method,
            self._url(path),
            error=error,
            json=json,
            params=params,
            extra_timeout=extra_timeout,
        )
        if "data" not in body:
            raise error("the server's answer has no 'data'.", body=body)
        return body

    def _object(
        self, method: str, path: str, *, error: type[TweezerError], **kwargs: Any
    ) -> dict[str, Any]:
        """The `data` of the answer, which must be a JSON object."""
        data = self._envelope(method, path, error=error, **kwargs)["data"]
        if not isinstance(data, dict):
            raise error("the server's answer holds no object.", body=data)
        return data

    def _all_pages(
        self, path: str, params: QueryParams, error: type[TweezerError]
    ) -> list[dict[str, Any]]:
        """Every item of a paginated listing, following `pagination.end` until `total`."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self._envelope(
                "GET",
                path,
                error=error,
                params=[*params, ("offset", str(offset)), ("limit", str(PAGE_SIZE))],
            )
            items.extend(page["data"])
            pagination = page.get("pagination")
            if not pagination:
                return items
            end = int(pagination.get("end", offset + len(page["data"])))
            if end >= int(pagination["total"]) or end <= offset:
                return items
            offset = end

    # ---- batches ----

    def create_batch(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._object("POST", "/api/v1/batches", error=BatchCreationError, json=body)

    def get_batch(self, batch_id: str) -> dict[str, Any]:
        return self._object("GET", f"/api/v2/batches/{_seg(batch_id)}", error=BatchFetchingError)

    def get_batches(self, params: QueryParams) -> dict[str, Any]:
        """The envelope of one page of batches: `data` and `pagination`."""
        return self._envelope("GET", "/api/v1/batches", error=BatchFetchingError, params=params)

    def get_batch_jobs(self, batch_id: str) -> list[dict[str, Any]]:
        """Every job of a batch, in creation order."""
        return self._all_pages(
            "/api/v2/jobs",
            [
                ("batch_id", str(batch_id)),
                ("order_by", "creation_order"),
                ("order_by_direction", "ASC"),
            ],
            BatchFetchingError,
        )

    def add_jobs(self, batch_id: str, jobs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        return self._object(
            "POST",
            f"/api/v2/batches/{_seg(batch_id)}/jobs",
            error=JobCreationError,
            json=[dict(job) for job in jobs],
        )

    def close_batch(self, batch_id: str) -> dict[str, Any]:
        return self._object(
            "PATCH", f"/api/v2/batches/{_seg(batch_id)}/complete", error=BatchClosingError
        )

    def cancel_batch(self, batch_id: str) -> dict[str, Any]:
        return self._object(
            "PATCH", f"/api/v2/batches/{_seg(batch_id)}/cancel", error=BatchCancellingError
        )

    def cancel_batches(self, batch_ids: Sequence[str]) -> dict[str, Any]:
        return self._object(
            "PATCH",
            "/api/v1/batches/cancel",
            error=BatchCancellingError,
            json={"batch_ids": [str(batch_id) for batch_id in batch_ids]},
        )

    def rebatch(self, batch_id: str, params: QueryParams) -> dict[str, Any]:
        return self._object(
            "POST", f"/api/v1/batches/{_seg(batch_id)}/rebatch", error=RebatchError, params=params
        )

    def set_batch_tags(self, batch_id: str, tags: Sequence[str]) -> dict[str, Any]:
        return self._object(
            "PATCH",
            f"/api/v1/batches/{_seg(batch_id)}/tags",
            error=BatchSetTagsError,
            json=list(tags),
        )

    def cancel_jobs(self, batch_id: str, params: QueryParams) -> dict[str, Any]:
        return self._object(
            "PATCH",
            f"/api/v2/batches/{_seg(batch_id)}/cancel/jobs",
            error=JobCancellingError,
            params=params,
        )

    def batch_status(self, batch_id: str, wait: float) -> dict[str, Any]:
        """The batch's status, answered when no job is active or after `wait` seconds."""
        return self._object(
            "GET",
            f"/api/v1/batches/{_seg(batch_id)}/status",
            error=BatchFetchingError,
            params=[("wait", f"{wait:.3f}")],
            extra_timeout=wait,
        )

    def batch_results(self, batch_id: str) -> dict[str, Any]:
        """`{job_id: result or None}` for every job of the batch, in one call."""
        return self._object(
            "GET", f"/api/v1/batches/{_seg(batch_id)}/results", error=BatchFetchingError
        )

    # ---- jobs ----

    def get_jobs(self, params: QueryParams) -> dict[str, Any]:
        """The envelope of one page of jobs: `data` and `pagination`."""
        return self._envelope("GET", "/api/v2/jobs", error=JobFetchingError, params=params)

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._object("GET", f"/api/v2/jobs/{_seg(job_id)}", error=JobFetchingError)

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        return self._object(
            "PATCH", f"/api/v2/jobs/{_seg(job_id)}/cancel", error=JobCancellingError
        )

    def job_status(self, job_id: str, wait: float) -> dict[str, Any]:
        """The job's status, answered when it is terminal or after `wait` seconds."""
        return self._object(
            "GET",
            f"/api/v1/jobs/{_seg(job_id)}/status",
            error=JobFetchingError,
            params=[("wait", f"{wait:.3f}")],
            extra_timeout=wait,
        )

    def job_result(self, job_id: str) -> dict[str, Any] | None:
        """The job's result, downloaded through its signed link; None while it has none."""
        link = self._object(
            "GET", f"/api/v1/jobs/{_seg(job_id)}/results_link", error=JobFetchingError
        ).get("results_link")
        if not link:
            return None
        content = self.transport.download(self.absolute(link), error=JobFetchingError)
        try:
            result = json.loads(content)
        except ValueError as exc:
            raise JobFetchingError(f"the result of job {job_id} is not JSON.") from exc
        if not isinstance(result, dict):
            raise JobFetchingError(f"the result of job {job_id} is not a JSON object.")
        return result

    def absolute(self, link: str) -> str:
        """A link the server gave, made absolute against the core URL if it is a path."""
        return urljoin(f"{self.endpoints.core}/", link)

    # ---- workloads ----

    def create_workload(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._object("POST", "/api/v1/workloads", error=WorkloadCreationError, json=body)

    def get_workload(self, workload_id: str) -> dict[str, Any]:
        return self._object(
            "GET", f"/api/v2/workloads/{_seg(workload_id)}", error=WorkloadFetchingError
        )

    def cancel_workload(self, workload_id: str) -> dict[str, Any]:
        return self._object(
            "PUT", f"/api/v1/workloads/{_seg(workload_id)}/cancel", error=WorkloadCancellingError
        )

    def workload_status(self, workload_id: str, wait: float) -> dict[str, Any]:
        """The workload's status, answered when it is terminal or after `wait` seconds."""
        return self._object(
            "GET",
            f"/api/v1/workloads/{_seg(workload_id)}/status",
            error=WorkloadFetchingError,
            params=[("wait", f"{wait:.3f}")],
            extra_timeout=wait,
        )

    # ---- devices ----

    def device_specs(self) -> dict[str, str]:
        """`{device_type: serialized pulser device}` for every device the caller may use."""
        return self._object("GET", "/api/v1/devices/specs", error=DeviceSpecsFetchingError)
