"""The vocabulary of the wire protocol, shared by the SDK and the server.

This module imports nothing from either side, so both may import it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ACTIVE_JOB_STATUSES",
    "TERMINAL_JOB_STATUSES",
    "BatchStatus",
    "DeviceTypeName",
    "EmulatorType",
    "JobStatus",
    "QueuePriority",
    "StrEnum",
    "WorkloadStatus",
]


class BatchStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"
    CANCELED = "CANCELED"
    TIMED_OUT = "TIMED_OUT"
    PAUSED = "PAUSED"


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"
    CANCELED = "CANCELED"
    TIMED_OUT = "TIMED_OUT"
    PAUSED = "PAUSED"


class WorkloadStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"
    CANCELED = "CANCELED"
    TIMED_OUT = "TIMED_OUT"
    PAUSED = "PAUSED"


class QueuePriority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class DeviceTypeName(StrEnum):
    FRESNEL = "FRESNEL"
    EMU_FREE = "EMU_FREE"
    EMU_TN = "EMU_TN"
    EMU_SV = "EMU_SV"
    EMU_MPS = "EMU_MPS"
    EMU_FRESNEL = "EMU_FRESNEL"


class EmulatorType(StrEnum):
    EMU_FREE = "EMU_FREE"
    EMU_TN = "EMU_TN"
    EMU_SV = "EMU_SV"
    EMU_MPS = "EMU_MPS"
    EMU_FRESNEL = "EMU_FRESNEL"


#: Statuses after which a job never changes again.
TERMINAL_JOB_STATUSES = frozenset(
    {JobStatus.DONE, JobStatus.ERROR, JobStatus.CANCELED, JobStatus.TIMED_OUT}
)
#: Statuses during which a job still has work ahead of it; waiting loops on these.
ACTIVE_JOB_STATUSES = frozenset({JobStatus.PENDING, JobStatus.RUNNING})
