"""Batches, jobs and workloads as the server describes them, with the actions they offer.

Each model holds the fields of the wire object (unknown fields are kept too, as attributes) and a
link to the server it came from, so `batch.cancel()` or `job.refresh()` act on that server and
update the object in place.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Generic, Self, TypedDict, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    InstanceOf,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tweezer.errors import (
    InvalidWorkloadResultsFormatError,
    JobCreationError,
    JobRetryError,
    WorkloadResultsConnectionError,
    WorkloadResultsDecodeError,
    WorkloadResultsDownloadError,
)
from tweezer.sdk.api import CoreApi
from tweezer.sdk.configuration import BaseConfig, config_for_device
from tweezer.sdk.wait import wait_for_batch

T = TypeVar("T")


class CreateJob(TypedDict, total=False):
    """A job to create: how many times to run the sequence, and the values of its variables."""

    runs: int
    variables: dict[str, Any] | None


class _ServerObject(BaseModel):
    """An object read from a server, able to act on that server."""

    model_config = ConfigDict(extra="allow")

    _api: CoreApi | None = PrivateAttr(default=None)

    @classmethod
    def _from_wire(cls, data: Mapping[str, Any], api: CoreApi | None) -> Self:
        """Build the object from its wire form, linked to the server of `api` (if any)."""
        fields = dict(data)
        side = cls._pop_side_data(fields)
        obj = cls.model_validate(fields)
        obj._api = api
        obj._use_side_data(side)
        return obj

    def _update(self, data: Mapping[str, Any]) -> None:
        """Replace every field with those of a newer wire form of the same object."""
        fields = dict(data)
        side = self._pop_side_data(fields)
        fresh = type(self).model_validate(fields)
        self.__dict__.update(fresh.__dict__)
        self.__pydantic_extra__ = fresh.__pydantic_extra__
        self.__pydantic_fields_set__ = fresh.__pydantic_fields_set__
        self._use_side_data(side)

    @classmethod
    def _pop_side_data(cls, fields: dict[str, Any]) -> dict[str, Any]:
        """Remove from `fields` the wire keys that are not plain fields, and return them."""
        return {}

    def _use_side_data(self, side: dict[str, Any]) -> None:
        """Take in what `_pop_side_data` removed."""

    @property
    def _core(self) -> CoreApi:
        if self._api is None:
            raise RuntimeError(
                f"This {type(self).__name__} was not read from a server; get it from an SDK."
            )
        return self._api


class Job(_ServerObject):
    """A job: one run request of a batch's sequence, with values for its variables.

    Attributes:
        id: the job's id.
        batch_id: the id of its batch.
        project_id: the id of its project.
        runs: how many times the sequence is run (shots).
        status: PENDING, RUNNING, DONE, ERROR, CANCELED, TIMED_OUT or PAUSED.
        created_at, updated_at: ISO 8601 timestamps.
        errors: what went wrong, for a job in ERROR.
        start_timestamp, end_timestamp: when it started and ended running.
        variables: the values of the sequence's variables; None for a sequence without any.
        parent_id: the job it was re-created from by a rebatch, if any.
        ordered_id: its position in its batch (0-based creation order).
        user_id: the id of the user who created it.
    """

    id: str
    batch_id: str
    project_id: str
    runs: int
    status: str
    created_at: str
    updated_at: str
    errors: list[str] | None = None
    start_timestamp: str | None = None
    end_timestamp: str | None = None
    variables: dict[str, Any] | None = None
    parent_id: str | None = None
    ordered_id: int | None = None
    user_id: str | None = None

    _full_result: dict[str, Any] | None = PrivateAttr(default=None)
    _batch: Batch | None = PrivateAttr(default=None)

    @property
    def full_result(self) -> dict[str, Any] | None:
        """Everything the job produced: `counter`, `raw`, `serialised_results`; None while none.

        Downloaded on first use and kept. A job listed by its batch gets the results of the
        whole batch in one request.
        """
        if self._full_result is None:
            if self._batch is not None:
                self._full_result = self._batch._load_results().get(self.id)
            else:
                self._full_result = self._core.job_result(self.id)
        return self._full_result

    @property
    def result(self) -> dict[str, int] | None:
        """The counts of each measured bitstring (`full_result["counter"]`); None while none."""
        full = self.full_result
        return full.get("counter") if full else None

    @property
    def pulser_results(self) -> Any:
        """The result as pulser's own `pulser.backend.results.Results` object, for engines that
        make one; None while the job has no result. Needs `pulser-core` installed."""
        full = self.full_result
        serialized = full.get("serialised_results") if full else None
        if serialized is None:
            return None
        try:
            from pulser.backend.results import Results
        except ImportError as exc:
            raise ImportError(
                "Reading results as pulser objects needs pulser-core: pip install pulser-core"
            ) from exc
        return Results.from_abstract_repr(serialized)

    def cancel(self) -> dict[str, Any]:
        """Cancel the job on the server, update this object, and return the job's wire form."""
        data = self._core.cancel_job(self.id)
        self._update(data)
        return data

    def refresh(self) -> None:
        """Read the job from the server again and update this object."""
        self._update(self._core.get_job(self.id))


