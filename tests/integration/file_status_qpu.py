"""A QPU driver for tests: the digital twin, with its status read from a file the test writes.

It stands for a physical QPU going DOWN and coming back, which cannot exist here. The server
loads it through `TWEEZER_QPU_DRIVER=tests.integration.file_status_qpu:make_driver`.
"""

from __future__ import annotations

import os
from pathlib import Path

from tweezer.devices.base import DeviceStatus
from tweezer.devices.qpu import DigitalTwinDriver

STATUS_FILE_VARIABLE = "TWEEZER_TEST_QPU_STATUS_FILE"


class FileStatusTwin(DigitalTwinDriver):
    def device_status(self) -> DeviceStatus:
        return DeviceStatus(Path(os.environ[STATUS_FILE_VARIABLE]).read_text().strip())

    def submit(self, sequence, runs, *, seed=None):  # type: ignore[no-untyped-def]
        self.set_status(self.device_status(), "set by the test")
        return super().submit(sequence, runs, seed=seed)


def make_driver() -> FileStatusTwin:
    return FileStatusTwin(n_trajectories=5)
