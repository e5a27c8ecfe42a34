"""Tweezer: a self-hostable cloud for neutral-atom quantum jobs, and its SDK.

This package exports the SDK, with the names of the official `pasqal-cloud` client:

    from tweezer import SDK, BatchFilters, BatchStatus

Errors live in `tweezer.errors`. Server parts (`tweezer.api`, `tweezer.store`...) are imported by
their path and are not loaded by `import tweezer`.
"""

from tweezer.enums import BatchStatus, DeviceTypeName, EmulatorType, JobStatus, QueuePriority
from tweezer.sdk.auth import ExpiringTokenProvider, TokenProvider
from tweezer.sdk.client import SDK
from tweezer.sdk.configuration import BaseConfig, EmuFreeConfig, EmuTNConfig
from tweezer.sdk.endpoints import Auth0Conf, Endpoints
from tweezer.sdk.filters import (
    BatchFilters,
    CancelJobFilters,
    JobFilters,
    PaginationParams,
    RebatchFilters,
)
from tweezer.sdk.models import (
    Batch,
    BatchCancellationResponse,
    CreateJob,
    Job,
    JobCancellationResponse,
    PaginatedResponse,
    Workload,
)

__all__ = [
    "SDK",
    "Auth0Conf",
    "BaseConfig",
    "Batch",
    "BatchCancellationResponse",
    "BatchFilters",
    "BatchStatus",
    "CancelJobFilters",
    "CreateJob",
    "DeviceTypeName",
    "EmuFreeConfig",
    "EmuTNConfig",
    "EmulatorType",
    "Endpoints",
    "ExpiringTokenProvider",
    "Job",
    "JobCancellationResponse",
    "JobFilters",
    "JobStatus",
    "PaginatedResponse",
    "PaginationParams",
    "QueuePriority",
    "RebatchFilters",
    "TokenProvider",
    "Workload",
]
