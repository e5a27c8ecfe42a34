"""How much does going through Tweezer cost, against running the emulator directly?

Scenario: one batch of N jobs of a 3-atom sequence on EMU_FREE (distinct variables, so no job
reuses another's simulation). Baseline: a direct loop over the same device engine in this
process. Tweezer: `tweezer serve` with W workers on a fresh data dir, the SDK submitting the
batch with wait=True and fetching every result. Figures are ratios against the baseline
measured in the same run.

    .venv/bin/python bench/throughput.py [--jobs 40] [--runs 100] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from pulser import Pulse, Register, Sequence
from pulser.devices import MockDevice

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.helpers import ServerProcess  # noqa: E402
from tweezer import SDK  # noqa: E402
from tweezer.devices.registry import get_device  # noqa: E402


def sequence_json() -> str:
    seq = Sequence(Register.from_coordinates([(0, 0), (6, 0), (3, 5.2)], prefix="q"), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    duration = seq.declare_variable("duration", dtype=int)
    seq.add(Pulse.ConstantPulse(duration, 2 * np.pi, 1.0, 0), "ryd")
    return seq.to_abstract_repr()


def jobs(count: int, runs: int) -> list[dict]:  # type: ignore[type-arg]
    return [{"runs": runs, "variables": {"duration": 200 + 4 * i}} for i in range(count)]


def direct(seq: str, batch: list[dict]) -> float:  # type: ignore[type-arg]
    device = get_device("EMU_FREE")
    start = time.perf_counter()
    prepared = device.prepare(seq, None, None)
    for job in batch:
        device.run(prepared, job["variables"], job["runs"])
    return time.perf_counter() - start


def through_tweezer(seq: str, batch: list[dict], workers: int) -> float:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as data_dir:
        server = ServerProcess(Path(data_dir), workers=workers).start()
        try:
            sdk = SDK.from_credentials(Path(data_dir) / "credentials.json")
            sdk.create_batch(seq, batch[:1], device_type="EMU_FREE", wait=True)  # warm workers
            start = time.perf_counter()
            done = sdk.create_batch(seq, batch, device_type="EMU_FREE", wait=True)
            results = [job.result for job in done.ordered_jobs]
            elapsed = time.perf_counter() - start
            assert all(sum(r.values()) == j["runs"] for r, j in zip(results, batch, strict=True))
            return elapsed
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    seq, batch = sequence_json(), jobs(args.jobs, args.runs)
    baseline = direct(seq, batch)
    print(f"{args.jobs} jobs x {args.runs} runs, 3 atoms, EMU_FREE")
    print(f"{'how':<26}{'seconds':>10}{'jobs/s':>10}{'vs direct':>11}")
    label = "direct loop (1 process)"
    print(f"{label:<26}{baseline:>10.2f}{args.jobs / baseline:>10.1f}{1.0:>10.2f}x")
    for workers in args.workers:
        elapsed = through_tweezer(seq, batch, workers)
        label = f"tweezer, {workers} worker(s)"
        print(
            f"{label:<26}{elapsed:>10.2f}{args.jobs / elapsed:>10.1f}{elapsed / baseline:>10.2f}x"
        )


if __name__ == "__main__":
    main()
