"""Submit three jobs of one Pulser sequence to a Tweezer server and print their counts.

Start a server first (`make run`), then: `.venv/bin/python examples/quickstart.py`
(or pass the path of another credentials.json as the first argument).
"""

from __future__ import annotations

import sys

import numpy as np
from pulser import Pulse, Register, Sequence
from pulser.devices import MockDevice

from tweezer import SDK, DeviceTypeName

# One atom, driven at Rabi frequency 2pi rad/us for a duration chosen per job.
sequence = Sequence(Register.from_coordinates([(0, 0)], prefix="q"), MockDevice)
sequence.declare_channel("rydberg", "rydberg_global")
duration = sequence.declare_variable("duration", dtype=int)
sequence.add(Pulse.ConstantPulse(duration, 2 * np.pi, 0, 0), "rydberg")

runs = 200
jobs = [{"runs": runs, "variables": {"duration": ns}} for ns in (100, 250, 500)]

sdk = SDK.from_credentials(sys.argv[1] if len(sys.argv) > 1 else None)
batch = sdk.create_batch(
    sequence.to_abstract_repr(), jobs, device_type=DeviceTypeName.EMU_FREE, wait=True
)

print(f"batch {batch.id}: {batch.status}")
for job in batch.ordered_jobs:
    counter = job.result or {}
    print(f"duration {job.variables['duration']:>3} ns -> {counter} (sum {sum(counter.values())})")
