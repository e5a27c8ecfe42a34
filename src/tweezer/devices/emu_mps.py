"""EMU_MPS: tensor-network emulation of a pulser sequence with emu-mps (torch, CPU or GPU).

Engine. `emu_mps.MPSBackend` (see `torch_engine`): a matrix product state evolved with TDVP in
steps of `dt` ns (10 ns by default), its bonds truncated to `precision` (emu-mps's 1e-5) and at
most `max_bond_dim` (emu-mps's 1024), on the GPU when the worker has one
(`TWEEZER_TORCH_DEVICE`). Ground-rydberg and XY bases; EMU_FREE emulates the digital one.
Bitstrings list the atoms in the register's order, '1' the Rydberg state ('d' in XY).

One atom. emu-mps refuses registers of fewer than two atoms; a one-atom job runs with a second,
idle atom 1 mm away whose bit is dropped (see `torch_engine`), and its metadata says so
(`padded_with`, `one_atom`).

Configuration: as EMU_SV (`strict_validation`, `result_types`, other keys pass through).

`backend_configuration`: a serialized pulser `EmulationConfig` (an emu-mps `MPSConfig` serialized
with `to_abstract_repr()` is one). Honoured: `noise_model` (Lindblad noise runs as quantum-jump
trajectories), `n_trajectories`, `with_modulation`, `prefer_device_noise_model`, and emu-mps's
`dt`, `precision`, `max_bond_dim`, `max_krylov_dim`, `extra_krylov_tolerance`,
`optimize_qubit_ordering`, `interaction_cutoff`, `solver` (tdvp or dmrg). Without one,
`optimize_qubit_ordering` is off: emu-mps's reordering costs more than it saves on the registers
a CPU emulates. The rest as EMU_SV.

Limits. `max_atoms` (default 25) and `max_runs` (default 5000), constructor arguments. Cost
grows with entanglement: a 1 µs sweep takes about 3 s on 4 atoms and 25 s on 12 on a 2-core CPU
(bench/engines.py); a GPU worker goes further.
"""

from __future__ import annotations

from tweezer.devices.emulators import TorchEmulatorDevice
from tweezer.devices.torch_engine import ENGINE_MPS
from tweezer.enums import DeviceTypeName

__all__ = ["DEFAULT_MAX_ATOMS", "DEFAULT_MAX_RUNS", "EmuMpsDevice"]

DEFAULT_MAX_ATOMS = 25
DEFAULT_MAX_RUNS = 5000


class EmuMpsDevice(TorchEmulatorDevice):
    """EMU_MPS on emu-mps; see the module docstring for what it accepts."""

    device_type = DeviceTypeName.EMU_MPS.value
    engine = ENGINE_MPS
    default_max_atoms = DEFAULT_MAX_ATOMS
    default_max_runs = DEFAULT_MAX_RUNS
