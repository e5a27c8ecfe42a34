"""Sequences and statistics the device tests share: small systems with known answers."""

from __future__ import annotations

import math

import numpy as np
from pulser import Pulse, Register, Sequence
from pulser.devices import AnalogDevice, MockDevice
from pulser.waveforms import BlackmanWaveform, InterpolatedWaveform

#: Trap 30 of AnalogDevice's calibrated layout sits at the centre, (0, 0).
CENTRE_TRAP = 30


def four_sigma(p: float, n: int) -> float:
    """Four standard deviations of the frequency of a binomial(n, p), floored for p near 0/1."""
    return 4 * math.sqrt(max(p * (1 - p), 1 / n) / n)


def ones_fraction(counter: dict[str, int], position: int = 0) -> float:
    total = sum(counter.values())
    return sum(n for bits, n in counter.items() if bits[position] == "1") / total


def pi_pulse(device=AnalogDevice, n_atoms: int = 1, spacing: float = 50.0) -> Sequence:
    """`n_atoms` atoms `spacing` µm apart under a global Blackman π pulse of 1 µs."""
    seq = Sequence(Register({f"q{i}": (spacing * i, 0.0) for i in range(n_atoms)}), device)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    return seq


def mappable_pi_pulse(n_qubits: int = 4) -> Sequence:
    """A π pulse on a mappable register of AnalogDevice's layout (the FRESNEL stand-in)."""
    layout = AnalogDevice.pre_calibrated_layouts[0]
    seq = Sequence(layout.make_mappable_register(n_qubits, prefix="q"), AnalogDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    return seq


def rabi(omega: float) -> Sequence:
    """One atom under a square pulse of Rabi frequency `omega` (rad/µs); duration `t` (ns)."""
    seq = Sequence(Register({"q0": (0.0, 0.0)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    t = seq.declare_variable("t", dtype=int)
    seq.add(Pulse.ConstantPulse(t, omega, 0.0, 0.0), "ryd")
    return seq


#: The 4-atom sweep: a line 5 µm apart on MockDevice (C6 = 5420158 rad/µs µm^6), so
#: U(5 µm) = 347 and U(10 µm) = 5.4 rad/µs block neighbours and next neighbours, while
#: U(15 µm) = 0.48 rad/µs lets the ends both be excited. At the final detuning (3 rad/µs, between
#: U(15) and U(10)) the ground state is |1001> (energy -2δ + U(15) = -5.5 rad/µs; one excitation:
#: -3; |1010>: -2δ + U(10) = -0.6), which a slow sweep from the ground state reaches.
SWEEP_SPACING = 5.0
SWEEP_GROUND_STATE = "1001"


def adiabatic_sweep(duration: int = 1500) -> Sequence:
    reg = Register({f"q{i}": (SWEEP_SPACING * i, 0.0) for i in range(4)})
    seq = Sequence(reg, MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    omega = 2 * np.pi
    amplitude = InterpolatedWaveform(duration, [1e-9, omega, omega, 1e-9])
    detuning = InterpolatedWaveform(duration, [-4 * np.pi, -4 * np.pi, 3.0, 3.0])
    seq.add(Pulse(amplitude, detuning, 0), "ryd")
    return seq
