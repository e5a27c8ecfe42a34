"""The `SDK` class: the entry point to a Tweezer (or Pasqal Cloud) server."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping, Sequence
from getpass import getpass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from uuid import UUID

from tweezer.enums import DeviceTypeName, EmulatorType
from tweezer.errors import InvalidDeviceTypeSet, OnlyCompleteOrOpenCanBeSet
from tweezer.sdk.api import CoreApi
from tweezer.sdk.auth import (
    Auth0TokenProvider,
    StaticTokenProvider,
    TokenProvider,
    TweezerTokenProvider,
)
from tweezer.sdk.configuration import BaseConfig
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
from tweezer.sdk.transport import Transport
from tweezer.sdk.wait import wait_for_job, wait_for_workload

#: Where `SDK.from_credentials` looks when given no path and `$TWEEZER_CREDENTIALS` is unset.
DEFAULT_CREDENTIALS = Path("~/.tweezer/credentials.json")

#: An id as a string or a UUID.
Id = str | UUID

F = TypeVar("F")


def _user_agent() -> str:
    try:
        return f"TweezerSDK/{version('tweezer')}"
    except PackageNotFoundError:
        return "TweezerSDK"


class SDK:
    """Helper methods to call a Tweezer server, or Pasqal Cloud Services.

    Authenticate with a username (and a password, prompted for when omitted) or with a
    TokenProvider. A username logs in to the Auth0 tenant `auth0` when one is given, else to the
    server's own `{account}/oauth/token`.

    Args:
        username: the user to log in as.
        password: that user's password; asked on the terminal when omitted.
        token_provider: gives the bearer token, for programs rather than people.
        endpoints: the server's URLs; Pasqal's public services by default.
        auth0: the Auth0 tenant to log in to with `username`.
        webhook: where the results of the jobs of new batches are sent.
        project_id: the project new batches and workloads belong to.
    """

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        token_provider: TokenProvider | None = None,
        endpoints: Endpoints | None = None,
        auth0: Auth0Conf | None = None,
        webhook: str | None = None,
        project_id: str | None = None,
    ) -> None:
        if endpoints is not None and not isinstance(endpoints, Endpoints):
            raise TypeError(f"endpoints must be an Endpoints, not {type(endpoints).__name__}.")
        if auth0 is not None and not isinstance(auth0, Auth0Conf):
            raise TypeError(f"auth0 must be an Auth0Conf, not {type(auth0).__name__}.")
        if token_provider is not None and not isinstance(token_provider, TokenProvider):
            raise TypeError(
                f"token_provider must be a TokenProvider, not {type(token_provider).__name__}."
            )
        self._endpoints = endpoints or Endpoints()
        if username:
            if not password:
                password = getpass(f"Password for {username}: ")
                if not password:
                    raise ValueError("The password is empty.")
            if auth0 is not None:
                token_provider = Auth0TokenProvider(username, password, auth0)
            else:
                token_provider = TweezerTokenProvider(username, password, self._endpoints.account)
        self._transport = Transport(token_provider, user_agent=_user_agent())
        self._api = CoreApi(self._transport, self._endpoints)
        self.webhook = webhook
        self._project_id = project_id

    @classmethod
    def from_credentials(cls, path: str | os.PathLike[str] | None = None) -> SDK:
        """Connect with a credentials file, as `tweezer serve` writes to its data directory.

        The file is `path`, else `$TWEEZER_CREDENTIALS`, else `~/.tweezer/credentials.json`, and
        holds `{"url", "token", "project_id", "username"}`.

        Raises:
            FileNotFoundError: there is no such file.
            ValueError: the file is not JSON or lacks `url` or `token`.
        """
        source = Path(
            path or os.environ.get("TWEEZER_CREDENTIALS") or DEFAULT_CREDENTIALS
        ).expanduser()
        try:
            credentials = json.loads(source.read_text())
        except FileNotFoundError:
            raise FileNotFoundError(
                f"No Tweezer credentials at {source}. `tweezer serve` writes them to "
                "<data-dir>/credentials.json: copy that file there, set TWEEZER_CREDENTIALS "
                "to its path, or pass the path."
            ) from None
        except ValueError as exc:
            raise ValueError(f"The credentials file {source} is not JSON: {exc}.") from None
        if not isinstance(credentials, dict) or not all(
            credentials.get(key) for key in ("url", "token")
        ):
            raise ValueError(f"The credentials file {source} needs a 'url' and a 'token'.")
        return cls(
            token_provider=StaticTokenProvider(credentials["token"]),
            endpoints=Endpoints(core=credentials["url"], account=credentials["url"]),
            project_id=credentials.get("project_id"),
        )

    # ---- the session ----

    @property
    def endpoints(self) -> Endpoints:
        """The server's URLs this SDK talks to."""
        return self._endpoints

    @property
    def project_id(self) -> str:
        """The project new batches and workloads belong to; ValueError if none was given."""
        if not self._project_id:
            raise ValueError("You need to set a project_id.")
        return self._project_id

    @project_id.setter
    def project_id(self, project_id: str) -> None:
        self._project_id = project_id

    def user_token(self) -> str | None:
        """The bearer token requests carry now; None without credentials."""
        provider = self._transport.token_provider
        return provider.get_token() if provider is not None else None

    def close(self) -> None:
        """Close the SDK's connections to the server."""
        self._transport.close()

    def __enter__(self) -> SDK:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ---- batches ----

    def create_batch(
        self,
        serialized_sequence: str,
        jobs: Sequence[CreateJob],
        complete: bool | None = None,
        open: bool | None = None,
        emulator: EmulatorType | str | None = None,
        device_type: DeviceTypeName | str | None = None,
        configuration: BaseConfig | Mapping[str, Any] | None = None,
        backend_configuration: str | None = None,
        wait: bool = False,
        fetch_results: bool = False,
        tags: Sequence[str] | None = None,
        *,
        timeout: float | None = None,
    ) -> Batch:
        """Create a batch of jobs on one sequence.

        Args:
            serialized_sequence: the pulser sequence, from `sequence.to_abstract_repr()`.
            jobs: the jobs to create with the batch, each `{"runs": n, "variables": {...}}`.
            complete: deprecated, the opposite of `open`.
            open: True to add more jobs later with `add_jobs`, then `close()`; False (default)
                when these are all the jobs.
            emulator: deprecated, use `device_type`.
            device_type: the device to run on; FRESNEL (the QPU) by default.
            configuration: emulator options, a `BaseConfig` subclass or a dict.
            backend_configuration: a serialized pulser emulation config.
            wait: wait until no job is PENDING or RUNNING; the batch returned is then final,
                results included.
            fetch_results: deprecated, use `wait`.
            tags: keywords to find the batch with.
            timeout: seconds to wait at most; WaitTimeoutError after that.

        Raises:
            OnlyCompleteOrOpenCanBeSet: both `complete` and `open` were given.
            InvalidDeviceTypeSet: both `emulator` and `device_type` were given.
            BatchCreationError: the server refused the batch.
            BatchFetchingError: waiting or reading the final state failed.
            WaitTimeoutError: `timeout` passed before the jobs ended.
        """
        if fetch_results:
            warnings.warn(
                "Argument `fetch_results` is deprecated; use `wait` instead.",
                DeprecationWarning,
                stacklevel=2,
            )
            wait = True
        body = batch_body(
            serialized_sequence,
            jobs,
            complete=complete,
            open=open,
            emulator=emulator,
            device_type=device_type,
            configuration=configuration,
            backend_configuration=backend_configuration,
            tags=tags,
            webhook=self.webhook,
            project_id=self.project_id,
        )
        batch = Batch._from_wire(self._api.create_batch(body), self._api)
        if wait:
            batch._wait(timeout)
        return batch

    def get_batch(self, id: Id, fetch_results: bool = False) -> Batch:
        """Read a batch; its jobs are read when `ordered_jobs` is first used.

        Args:
            id: the batch's id.
            fetch_results: deprecated; reads the results of every job now, in one request.

        Raises:
            BatchFetchingError: the batch could not be read.
        """
        batch = Batch._from_wire(self._api.get_batch(str(id)), self._api)
        if fetch_results:
            warnings.warn(
                "Argument `fetch_results` is deprecated; results are read when first used.",
                DeprecationWarning,
                stacklevel=2,
            )
            if batch.ordered_jobs:
                batch._load_results()
        return batch

    def get_batches(
        self,
        filters: BatchFilters | None = None,
        pagination_params: PaginationParams | None = None,
    ) -> PaginatedResponse[Batch]:
        """List the batches matching `filters`, newest first, one page at a time.

        Without `pagination_params` the first 100 are returned; `PaginationParams(offset=100)`
        gives the next 100.

        Raises:
            TypeError: `filters` is not a BatchFilters or `pagination_params` not a
                PaginationParams.
            BatchFetchingError: the server refused.
        """
        filters = _checked(filters, BatchFilters, "filters")
        page = _checked(pagination_params, PaginationParams, "pagination_params")
        answer = self._api.get_batches([*filters.to_params(), *page.to_params()])
        return PaginatedResponse[Batch](
            total=_total(answer),
            offset=page.offset,
            results=[Batch._from_wire(data, self._api) for data in answer["data"]],
        )

    def add_jobs(self, batch_id: Id, jobs: Sequence[CreateJob]) -> Batch:
        """Add jobs to an open batch and return the batch.

        Raises:
            JobCreationError: the server refused the jobs.
        """
        return Batch._from_wire(self._api.add_jobs(str(batch_id), jobs), self._api)

    def close_batch(self, batch_id: Id) -> Batch:
        """Declare that no more jobs will be added to a batch, and return it.

        Raises:
            BatchClosingError: the server refused.
        """
        return Batch._from_wire(self._api.close_batch(str(batch_id)), self._api)

    def complete_batch(self, batch_id: Id) -> Batch:
        """Deprecated: use `close_batch`."""
        warnings.warn(
            "SDK.complete_batch is deprecated; use SDK.close_batch instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.close_batch(batch_id)

    def cancel_batch(self, id: Id) -> Batch:
        """Cancel a batch and its unfinished jobs, and return it.

        Raises:
            BatchCancellingError: the server refused.
        """
        return Batch._from_wire(self._api.cancel_batch(str(id)), self._api)

    def cancel_batches(self, batch_ids: Sequence[Id]) -> BatchCancellationResponse:
        """Cancel several batches; say which were cancelled and why the others were not.

        Raises:
            BatchCancellingError: the server refused the request as a whole.
        """
        data = self._api.cancel_batches([str(batch_id) for batch_id in batch_ids])
        return BatchCancellationResponse(
            batches=[Batch._from_wire(batch, self._api) for batch in data.get("batches", [])],
            errors=data.get("errors") or {},
        )

    def rebatch(self, id: Id, filters: RebatchFilters | None = None) -> Batch:
        """Re-create the jobs of a batch matching `filters` in a new batch, and return it.

        The old batch is left as it is; the new one has `parent_id` set to its id.

        Raises:
            TypeError: `filters` is not a RebatchFilters.
            RebatchError: the server refused.
        """
        filters = _checked(filters, RebatchFilters, "filters")
        return Batch._from_wire(self._api.rebatch(str(id), filters.to_params()), self._api)

    def set_batch_tags(self, batch_id: Id, tags: Sequence[str]) -> Batch:
        """Replace the tags of a batch and return it.

        Raises:
            BatchSetTagsError: the server refused.
        """
        return Batch._from_wire(self._api.set_batch_tags(str(batch_id), tags), self._api)

    # ---- jobs ----

    def get_job(self, id: Id, wait: bool = False, *, timeout: float | None = None) -> Job:
        """Read a job.

        Args:
            id: the job's id.
            wait: first wait until the job is neither PENDING nor RUNNING.
            timeout: seconds to wait at most; WaitTimeoutError after that.

        Raises:
            JobFetchingError: the job could not be read.
            WaitTimeoutError: `timeout` passed before the job ended.
        """
        if wait:
            wait_for_job(self._api, str(id), timeout)
        return Job._from_wire(self._api.get_job(str(id)), self._api)

    def get_jobs(
        self,
        filters: JobFilters | None = None,
        pagination_params: PaginationParams | None = None,
    ) -> PaginatedResponse[Job]:
        """List the jobs matching `filters`, newest first, one page at a time.

        Without `pagination_params` the first 100 are returned; `PaginationParams(offset=100)`
        gives the next 100.

        Raises:
            TypeError: `filters` is not a JobFilters or `pagination_params` not a
                PaginationParams.
            JobFetchingError: the server refused.
        """
        filters = _checked(filters, JobFilters, "filters")
        page = _checked(pagination_params, PaginationParams, "pagination_params")
        answer = self._api.get_jobs([*filters.to_params(), *page.to_params()])
        return PaginatedResponse[Job](
            total=_total(answer),
            offset=page.offset,
            results=[Job._from_wire(data, self._api) for data in answer["data"]],
        )

    def cancel_job(self, id: Id) -> Job:
        """Cancel a job and return it.

        Raises:
            JobCancellingError: the server refused (a job that already ended, say).
        """
        return Job._from_wire(self._api.cancel_job(str(id)), self._api)

    def cancel_jobs(
        self, batch_id: Id, filters: CancelJobFilters | None = None
    ) -> JobCancellationResponse:
        """Cancel the jobs of a batch matching `filters`; say which were cancelled and why the
        others were not.

        Raises:
            TypeError: `filters` is not a CancelJobFilters.
            JobCancellingError: the server refused the request as a whole.
        """
        filters = _checked(filters, CancelJobFilters, "filters")
        data = self._api.cancel_jobs(str(batch_id), filters.to_params())
        return JobCancellationResponse(
            jobs=[Job._from_wire(job, self._api) for job in data.get("jobs", [])],
            errors=data.get("errors") or {},
        )

    # ---- workloads ----

    def create_workload(
        self,
        workload_type: str,
        backend: str,
        config: Mapping[str, Any],
        wait: bool = False,
        *,
        timeout: float | None = None,
    ) -> Workload:
        """Create a workload.

        Args:
            workload_type: the type of workload.
            backend: what runs it.
            config: what defines it.
            wait: wait until it is neither PENDING nor RUNNING, and return its final state.
            timeout: seconds to wait at most; WaitTimeoutError after that.

        Raises:
            WorkloadCreationError: the server refused it.
            WorkloadFetchingError: waiting or reading the final state failed.
            WaitTimeoutError: `timeout` passed before the workload ended.
        """
        body = {
            "workload_type": workload_type,
            "backend": backend,
            "config": dict(config),
            "project_id": self.project_id,
        }
        data = self._api.create_workload(body)
        if wait:
            wait_for_workload(self._api, data["id"], timeout)
            data = self._api.get_workload(data["id"])
        return Workload._from_wire(data, self._api)

    def get_workload(self, id: Id, wait: bool = False, *, timeout: float | None = None) -> Workload:
        """Read a workload.

        Args:
            id: the workload's id.
            wait: first wait until it is neither PENDING nor RUNNING.
            timeout: seconds to wait at most; WaitTimeoutError after that.

        Raises:
            WorkloadFetchingError: the workload could not be read.
            WaitTimeoutError: `timeout` passed before the workload ended.
        """
        if wait:
            wait_for_workload(self._api, str(id), timeout)
        return Workload._from_wire(self._api.get_workload(str(id)), self._api)

    def cancel_workload(self, id: Id) -> Workload:
        """Cancel a workload and return it.

        Raises:
            WorkloadCancellingError: the server refused.
        """
        return Workload._from_wire(self._api.cancel_workload(str(id)), self._api)

    # ---- devices ----

    def get_device_specs_dict(self) -> dict[str, str]:
        """`{device_type: serialized pulser device}` for the devices this server offers.

        Raises:
            DeviceSpecsFetchingError: the specs could not be read.
        """
        return self._api.device_specs()


def batch_body(
    serialized_sequence: str,
    jobs: Sequence[CreateJob],
    *,
    complete: bool | None,
    open: bool | None,
    emulator: EmulatorType | str | None,
    device_type: DeviceTypeName | str | None,
    configuration: BaseConfig | Mapping[str, Any] | None,
    backend_configuration: str | None,
    tags: Sequence[str] | None,
    webhook: str | None,
    project_id: str,
) -> dict[str, Any]:
    """The body of `POST /api/v1/batches` for the arguments of `SDK.create_batch`.

    Applies the argument rules of the official client: `open` defaults to False and the
    deprecated `complete` means its opposite; the deprecated `emulator` names the device type,
    which is FRESNEL when neither is given. Deprecated arguments warn.

    Raises:
        OnlyCompleteOrOpenCanBeSet: both `complete` and `open` were given.
        InvalidDeviceTypeSet: both `emulator` and `device_type` were given.
        InvalidConfiguration: `configuration` holds a value its device refuses.
    """
    if complete is not None and open is not None:
        raise OnlyCompleteOrOpenCanBeSet
    if complete is not None:
        warnings.warn(
            "Argument `complete` is deprecated; use `open` instead.",
            DeprecationWarning,
            stacklevel=3,
        )
        open = not complete
    if emulator is not None and device_type is not None:
        raise InvalidDeviceTypeSet
    if emulator is not None:
        warnings.warn(
            "Argument `emulator` is deprecated; use `device_type` instead.",
            DeprecationWarning,
            stacklevel=3,
        )
        device_type = emulator
    body: dict[str, Any] = {
        "sequence_builder": serialized_sequence,
        "webhook": webhook,
        "jobs": [dict(job) for job in jobs],
        "open": bool(open),
        "device_type": str(device_type or DeviceTypeName.FRESNEL),
        "project_id": project_id,
    }
    if configuration is not None:
        body["configuration"] = (
            configuration.to_dict()
            if isinstance(configuration, BaseConfig)
            else dict(configuration)
        )
    if backend_configuration is not None:
        body["backend_configuration"] = backend_configuration
    if tags is not None:
        body["tags"] = list(tags)
    return body


def _checked(value: object, kind: type[F], name: str) -> F:
    """`value`, or a default `kind()` for None; TypeError if it is something else."""
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, not {type(value).__name__}.")
    return value


def _total(answer: Mapping[str, Any]) -> int:
    """How many items match a listing, from its pagination (or its page, lacking one)."""
    pagination = answer.get("pagination")
    return int(pagination["total"]) if pagination else len(answer["data"])
