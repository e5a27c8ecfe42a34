"""How soon does a client see that its work is done? Tweezer's SDK against the official client.

Scenario: one batch of one quick EMU_FREE job (a single-atom pi pulse, 100 shots), submitted
with wait=True, on a fresh `tweezer serve` with one worker; repeated N times. Baseline: the
official `pasqal-cloud` client against the same server, in the same run; it polls every two
seconds, the Tweezer SDK long-polls and is woken when the job ends. Figures: the median time
from submission to the returned batch, and its ratio to the official client's.

    .venv/bin/python bench/waiting.py [--repeat 5] [--official .compat-venvs/pasqal-cloud-0.24.0]

The official client's virtual environment is the one the compatibility tests build
(`make test`, or `pytest tests/compat`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.helpers import ServerProcess, pi_pulse_sequence_json  # noqa: E402
from tweezer import SDK  # noqa: E402

OFFICIAL_SCRIPT = """
import json, sys, time
from pasqal_cloud import SDK, Endpoints
from pasqal_cloud.authentication import TokenProvider

class Token(TokenProvider):
    def get_token(self):
        return sys.argv[2]

url, _, project, sequence_path, repeat = sys.argv[1:6]
sdk = SDK(token_provider=Token(), endpoints=Endpoints(core=url), project_id=project)
sequence = open(sequence_path).read()
times = []
for _ in range(int(repeat)):
    start = time.perf_counter()
    batch = sdk.create_batch(sequence, [{"runs": 100}], device_type="EMU_FREE", wait=True)
    assert all(job.status == "DONE" for job in batch.ordered_jobs), batch
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def tweezer_times(server: ServerProcess, sequence: str, repeat: int) -> list[float]:
    sdk = SDK.from_credentials(server.data_dir / "credentials.json")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        batch = sdk.create_batch(sequence, [{"runs": 100}], device_type="EMU_FREE", wait=True)
        assert all(job.status == "DONE" for job in batch.ordered_jobs)
        times.append(time.perf_counter() - start)
    return times


def official_times(python: Path, server: ServerProcess, sequence: str, repeat: int) -> list[float]:
    import json

    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        handle.write(sequence)
        handle.flush()
        done = subprocess.run(
            [
                str(python),
                "-c",
                OFFICIAL_SCRIPT,
                server.url,
                server.token,
                server.project_id,
                handle.name,
                str(repeat),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    return [float(t) for t in json.loads(done.stdout.strip().splitlines()[-1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--official", type=Path, default=ROOT / ".compat-venvs/pasqal-cloud-0.24.0")
    args = parser.parse_args()
    sequence = pi_pulse_sequence_json()
    with tempfile.TemporaryDirectory() as data_dir:
        server = ServerProcess(Path(data_dir), workers=1).start()
        try:
            tweezer_times(server, sequence, 1)  # warm the worker
            ours = tweezer_times(server, sequence, args.repeat)
            theirs = official_times(args.official / "bin" / "python", server, sequence, args.repeat)
        finally:
            server.stop()
    base = statistics.median(theirs)
    print(f"one quick job, wait=True, median of {args.repeat}")
    print(f"{'client':<34}{'seconds':>9}{'vs official':>13}")
    print(f"{'official pasqal-cloud (2 s polls)':<34}{base:>9.2f}{1.0:>12.2f}x")
    mine = statistics.median(ours)
    print(f"{'tweezer SDK (long-poll)':<34}{mine:>9.2f}{mine / base:>12.2f}x")


if __name__ == "__main__":
    main()
