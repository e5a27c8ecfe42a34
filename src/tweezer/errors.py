"""Every error the Tweezer SDK raises: one base class and a shallow tree grouped by subject.

The names are those of the official `pasqal-cloud` client, so code written against it catches the
same classes here. An error that comes from the server carries its HTTP status in `status_code`,
the server's sentence (`data.description` of the answer) in `description`, and the whole answer in
`body`; its message says what failed and includes that sentence. Errors of the HTTP library the
SDK uses never leave the SDK: they arrive here as one of these classes, with no `status_code`.
"""

from __future__ import annotations

from typing import Any


class TweezerError(Exception):
    """Base of every error the SDK raises."""

    #: What failed, in a few words; the message starts with it.
    summary: str = "Tweezer request failed"

    def __init__(
        self,
        description: str = "",
        *,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        self.description = description
        self.status_code = status_code
        self.body = body
        super().__init__(self._message())

    def _message(self) -> str:
        head = self.summary
        if self.status_code is not None:
            head = f"{head} (HTTP {self.status_code})"
        return f"{head}: {self.description}" if self.description else head


class LoginError(TweezerError):
    """Logging in with a username and a password failed."""

    summary = "Login failed"


class InvalidConfiguration(TweezerError, ValueError):
    """A device configuration holds a value its device does not accept."""

    summary = "Invalid device configuration"


class WaitTimeoutError(TweezerError, TimeoutError):
    """Waiting for a batch, a job or a workload took longer than the `timeout` given."""

    summary = "Wait timed out"


# ---- batches ----


class BatchException(TweezerError):
    """Base of the errors about batches."""


class BatchCreationError(BatchException):
    """The server refused to create the batch."""

    summary = "Batch creation failed"


class BatchFetchingError(BatchException):
    """A batch, its jobs or its results could not be read."""

    summary = "Batch fetching failed"


class BatchCancellingError(BatchException):
    """The batch (or one of several batches) could not be cancelled."""

    summary = "Batch cancelling failed"


class BatchClosingError(BatchException):
    """The batch could not be closed."""

    summary = "Batch closing failed"


#: The name `pasqal-cloud` used for `BatchClosingError` before closing was called closing.
BatchSetCompleteError = BatchClosingError


class BatchSetTagsError(BatchException):
    """The tags of the batch could not be set."""

    summary = "Batch setting tags failed"


class RebatchError(BatchException):
    """The jobs of the batch could not be re-created in a new batch."""

    summary = "Rebatch failed"


class OnlyCompleteOrOpenCanBeSet(BatchException, ValueError):
    """`create_batch` got both `complete` and `open`; give `open` only."""

    summary = "Only one of `complete` and `open` can be set"

    def __init__(self, description: str = "give `open` only; `complete` is deprecated.") -> None:
        super().__init__(description)


class InvalidDeviceTypeSet(BatchException, ValueError):
    """`create_batch` got both `emulator` and `device_type`; give `device_type` only."""

    summary = "Only one of `emulator` and `device_type` can be set"

    def __init__(
        self, description: str = "give `device_type` only; `emulator` is deprecated."
    ) -> None:
        super().__init__(description)


# ---- jobs ----


class JobException(TweezerError):
    """Base of the errors about jobs."""


class JobCreationError(JobException):
    """The server refused to add the jobs to the batch."""

    summary = "Job creation failed"


class JobFetchingError(JobException):
    """A job, its status or its result could not be read."""

    summary = "Job fetching failed"


class JobCancellingError(JobException):
    """The job (or several jobs) could not be cancelled."""

    summary = "Job cancelling failed"


class JobRetryError(JobException):
    """The job could not be run again in its batch."""

    summary = "Job retry failed"


# ---- workloads ----


class WorkloadException(TweezerError):
    """Base of the errors about workloads."""


class WorkloadCreationError(WorkloadException):
    """The server refused to create the workload."""

    summary = "Workload creation failed"


class WorkloadFetchingError(WorkloadException):
    """A workload or its status could not be read."""

    summary = "Workload fetching failed"


class WorkloadCancellingError(WorkloadException):
    """The workload could not be cancelled."""

    summary = "Workload cancelling failed"


#: The spelling the `pasqal-cloud` documentation uses; the same class.
WorkloadCancelingError = WorkloadCancellingError


class WorkloadResultsDownloadError(WorkloadException):
    """The result of the workload could not be downloaded."""

    summary = "Workload results download failed"


class WorkloadResultsConnectionError(WorkloadResultsDownloadError):
    """The result of the workload could not be downloaded: the server was not reachable."""

    summary = "Workload results download failed from connection error"


class WorkloadResultsDecodeError(WorkloadException):
    """The result of the workload was downloaded but is not JSON."""

    summary = "Workload results decoding failed"


class InvalidWorkloadResultsFormatError(WorkloadException):
    """The result of the workload was downloaded but is not a JSON object."""

    summary = "Workload results should be a JSON object"


# ---- devices ----


class DeviceSpecsFetchingError(TweezerError):
    """The specifications of the devices could not be read."""

    summary = "Device specs fetching failed"
