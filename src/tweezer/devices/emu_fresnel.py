"""EMU_FRESNEL: FRESNEL emulated, with its specs, its noise and strict validation.

Specs. FRESNEL's stand-in (`fresnel_specs`: pulser's AnalogDevice, which pulser models on
FRESNEL) under the name EMU_FRESNEL, limited to the atoms this emulator runs (`max_atoms`,
default 12) and FRESNEL's 2000 shots a job, carrying the FRESNEL-like noise model.

Validation is always strict, as for the QPU: the sequence must switch to that device with
`strict=True` (built for AnalogDevice, FRESNEL or EMU_FRESNEL as `/api/v1/devices/specs` gives
it), its register must come from a calibrated layout (`mimic_qpu`), every job must build on it,
`runs` at most 2000. `strict_validation` is accepted and changes nothing.

Engine. emu-sv (`torch_engine`), a state vector per noise trajectory: the jobs run on the
EMU_FRESNEL device with `fresnel_specs.FRESNEL_NOISE` (SPAM, doppler, amplitude, dephasing,
relaxation), with modulation (the pulses the hardware's modulators output, not the programmed
ones), averaged over `n_trajectories` noise realisations (default 40, pulser's default for a
device's own noise; a constructor argument, no more than `runs` are used), so a job costs
about that many EMU_SV runs (12 atoms, 10 trajectories: about 45 s per µs on a 2-core CPU).

`backend_configuration` (optional, a serialized pulser EmulationConfig): emu-sv's options (`dt`,
`max_krylov_dim`, `krylov_tolerance`, `interaction_cutoff`, `solver`) and an `n_trajectories`
above 1 are honoured; a noise model is refused (EMU_FRESNEL emulates FRESNEL's own noise; use
EMU_SV or EMU_MPS for another one); modulation stays on.

Configuration: `strict_validation` and `result_types` (as EMU_SV, "expectation" included).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pulser
from pulser.noise_model import NoiseModel

from tweezer.devices.base import DeviceInfo
from tweezer.devices.emulators import TorchConfiguration, TorchEmulatorDevice, TorchPreparedBatch
from tweezer.devices.fresnel_specs import (
    DEFAULT_N_TRAJECTORIES,
    FRESNEL_NOISE,
    STAND_IN,
    fresnel_device,
)
from tweezer.devices.torch_engine import ENGINE_SV, EmulationOptions, EngineSettings
from tweezer.domain.errors import InvalidInput
from tweezer.enums import DeviceTypeName

__all__ = ["DEFAULT_MAX_ATOMS", "EmuFresnelDevice"]

DEFAULT_MAX_ATOMS = 12


class EmuFresnelDevice(TorchEmulatorDevice):
    """EMU_FRESNEL on emu-sv with FRESNEL's specs and noise; see the module docstring."""

    device_type = DeviceTypeName.EMU_FRESNEL.value
    engine = ENGINE_SV
    default_max_atoms = DEFAULT_MAX_ATOMS
    default_max_runs = STAND_IN.max_runs or 2000
    runs_on_strict_device = True
    strict_prefix = ""

    def __init__(
        self,
        *,
        max_atoms: int | None = None,
        max_runs: int | None = None,
        max_validation_builds: int | None = None,
        noise: NoiseModel = FRESNEL_NOISE,
        n_trajectories: int = DEFAULT_N_TRAJECTORIES,
    ) -> None:
        super().__init__(
            max_atoms=max_atoms, max_runs=max_runs, max_validation_builds=max_validation_builds
        )
        if n_trajectories < 1:
            raise ValueError("n_trajectories must be at least 1")
        self.noise = noise
        self.n_trajectories = int(n_trajectories)
        self.fresnel = fresnel_device(
            self.device_type, max_atoms=self.max_atoms, max_runs=self.max_runs, noise=noise
        )
        self.max_atoms = self.fresnel.max_atom_num or self.max_atoms
        self.max_runs = self.fresnel.max_runs or self.max_runs

    def specs_device(self) -> pulser.devices.Device | pulser.devices.VirtualDevice:
        return self.fresnel

    def strict_device(self, config: TorchConfiguration) -> pulser.devices.Device:
        return self.fresnel

    def _check_options(self, options: EmulationOptions) -> None:
        if options.noise_model is not None:
            raise InvalidInput(
                "The backend_configuration sets a noise model; EMU_FRESNEL emulates FRESNEL's "
                "own noise. Remove it, or use EMU_SV or EMU_MPS to choose the noise."
            )

    def engine_settings(
        self, config: TorchConfiguration, options: EmulationOptions, seq: pulser.Sequence
    ) -> EngineSettings:
        asked = options.n_trajectories or 1
        return EngineSettings(
            engine=self.engine,
            noise=self.noise,
            n_trajectories=asked if asked > 1 else self.n_trajectories,
            with_modulation=True,
            options=dict(options.engine_options),
        )

    def describe(self) -> DeviceInfo:
        info = super().describe()
        return dataclasses.replace(
            info,
            engine=f"{info.engine}, FRESNEL-like noise over {self.n_trajectories} trajectories",
        )

    def _extra_metadata(self, prepared: TorchPreparedBatch) -> dict[str, Any]:
        return {"emulates": "FRESNEL", "specs": f"{STAND_IN.name} standing for FRESNEL"}
