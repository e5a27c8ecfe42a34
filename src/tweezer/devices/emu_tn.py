"""EMU_TN: Pasqal Cloud's tensor-network emulator, served by emu-mps.

Engine. As EMU_MPS (`emu_mps.MPSBackend`, one-atom jobs padded with an idle atom), configured by
the keys Pasqal Cloud documents for EMU_TN (`EmuTNConfig` in the SDK):
- `dt` (ns, a number > 0; default 10): emu-mps's time step `dt`.
- `precision` ("low", "normal" or "high"; default "normal"): emu-mps's truncation `precision`,
  the weight of the discarded singular values allowed at each truncation (emu-mps also stops its
  Krylov iterations at `precision` x `extra_krylov_tolerance`):
  low = 1e-3 (fast, rough), normal = 1e-5 (emu-mps's own default), high = 1e-7.
- `max_bond_dim` (a whole number >= 1; default 500, the SDK's default): emu-mps's
  `max_bond_dim`, the largest bond the state may grow.
- `strict_validation`, `result_types` and pass-through keys as for EMU_SV.

A `backend_configuration` (a serialized pulser EmulationConfig or MPSConfig) is read as for
EMU_MPS; a key set in `configuration` wins over the same option there, and the defaults above
apply to what neither sets. The result's metadata has the effective `engine_options` and the
keys as given (`emu_tn_configuration`).

Limits. `max_atoms` (default 25) and `max_runs` (default 5000), constructor arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tweezer.devices.emu_mps import EmuMpsDevice
from tweezer.devices.emulators import TorchPreparedBatch
from tweezer.devices.options import positive_integer, positive_number
from tweezer.domain.errors import InvalidInput
from tweezer.enums import DeviceTypeName

__all__ = ["DEFAULTS", "PRECISIONS", "EmuTnDevice"]

#: EmuTNConfig's precision -> emu-mps's truncation precision.
PRECISIONS: Mapping[str, float] = {"low": 1e-3, "normal": 1e-5, "high": 1e-7}
#: EmuTNConfig's defaults (the SDK's), as emu-mps options.
DEFAULTS: Mapping[str, Any] = {"dt": 10.0, "precision": PRECISIONS["normal"], "max_bond_dim": 500}


class EmuTnDevice(EmuMpsDevice):
    """EMU_TN on emu-mps; see the module docstring for the mapping of its configuration."""

    device_type = DeviceTypeName.EMU_TN.value
    configuration_keys = ("dt", "precision", "max_bond_dim", "strict_validation", "result_types")
    engine_defaults = DEFAULTS

    def _own_configuration(
        self, configuration: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        options: dict[str, Any] = {}
        given: dict[str, Any] = {}
        dt = positive_number(configuration, "dt", "ns")
        if dt is not None:
            options["dt"] = dt
            given["dt"] = configuration["dt"]
        precision = configuration.get("precision")
        if precision is not None:
            name = precision.strip().lower() if isinstance(precision, str) else ""
            if name not in PRECISIONS:
                raise InvalidInput(
                    'Configuration \'precision\' must be "low", "normal" or "high", '
                    f"got {precision!r}."
                )
            options["precision"] = PRECISIONS[name]
            given["precision"] = name
        bond = positive_integer(configuration, "max_bond_dim")
        if bond is not None:
            options["max_bond_dim"] = bond
            given["max_bond_dim"] = bond
        return options, given

    def _extra_metadata(self, prepared: TorchPreparedBatch) -> dict[str, Any]:
        return {"emu_tn_configuration": dict(prepared.configuration.given)}
