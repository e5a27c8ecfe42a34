"""Request bodies as the server accepts them: types checked here, content rules in devices/."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from tweezer.enums import QueuePriority

MAX_TAGS = 50
MAX_TAG_LENGTH = 200


def check_webhook_url(url: str | None) -> str | None:
    """A webhook must be an absolute http(s) URL with a host."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"webhook must be an absolute http or https URL; got {url!r}")
    return url


def check_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    if len(tags) > MAX_TAGS:
        raise ValueError(f"a batch takes at most {MAX_TAGS} tags; got {len(tags)}")
    for tag in tags:
        if not tag or len(tag) > MAX_TAG_LENGTH:
            raise ValueError(f"each tag must be 1 to {MAX_TAG_LENGTH} characters long")
    return tags


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    runs: StrictInt
    variables: dict[str, Any] | None = None


class CreateBatchIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sequence_builder: StrictStr
    jobs: list[JobIn] = Field(default_factory=list)
    open: StrictBool | None = None
    complete: StrictBool | None = None
    device_type: StrictStr = "FRESNEL"
    project_id: StrictStr
    webhook: StrictStr | None = None
    configuration: dict[str, Any] | None = None
    backend_configuration: StrictStr | None = None
    tags: list[StrictStr] | None = None
    queue_priority: QueuePriority = QueuePriority.MEDIUM

    _webhook = field_validator("webhook")(check_webhook_url)
    _tags = field_validator("tags")(check_tags)

    @property
    def is_open(self) -> bool:
        """`open` wins; the older `complete` flag means the opposite."""
        if self.open is not None:
            return self.open
        if self.complete is not None:
            return not self.complete
        return False


class CancelBatchesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_ids: list[StrictStr]


class CreateWorkloadIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    workload_type: StrictStr
    backend: StrictStr
    config: dict[str, Any] = Field(default_factory=dict)
    project_id: StrictStr
