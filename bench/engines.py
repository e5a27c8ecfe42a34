"""Benchmark (not a test): each device type's engine on 4, 8 and 12 atoms, on CPU and on CUDA.

Every engine runs the same job through its Tweezer device (validate, prepare, run): a global
adiabatic sweep (Ω up to 2π rad/µs, δ from -4π to 4π rad/µs) on AnalogDevice's calibrated
layout, the N traps nearest its centre (5 µm apart), `--runs` shots. EMU_FREE (pulser-simulation,
CPU only) is the baseline measured in the same run: each cell shows seconds and the ratio to
EMU_FREE on as many atoms (above 1: slower). The torch engines (EMU_SV, EMU_MPS, EMU_TN,
EMU_FRESNEL) run once per torch device, chosen with TWEEZER_TORCH_DEVICE: cpu, and cuda when torch
sees a GPU. EMU_FRESNEL adds FRESNEL's noise, modulation and `--trajectories` noise
trajectories, so it costs about that many EMU_SV runs. Each cell is the best of `--repeat` runs
after one warm-up job per engine and device (imports, allocator, kernels).

    .venv/bin/python bench/engines.py                 # 4, 8, 12 atoms
    .venv/bin/python bench/engines.py --atoms 4 8 --skip EMU_MPS --devices cpu
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
from pulser import Pulse, Sequence  # noqa: E402
from pulser.devices import AnalogDevice  # noqa: E402
from pulser.waveforms import InterpolatedWaveform  # noqa: E402

from tweezer.devices.emu_free import EmuFreeDevice  # noqa: E402
from tweezer.devices.emu_fresnel import EmuFresnelDevice  # noqa: E402
from tweezer.devices.emu_mps import EmuMpsDevice  # noqa: E402
from tweezer.devices.emu_sv import EmuSvDevice  # noqa: E402
from tweezer.devices.emu_tn import EmuTnDevice  # noqa: E402
from tweezer.devices.torch_engine import TORCH_DEVICE_ENV  # noqa: E402

TORCH_ENGINES = ("EMU_SV", "EMU_MPS", "EMU_TN", "EMU_FRESNEL")


def sweep(duration: int) -> str:
    layout = AnalogDevice.pre_calibrated_layouts[0]
    seq = Sequence(layout.make_mappable_register(20, prefix="q"), AnalogDevice)
    seq.declare_channel("ryd", "rydberg_global")
    omega = 2 * np.pi
    seq.add(
        Pulse(
            InterpolatedWaveform(duration, [1e-9, omega, omega, 1e-9]),
            InterpolatedWaveform(duration, [-4 * np.pi, -4 * np.pi, 4 * np.pi, 4 * np.pi]),
            0,
        ),
        "ryd",
    )
    return seq.to_abstract_repr()


def qubits(n_atoms: int) -> dict[str, int]:
    """The `n_atoms` traps nearest the layout's centre."""
    traps = AnalogDevice.pre_calibrated_layouts[0].traps_dict
    nearest = sorted(traps, key=lambda t: (float(np.hypot(*traps[t])), t))[:n_atoms]
    return {f"q{i}": int(trap) for i, trap in enumerate(nearest)}


def make_device(name: str, trajectories: int):
    if name == "EMU_FREE":
        return EmuFreeDevice(max_atoms=20)
    if name == "EMU_SV":
        return EmuSvDevice(max_atoms=20)
    if name == "EMU_MPS":
        return EmuMpsDevice()
    if name == "EMU_TN":
        return EmuTnDevice()
    return EmuFresnelDevice(max_atoms=20, n_trajectories=trajectories)


def time_job(device, text: str, n_atoms: int, runs: int, repeat: int) -> float:
    variables = {"qubits": qubits(n_atoms)}
    device.validate_batch(text, [{"runs": runs, "variables": variables}], None)
    prepared = device.prepare(text, None)
    best = float("inf")
    for i in range(repeat):
        started = time.perf_counter()
        result = device.run(prepared, variables, runs, seed=i)
        best = min(best, time.perf_counter() - started)
        assert sum(result["counter"].values()) == runs
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atoms", type=int, nargs="+", default=[4, 8, 12])
    parser.add_argument("--duration", type=int, default=1000, help="sweep duration (ns)")
    parser.add_argument("--runs", type=int, default=500, help="shots per job")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--trajectories", type=int, default=10, help="EMU_FRESNEL's noise trajectories"
    )
    parser.add_argument(
        "--devices",
        nargs="+",
        default=None,
        help="torch devices (default: cpu, and cuda when available)",
    )
    parser.add_argument("--skip", nargs="*", default=[], help="device types to leave out")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    import torch

    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    text = sweep(args.duration)
    rows: list[tuple[str, str, dict[int, float]]] = []

    def measure(name: str, where: str) -> None:
        device = make_device(name, args.trajectories)
        time_job(device, text, 2, min(args.runs, 50), 1)  # warm-up
        cells: dict[int, float] = {}
        for n in args.atoms:
            cells[n] = time_job(device, text, n, args.runs, args.repeat)
            print(f"  {name:<12} {where:<5} {n:>3} atoms  {cells[n]:8.2f} s", flush=True)
        rows.append((name, where, cells))

    print(
        f"Engines on a {args.duration} ns sweep, {args.runs} shots, atoms {args.atoms}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
        f"{torch.__version__}"
        + (f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "")
    )
    measure("EMU_FREE", "cpu")
    for where in devices:
        os.environ[TORCH_DEVICE_ENV] = where
        for name in TORCH_ENGINES:
            if name not in args.skip:
                measure(name, where)

    baseline = rows[0][2]
    header = f"{'engine':<12} {'torch':<5} " + " ".join(f"{f'{n} atoms':>18}" for n in args.atoms)
    print()
    print(header)
    print("-" * len(header))
    for name, where, cells in rows:
        shown = []
        for n in args.atoms:
            ratio = cells[n] / baseline[n]
            shown.append(f"{cells[n]:8.2f} s ({ratio:5.1f}x)")
        print(
            f"{name:<12} {where if name != 'EMU_FREE' else '-':<5} "
            + " ".join(f"{cell:>18}" for cell in shown)
        )
    print(
        f"\nRatios against EMU_FREE on as many atoms, measured in this run. EMU_FRESNEL: "
        f"{args.trajectories} noise trajectories with FRESNEL's noise and modulation."
    )


if __name__ == "__main__":
    main()
