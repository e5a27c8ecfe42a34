"""FRESNEL as Tweezer knows it: the device its sequences must fit, and the noise it has.

Specs. pulser ships no FRESNEL device (pulser-pasqal fetches the real one from Pasqal's cloud);
its `pulser.devices.AnalogDevice` is the public stand-in modelled on it: one global Rydberg
channel (`rydberg_global`, Ω ≤ 4π rad/µs, |δ| ≤ 40π rad/µs, with an EOM mode), Rydberg level 60,
atoms at least 5 µm apart within 38 µm of the centre, registers taken from a calibrated layout,
at most 2000 shots a job and 6 µs a sequence. `fresnel_device` copies it under another name with
the atom limit of the engine that runs it (a digital twin states what it can emulate, not the
80 atoms the stand-in allows) and the noise model below. Strict validation (`strict_sequence`) is
pulser's own: the sequence must switch to that device with `strict=True` (same channels, Rydberg
level, EOM...) and pass `Backend.validate_sequence(..., mimic_qpu=True)` (its register from a
layout the device knows), and every job must then build on it.

Noise (`FRESNEL_NOISE`). A FRESNEL-like `pulser.NoiseModel` from pulser's own long-standing
default parameters (the values pulser shipped as its defaults before 1.0, chosen by its authors
as typical of Pasqal's hardware):
- SPAM: an atom is missing after preparation with probability 0.5% (`state_prep_error`), a
  ground-state atom reads '1' with 1% (`p_false_pos`), a Rydberg atom reads '0' with 5%
  (`p_false_neg`);
- doppler: atoms at 50 µK (`temperature`), a random detuning per shot;
- amplitude: a Gaussian beam of 175 µm waist (`laser_waist`), so atoms off centre see less Ω,
  and 5% shot-to-shot fluctuation of Ω (`amp_sigma`);
- dephasing: 0.05 /µs (`dephasing_rate`); relaxation r -> g: 0.01 /µs (`relaxation_rate`).
Doppler, amplitude and state-preparation noise change from shot to shot, so a noisy emulation
averages over noise trajectories (`DEFAULT_N_TRAJECTORIES`, pulser's own default number when a
device's noise model is used).
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pulser
from pulser.devices import AnalogDevice
from pulser.noise_model import NoiseModel

from tweezer.devices.sequences import short_reason
from tweezer.domain.errors import InvalidInput

__all__ = [
    "DEFAULT_N_TRAJECTORIES",
    "FRESNEL_NOISE",
    "FRESNEL_NOISE_PARAMETERS",
    "STAND_IN",
    "fresnel_device",
    "strict_sequence",
]

#: pulser's stand-in for FRESNEL.
STAND_IN = AnalogDevice
FRESNEL_NOISE_PARAMETERS: dict[str, Any] = {
    "state_prep_error": 0.005,
    "p_false_pos": 0.01,
    "p_false_neg": 0.05,
    "temperature": 50.0,
    "laser_waist": 175.0,
    "amp_sigma": 0.05,
    "dephasing_rate": 0.05,
    "relaxation_rate": 0.01,
}
FRESNEL_NOISE = NoiseModel(**FRESNEL_NOISE_PARAMETERS)
#: Noise trajectories a FRESNEL-like emulation averages over (pulser's default with a device's
#: noise model, `EmulationConfig(prefer_device_noise_model=True)`).
DEFAULT_N_TRAJECTORIES = 40


def fresnel_device(
    name: str, *, max_atoms: int, max_runs: int | None = None, noise: NoiseModel | None = None
) -> pulser.devices.Device:
    """FRESNEL's stand-in renamed `name`, within `max_atoms` and `max_runs`, carrying `noise`."""
    atoms = min(max_atoms, STAND_IN.max_atom_num or max_atoms)
    runs = STAND_IN.max_runs or 2000
    if max_runs is not None:
        runs = min(max_runs, runs)
    return dataclasses.replace(
        STAND_IN, name=name, max_atom_num=atoms, max_runs=runs, noise_model=noise
    )


def strict_sequence(
    seq: pulser.Sequence, device: pulser.devices.Device, *, prefix: str = "strict_validation: "
) -> pulser.Sequence:
    """`seq` moved onto `device` as a QPU submission is checked; `InvalidInput` if it does not fit.

    The sentence names `device` and says it stands for FRESNEL (when it is not FRESNEL itself).
    """
    from pulser.backend.abc import Backend

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            strict = seq.with_new_device(device, strict=True)
            Backend.validate_sequence(strict, mimic_qpu=True)
    except Exception as exc:
        sentence = f"{prefix}the sequence does not fit {_named(device)}: {short_reason(exc)}"
        if not prefix:
            sentence = sentence[:1].upper() + sentence[1:]
        raise InvalidInput(sentence) from None
    return strict


def _named(device: pulser.devices.Device) -> str:
    return device.name if device.name == "FRESNEL" else f"{device.name}, which stands for FRESNEL"
