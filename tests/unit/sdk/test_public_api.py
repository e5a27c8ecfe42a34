"""What `import tweezer` offers, and what it does not load."""

from __future__ import annotations

import subprocess
import sys

import tweezer

EXPECTED = {
    "SDK",
    "Batch",
    "Job",
    "Workload",
    "CreateJob",
    "Endpoints",
    "Auth0Conf",
    "TokenProvider",
    "ExpiringTokenProvider",
    "BatchFilters",
    "JobFilters",
    "RebatchFilters",
    "CancelJobFilters",
    "PaginationParams",
    "PaginatedResponse",
    "BatchCancellationResponse",
    "JobCancellationResponse",
    "BatchStatus",
    "JobStatus",
    "QueuePriority",
    "DeviceTypeName",
    "EmulatorType",
    "EmuFreeConfig",
    "EmuTNConfig",
    "BaseConfig",
}


def test_the_package_exports_exactly_the_sdk_names():
    assert set(tweezer.__all__) == EXPECTED
    for name in tweezer.__all__:
        assert getattr(tweezer, name) is not None


def test_importing_the_sdk_loads_no_server_library():
    code = (
        "import sys, tweezer; "
        "print(sorted(m for m in ('fastapi', 'sqlalchemy', 'pulser', 'uvicorn') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
