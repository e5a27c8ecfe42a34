"""Request bodies as the server accepts them: types checked here, content rules in devices/."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from tweezer.enums import DeviceTypeName, QueuePriority

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

    #: None (or absent): take the number of shots from the batch's backend_configuration, as
    #: pasqal-cloud >= 0.22 sends for emulator jobs (see `services.batches.resolve_runs`).
    runs: StrictInt | None = None
    variables: dict[str, Any] | None = None
    #: A job's own sequence (pasqal-cloud >= 0.22). Only null is taken: a job runs its batch's
    #: sequence; `services.batches` refuses a non-null one with a sentence.
    sequence: StrictStr | None = None


class CreateBatchIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    #: Required, but null is parsed so that the service can say why it is refused (pasqal-cloud
    #: >= 0.22 sends null when every job carries its own sequence).
    sequence_builder: StrictStr | None
    jobs: list[JobIn] = Field(default_factory=list)
    open: StrictBool | None = None
    complete: StrictBool | None = None
    #: Null or absent means the QPU, FRESNEL: pasqal-cloud 0.20 sends "FRESNEL" when the user
    #: names no device type, later releases send null.
    device_type: StrictStr | None = DeviceTypeName.FRESNEL.value
    project_id: StrictStr
    webhook: StrictStr | None = None
    configuration: dict[str, Any] | None = None
    backend_configuration: StrictStr | None = None
    tags: list[StrictStr] | None = None
    queue_priority: QueuePriority = QueuePriority.MEDIUM

    _webhook = field_validator("webhook")(check_webhook_url)
    _tags = field_validator("tags")(check_tags)

    @field_validator("device_type")
    @classmethod
    def _default_device(cls, value: str | None) -> str:
        return DeviceTypeName.FRESNEL.value if value is None else value

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
