"""EMU_SV: state-vector emulation of a pulser sequence with emu-sv (torch, CPU or GPU).

Engine. `emu_sv.SVBackend` (see `torch_engine`): a state vector of 2^N amplitudes evolved with
Krylov time steps of `dt` ns (emu-sv's default 10 ns), on the GPU when the worker has one
(`TWEEZER_TORCH_DEVICE`). Only the ground-rydberg basis (Rydberg channels, global or local, and
the DMM); EMU_FREE emulates the others. Bitstrings list the atoms in the register's order, '1'
the Rydberg state.

Configuration (the batch's `configuration` object): `strict_validation` (validate as for FRESNEL,
pulser's AnalogDevice standing for it; `runs` capped at its 2000) and `result_types` (counter,
run, raw, sample: the shots, always returned; expectation: adds each atom's final Rydberg
occupation). Other keys pass through unused, listed in the result's metadata; a near-miss of a
known key ("strict_validaton") is refused as a typo.

`backend_configuration`: a serialized pulser `EmulationConfig` (an emu-sv `SVConfig` serialized
with `to_abstract_repr()` is one). Honoured: `noise_model` (any noise emu-sv supports),
`n_trajectories` (pulser's meaning: noise realisations to average over, 1 when unset),
`with_modulation`, `prefer_device_noise_model`, and emu-sv's `dt`, `max_krylov_dim`,
`krylov_tolerance`, `interaction_cutoff`, `solver`. What to observe, logging, autosave and the
GPU are decided here; another engine's options (e.g. emu-mps's `precision`) are ignored and
listed in the result's metadata (`ignored_backend_options`); an `initial_state` or an
`interaction_matrix` is refused.

Limits. `max_atoms` (default 16: 2^16 amplitudes, about 20 s per µs of sequence on a 2-core
CPU, see bench/engines.py) and 8 with noise that needs a density matrix (4^N numbers: dephasing
or relaxation without shot-to-shot noise); `max_runs` (default 5000). Both are constructor
arguments; a GPU worker can take more.
"""

from __future__ import annotations

from tweezer.devices.emulators import TorchEmulatorDevice
from tweezer.devices.torch_engine import ENGINE_SV
from tweezer.enums import DeviceTypeName

__all__ = ["DEFAULT_MAX_ATOMS", "DEFAULT_MAX_RUNS", "EmuSvDevice"]

DEFAULT_MAX_ATOMS = 16
DEFAULT_MAX_RUNS = 5000


class EmuSvDevice(TorchEmulatorDevice):
    """EMU_SV on emu-sv; see the module docstring for what it accepts."""

    device_type = DeviceTypeName.EMU_SV.value
    engine = ENGINE_SV
    default_max_atoms = DEFAULT_MAX_ATOMS
    default_max_runs = DEFAULT_MAX_RUNS
