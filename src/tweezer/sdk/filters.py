"""Filters and pagination for listing, rebatching and cancelling, and their query parameters.

Each field given a value adds a condition; several fields must all hold. A field takes one value
or a list, a list matching any of its values. Ids are checked to be UUIDs when the filter is built,
so a mistyped id raises ValueError (pydantic's ValidationError) before anything is sent.

In the query string a list repeats its key (`status=DONE&status=ERROR`), dates are ISO 8601 and
booleans `true`/`false`.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from tweezer.enums import BatchStatus, JobStatus, QueuePriority

T = TypeVar("T")

#: A query parameter as httpx sends it: a key and its text, a key repeated for each list item.
QueryParams = list[tuple[str, str]]


def _as_list(value: Any) -> Any:
    """Wrap a single value in a list, so that every filter field holds a list or None."""
    if value is None or isinstance(value, (list, tuple, set, frozenset)):
        return value
    return [value]


#: One value or a list of them; stored as a list.
OneOrMany = Annotated[list[T], BeforeValidator(_as_list)]


def _text(value: Any) -> str:
    """How one value is written in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


class _QueryModel(BaseModel):
    """A model whose set fields become query parameters; unknown field names are refused."""

    model_config = ConfigDict(extra="forbid")

    def to_params(self) -> QueryParams:
        """The query parameters of this object, in field order; unset fields are left out."""
        params: QueryParams = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                params.append((name, _text(item)))
        return params


class BatchFilters(_QueryModel):
    """Which batches `SDK.get_batches` lists.

    Attributes:
        id: batch ids.
        project_id: project ids.
        user_id: ids of the users who created the batches.
        device_type: device types (`DeviceTypeName` values).
        status: batch statuses.
        open: whether the batch still takes jobs.
        start_date: batches created at or after this moment.
        end_date: batches created at or before this moment.
        queue_priority: queue priorities.
        tag: tags; a batch matches if it carries any of them.
    """

    id: OneOrMany[UUID] | None = None
    project_id: OneOrMany[UUID] | None = None
    user_id: OneOrMany[str] | None = None
    device_type: OneOrMany[str] | None = None
    status: OneOrMany[BatchStatus] | None = None
    open: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    queue_priority: OneOrMany[QueuePriority] | None = None
    tag: OneOrMany[str] | None = None


class JobFilters(_QueryModel):
    """Which jobs `SDK.get_jobs` lists.

    Attributes:
        id: job ids.
        project_id: project ids.
        user_id: ids of the users who created the jobs.
        batch_id: ids of the batches the jobs belong to.
        status: job statuses.
        min_runs: jobs with at least this many runs.
        max_runs: jobs with at most this many runs.
        errors: True for jobs that reported errors, False for jobs that did not.
        start_date: jobs created at or after this moment.
        end_date: jobs created at or before this moment.
    """

    id: OneOrMany[UUID] | None = None
    project_id: OneOrMany[UUID] | None = None
    user_id: OneOrMany[str] | None = None
    batch_id: OneOrMany[UUID] | None = None
    status: OneOrMany[JobStatus] | None = None
    min_runs: int | None = None
    max_runs: int | None = None
    errors: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None


class _BatchJobFilters(_QueryModel):
    """Filters on the jobs of one batch."""

    id: OneOrMany[UUID] | None = None
    status: OneOrMany[JobStatus] | None = None
    min_runs: int | None = None
    max_runs: int | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None


class RebatchFilters(_BatchJobFilters):
    """Which jobs of a batch `SDK.rebatch` re-creates in a new batch.

    Attributes:
        id: job ids.
        status: job statuses.
        min_runs: jobs with at least this many runs.
        max_runs: jobs with at most this many runs.
        start_date: jobs created at or after this moment.
        end_date: jobs created at or before this moment.
    """


class CancelJobFilters(_BatchJobFilters):
    """Which jobs of a batch `SDK.cancel_jobs` cancels; attributes as in RebatchFilters."""


class PaginationParams(_QueryModel):
    """Which page of a listing to return.

    Attributes:
        offset: how many matching items to skip (0 or more).
        limit: how many items to return at most (1 to 100).
    """

    offset: int = Field(default=0, strict=True, ge=0)
    limit: int = Field(default=100, strict=True, gt=0, le=100)