class Batch(_ServerObject):
    """A batch: jobs sharing one sequence, run on one device.

    Attributes:
        id: the batch's id.
        open: whether it still takes jobs (`add_jobs`) until `close()`.
        complete: the opposite of `open` (the older name).
        created_at, updated_at: ISO 8601 timestamps.
        device_type: the device it runs on.
        project_id: the id of its project.
        user_id: the id of the user who created it.
        status: PENDING, RUNNING, DONE, ERROR, CANCELED, TIMED_OUT or PAUSED.
        sequence_builder: the pulser sequence, serialized with `to_abstract_repr()`.
        jobs_count: how many jobs it has.
        jobs_count_per_status: how many of its jobs are in each status.
        webhook: where job results are sent, if anywhere.
        start_datetime, end_datetime: when it started and ended running.
        device_status: the status of its device.
        parent_id: the batch it was re-created from by a rebatch, if any.
        configuration: emulator options (`EmuFreeConfig`, `EmuTNConfig` or `BaseConfig`).
        backend_configuration: a serialized pulser emulation config, if one was given.
        tags: keywords to find it with.
        queue_priority: LOW, MEDIUM or HIGH.
    """

    id: str
    open: bool
    complete: bool
    created_at: str
    updated_at: str
    device_type: str
    project_id: str
    status: str
    user_id: str | None = None
    sequence_builder: str | None = None
    jobs_count: int = 0
    jobs_count_per_status: dict[str, int] = {}
    webhook: str | None = None
    start_datetime: str | None = None
    end_datetime: str | None = None
    device_status: str | None = None
    parent_id: str | None = None
    configuration: InstanceOf[BaseConfig] | None = None
    backend_configuration: str | None = None
    tags: list[str] = []
    queue_priority: str | None = None

    _ordered_jobs: list[Job] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _complete_is_not_open(cls, data: Any) -> Any:
        if isinstance(data, dict) and "complete" not in data and "open" in data:
            return {**data, "complete": not data["open"]}
        return data

    @field_validator("configuration", mode="before")
    @classmethod
    def _configuration_for_device(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, Mapping):
            return config_for_device(str(info.data.get("device_type", "")), value)
        return value

    @classmethod
    def _pop_side_data(cls, fields: dict[str, Any]) -> dict[str, Any]:
        return {"jobs": fields.pop("jobs", None)}

    def _use_side_data(self, side: dict[str, Any]) -> None:
        jobs = side.get("jobs")
        self._ordered_jobs = None if jobs is None else [self._job(job) for job in jobs]

    def _job(self, data: Mapping[str, Any]) -> Job:
        job = Job._from_wire(data, self._api)
        job._batch = self
        return job

    @property
    def ordered_jobs(self) -> list[Job]:
        """The batch's jobs in creation order; read from the server on first use."""
        if self._ordered_jobs is None:
            self._ordered_jobs = [self._job(job) for job in self._core.get_batch_jobs(self.id)]
        return self._ordered_jobs

    def _load_results(self) -> dict[str, Any]:
        """Read the results of every job in one request, give them to the listed jobs, and
        return them as `{job_id: result or None}`."""
        results = self._core.batch_results(self.id)
        for job in self._ordered_jobs or []:
            if results.get(job.id) is not None:
                job._full_result = results[job.id]
        return results

    def _wait(self, timeout: float | None) -> None:
        """Wait until no job is PENDING or RUNNING, then show the final state and results."""
        wait_for_batch(self._core, self.id, timeout)
        self.refresh()
        if self.ordered_jobs:
            self._load_results()

    def add_jobs(
        self, jobs: Sequence[CreateJob], wait: bool = False, *, timeout: float | None = None
    ) -> None:
        """Add jobs to this open batch and update it.

        Args:
            jobs: the jobs to add.
            wait: wait until no job of the batch is PENDING or RUNNING.
            timeout: seconds to wait at most; WaitTimeoutError after that.

        Raises:
            JobCreationError: the server refused the jobs (a closed batch, wrong variables...).
        """
        self._update(self._core.add_jobs(self.id, jobs))
        if wait:
            self._wait(timeout)

    def retry(self, job: Job, wait: bool = False, *, timeout: float | None = None) -> None:
        """Run a job again in this open batch: a new job with the same runs and variables.

        Raises:
            JobRetryError: the server refused the new job.
        """
        retried = CreateJob(runs=job.runs, variables=job.variables)
        try:
            self.add_jobs([retried], wait=wait, timeout=timeout)
        except JobCreationError as exc:
            raise JobRetryError(
                exc.description, status_code=exc.status_code, body=exc.body
            ) from exc

    def close(self, wait: bool = False, *, timeout: float | None = None) -> None:
        """Declare that no more jobs will be added; the jobs already added still run.

        Args:
            wait: wait until no job of the batch is PENDING or RUNNING.
            timeout: seconds to wait at most; WaitTimeoutError after that.

        Raises:
            BatchClosingError: the server refused to close the batch.
        """
        self._update(self._core.close_batch(self.id))
        if wait:
            self._wait(timeout)

    def declare_complete(self, wait: bool = False, *, timeout: float | None = None) -> None:
        """Deprecated: use `close`."""
        warnings.warn(
            "Batch.declare_complete is deprecated; use Batch.close instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        self.close(wait=wait, timeout=timeout)

    def cancel(self) -> None:
        """Cancel the batch and its unfinished jobs on the server, and update this object.

        Raises:
            BatchCancellingError: the server refused.
        """
        self._update(self._core.cancel_batch(self.id))

    def refresh(self) -> None:
        """Read the batch from the server again and update this object (jobs re-read on use).

        Raises:
            BatchFetchingError: the batch could not be read.
        """
        self._update(self._core.get_batch(self.id))

    def set_tags(self, tags: Sequence[str]) -> None:
        """Replace the batch's tags.

        Raises:
            BatchSetTagsError: the server refused.
        """
        self._update(self._core.set_batch_tags(self.id, tags))


class Workload(_ServerObject):
    """A workload: a computation of a registered type, run on a backend.

    Attributes:
        id: the workload's id.
        project_id: the id of its project.
        status: PENDING, RUNNING, DONE, ERROR, CANCELED, TIMED_OUT or PAUSED.
        backend: what runs it.
        workload_type: its type.
        config: what defines it.
        created_at, updated_at: ISO 8601 timestamps.
        errors: what went wrong, for a workload in ERROR.
        start_timestamp, end_timestamp: when it started and ended running.
        result_link: where its result is downloaded from, once there is one.
    """

    id: str
    project_id: str
    status: str
    backend: str
    workload_type: str
    config: dict[str, Any]
    created_at: str
    updated_at: str
    errors: list[str] | None = None
    start_timestamp: str | None = None
    end_timestamp: str | None = None
    result_link: str | None = None

    _result: dict[str, Any] | None = PrivateAttr(default=None)

    @classmethod
    def _pop_side_data(cls, fields: dict[str, Any]) -> dict[str, Any]:
        return {"result": fields.pop("result", None)}

    def _use_side_data(self, side: dict[str, Any]) -> None:
        self._result = side.get("result")

    @property
    def result(self) -> dict[str, Any] | None:
        """The workload's result; downloaded from `result_link` on first use; None while none.

        Raises:
            WorkloadResultsDownloadError: the download failed (WorkloadResultsConnectionError if
                the server could not be reached).
            WorkloadResultsDecodeError: what was downloaded is not JSON.
            InvalidWorkloadResultsFormatError: it is JSON but not an object.
        """
        if self._result is None and self.result_link:
            content = self._core.transport.download(
                self._core.absolute(self.result_link),
                error=WorkloadResultsDownloadError,
                unreachable=WorkloadResultsConnectionError,
            )
            try:
                result = json.loads(content)
            except ValueError as exc:
                raise WorkloadResultsDecodeError(
                    f"the result of workload {self.id} is not JSON."
                ) from exc
            if not isinstance(result, dict):
                raise InvalidWorkloadResultsFormatError(
                    f"the result of workload {self.id} is a {type(result).__name__}."
                )
            self._result = result
        return self._result

    def cancel(self) -> dict[str, Any]:
        """Cancel the workload on the server, update this object, and return its wire form.

        Raises:
            WorkloadCancellingError: the server refused.
        """
        data = self._core.cancel_workload(self.id)
        self._update(data)
        return data


class PaginatedResponse(BaseModel, Generic[T]):
    """One page of a listing.

    Attributes:
        total: how many items match the filters, on every page.
        offset: how many matching items come before this page.
        results: the items of this page.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    total: int
    offset: int
    results: list[T]


class BatchCancellationResponse(BaseModel):
    """What `SDK.cancel_batches` did.

    Attributes:
        batches: the batches that were cancelled.
        errors: `{batch_id: why it was not cancelled}` for the others.
    """

    batches: list[Batch]
    errors: dict[str, str]


class JobCancellationResponse(BaseModel):
    """What `SDK.cancel_jobs` did.

    Attributes:
        jobs: the jobs that were cancelled.
        errors: `{job_id: why it was not cancelled}` for the others.
    """

    jobs: list[Job]
    errors: dict[str, str]
