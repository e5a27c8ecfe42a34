"""The quickstart example, run as a user would, against a live server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.integration.helpers import ServerProcess

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_prints_three_counters_that_sum_to_runs(tmp_path):
    server = ServerProcess(tmp_path, workers=2).start()
    try:
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "examples" / "quickstart.py"),
                str(tmp_path / "credentials.json"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    assert ": DONE" in done.stdout
    sums = [int(s) for s in re.findall(r"\(sum (\d+)\)", done.stdout)]
    assert sums == [200, 200, 200]
