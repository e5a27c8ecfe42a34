"""The SDK's error classes: the official client's names, one tree, messages with the server's
sentence."""

from __future__ import annotations

import pytest

from tweezer import errors
from tweezer.errors import TweezerError

#: Every error class the official `pasqal-cloud` client names, and the base each belongs under.
OFFICIAL_NAMES = {
    "BatchCreationError": errors.BatchException,
    "BatchFetchingError": errors.BatchException,
    "BatchCancellingError": errors.BatchException,
    "BatchClosingError": errors.BatchException,
    "BatchSetCompleteError": errors.BatchException,
    "BatchSetTagsError": errors.BatchException,
    "RebatchError": errors.BatchException,
    "OnlyCompleteOrOpenCanBeSet": errors.BatchException,
    "InvalidDeviceTypeSet": errors.BatchException,
    "JobCreationError": errors.JobException,
    "JobFetchingError": errors.JobException,
    "JobCancellingError": errors.JobException,
    "JobRetryError": errors.JobException,
    "WorkloadCreationError": errors.WorkloadException,
    "WorkloadFetchingError": errors.WorkloadException,
    "WorkloadCancellingError": errors.WorkloadException,
    "WorkloadCancelingError": errors.WorkloadException,
    "WorkloadResultsDownloadError": errors.WorkloadException,
    "WorkloadResultsConnectionError": errors.WorkloadException,
    "WorkloadResultsDecodeError": errors.WorkloadException,
    "InvalidWorkloadResultsFormatError": errors.WorkloadException,
    "DeviceSpecsFetchingError": TweezerError,
    "WaitTimeoutError": TweezerError,
    "LoginError": TweezerError,
    "InvalidConfiguration": TweezerError,
}


@pytest.mark.parametrize(("name", "base"), sorted(OFFICIAL_NAMES.items()))
def test_every_official_error_name_exists_under_one_base(name, base):
    cls = getattr(errors, name)
    assert issubclass(cls, base)
    assert issubclass(cls, TweezerError)
    assert issubclass(cls, Exception)


def test_old_and_american_spellings_are_the_same_classes():
    assert errors.WorkloadCancelingError is errors.WorkloadCancellingError
    assert errors.BatchSetCompleteError is errors.BatchClosingError


def test_a_server_error_carries_status_description_and_body():
    body = {"status": "fail", "code": 409, "data": {"description": "The batch is closed."}}
    error = errors.JobCreationError("The batch is closed.", status_code=409, body=body)
    assert error.status_code == 409
    assert error.description == "The batch is closed."
    assert error.body is body
    assert str(error) == "Job creation failed (HTTP 409): The batch is closed."


def test_an_error_without_a_server_answer_has_no_status():
    error = errors.BatchFetchingError("could not reach http://x: ConnectError().")
    assert error.status_code is None
    assert str(error) == "Batch fetching failed: could not reach http://x: ConnectError()."


def test_argument_errors_are_value_errors_with_a_default_sentence():
    assert isinstance(errors.OnlyCompleteOrOpenCanBeSet(), ValueError)
    assert "open" in str(errors.OnlyCompleteOrOpenCanBeSet())
    assert isinstance(errors.InvalidDeviceTypeSet(), ValueError)
    assert "device_type" in str(errors.InvalidDeviceTypeSet())


def test_a_wait_timeout_is_a_timeout_error():
    error = errors.WaitTimeoutError("Batch b is still RUNNING after 5 s.")
    assert isinstance(error, TimeoutError)
    assert str(error) == "Wait timed out: Batch b is still RUNNING after 5 s."


def test_every_error_class_says_what_it_is():
    for name in dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, TweezerError):
            assert cls.__doc__, name
