"""Result blobs in a local directory: written once, atomically, served as they are."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


class LocalResultStore:
    """One JSON file per job, `<root>/<job id>.json`.

    A write goes to a temporary file that is renamed into place, so a reader sees the whole
    result or none, and writing the same job twice (a retried run) is harmless.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, job_id: str) -> Path:
        return self.root / f"{job_id}.json"

    def write(self, job_id: str, result: dict[str, Any]) -> None:
        data = json.dumps(result, separators=(",", ":")).encode()
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path(job_id))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read_bytes(self, job_id: str) -> bytes | None:
        try:
            return self.path(job_id).read_bytes()
        except FileNotFoundError:
            return None
