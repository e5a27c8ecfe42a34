"""Listing filters and pagination: parsed and checked from query parameters, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from tweezer.domain.errors import InvalidInput
from tweezer.enums import BatchStatus, JobStatus, QueuePriority, StrEnum

MAX_PAGE_SIZE = 100
E = TypeVar("E", bound=StrEnum)

Params = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Page:
    offset: int = 0
    limit: int = MAX_PAGE_SIZE


@dataclass(frozen=True)
class JobQuery:
    ids: tuple[str, ...] = ()
    project_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    batch_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    min_runs: int | None = None
    max_runs: int | None = None
    errors: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None


@dataclass(frozen=True)
class BatchQuery:
    ids: tuple[str, ...] = ()
    project_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    device_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    open: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    priorities: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())


BATCH_FILTER_KEYS = frozenset(
    {
        "id",
        "project_id",
        "user_id",
        "device_type",
        "status",
        "open",
        "start_date",
        "end_date",
        "queue_priority",
        "tag",
    }
)
JOB_FILTER_KEYS = frozenset(
    {
        "id",
        "project_id",
        "user_id",
        "batch_id",
        "status",
        "min_runs",
        "max_runs",
        "errors",
        "start_date",
        "end_date",
    }
)
#: Query keys of paging and ordering, allowed beside the filters of a listing.
PAGE_KEYS = frozenset({"offset", "limit", "order_by", "order_by_direction"})
#: The job keys that make sense inside one batch (rebatch, cancel-jobs).
BATCH_JOB_FILTER_KEYS = frozenset(
    {"id", "status", "min_runs", "max_runs", "start_date", "end_date"}
)


def _uuids(name: str, values: Sequence[str]) -> tuple[str, ...]:
    out = []
    for value in values:
        try:
            out.append(str(uuid.UUID(value)))
        except ValueError:
            raise InvalidInput(f"Filter '{name}' must be a UUID; got {value!r}.") from None
    return tuple(out)


def _enums(name: str, values: Sequence[str], enum: type[E]) -> tuple[str, ...]:
    known = [member.value for member in enum]
    for value in values:
        if value not in known:
            raise InvalidInput(
                f"Filter '{name}' got {value!r}; it must be one of {', '.join(known)}."
            )
    return tuple(values)


def _one(name: str, values: Sequence[str]) -> str:
    if len(values) != 1:
        raise InvalidInput(f"Filter '{name}' takes one value; got {len(values)}.")
    return values[0]


def _bool(name: str, values: Sequence[str]) -> bool:
    value = _one(name, values).lower()
    if value not in ("true", "false"):
        raise InvalidInput(f"Filter '{name}' must be 'true' or 'false'; got {value!r}.")
    return value == "true"


def _int(name: str, values: Sequence[str], minimum: int = 0) -> int:
    value = _one(name, values)
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"'{name}' must be an integer; got {value!r}.") from None
    if number < minimum:
        raise InvalidInput(f"'{name}' must be at least {minimum}; got {number}.")
    return number


def _date(name: str, values: Sequence[str]) -> datetime:
    value = _one(name, values)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"Filter '{name}' must be an ISO 8601 date; got {value!r}.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _refuse_unknown(params: Params, allowed: frozenset[str], extra: frozenset[str]) -> None:
    unknown = sorted(set(params) - allowed - extra)
    if unknown:
        raise InvalidInput(
            f"Unknown filter {', '.join(map(repr, unknown))}; "
            f"the filters here are {', '.join(sorted(allowed))}."
        )


def parse_page(params: Params) -> Page:
    offset = _int("offset", params["offset"]) if "offset" in params else 0
    limit = _int("limit", params["limit"], minimum=1) if "limit" in params else MAX_PAGE_SIZE
    if limit > MAX_PAGE_SIZE:
        raise InvalidInput(f"'limit' must be between 1 and {MAX_PAGE_SIZE}; got {limit}.")
    return Page(offset=offset, limit=limit)


def parse_job_query(
    params: Params,
    allowed: frozenset[str] = JOB_FILTER_KEYS,
    extra: frozenset[str] = frozenset(),
) -> JobQuery:
    """Job filters from query parameters; `allowed` narrows the keys (e.g. inside one batch)."""
    _refuse_unknown(params, allowed, extra)
    get = params.get
    min_runs = _int("min_runs", params["min_runs"]) if "min_runs" in params else None
    max_runs = _int("max_runs", params["max_runs"]) if "max_runs" in params else None
    return JobQuery(
        ids=_uuids("id", get("id", ())),
        project_ids=_uuids("project_id", get("project_id", ())),
        user_ids=_uuids("user_id", get("user_id", ())),
        batch_ids=_uuids("batch_id", get("batch_id", ())),
        statuses=_enums("status", get("status", ()), JobStatus),
        min_runs=min_runs,
        max_runs=max_runs,
        errors=_bool("errors", params["errors"]) if "errors" in params else None,
        start_date=_date("start_date", params["start_date"]) if "start_date" in params else None,
        end_date=_date("end_date", params["end_date"]) if "end_date" in params else None,
    )


def parse_batch_query(params: Params, extra: frozenset[str] = frozenset()) -> BatchQuery:
    _refuse_unknown(params, BATCH_FILTER_KEYS, extra)
    get = params.get
    return BatchQuery(
        ids=_uuids("id", get("id", ())),
        project_ids=_uuids("project_id", get("project_id", ())),
        user_ids=_uuids("user_id", get("user_id", ())),
        device_types=tuple(get("device_type", ())),
        statuses=_enums("status", get("status", ()), BatchStatus),
        open=_bool("open", params["open"]) if "open" in params else None,
        start_date=_date("start_date", params["start_date"]) if "start_date" in params else None,
        end_date=_date("end_date", params["end_date"]) if "end_date" in params else None,
        priorities=_enums("queue_priority", get("queue_priority", ()), QueuePriority),
        tags=tuple(get("tag", ())),
    )
