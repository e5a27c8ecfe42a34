"""Shared by the scripts that run inside the official clients' virtual environments.

These scripts import the official packages (pasqal-cloud, pulser-pasqal), pulser and the
standard library only, never tweezer: they are what a user of Pasqal Cloud would write. Each
reads its input as JSON on stdin and prints one JSON object on stdout, `{step: outcome}`, where
an outcome is `{"ok": true, "value": ...}`, `{"ok": false, "error": {...}}` or
`{"skipped": "why"}`; the tests in tests/compat assert on it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import sys
import traceback
import uuid
import warnings
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

warnings.simplefilter("ignore")


def installed(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def release(package: str) -> tuple[int, ...]:
    found = installed(package)
    return tuple(int(part) for part in found.split(".")[:3]) if found else ()


def sdk_class() -> type:
    """The client class as its documentation imports it: `pasqal_cloud.sdk.SDK` from 0.24 on
    (importing it from the package root warns there), `pasqal_cloud.SDK` before."""
    try:
        from pasqal_cloud.sdk import SDK
    except ImportError:
        from pasqal_cloud import SDK
    return SDK


def endpoints(url: str) -> Any:
    from pasqal_cloud.endpoints import Endpoints

    fields = {field.name for field in dataclasses.fields(Endpoints)}
    return Endpoints(core=url, account=url) if "account" in fields else Endpoints(core=url)


def token_provider(token: str) -> Any:
    from pasqal_cloud.authentication import TokenProvider

    class FixedToken(TokenProvider):
        def get_token(self) -> str:
            return token

    return FixedToken()


def jsonable(value: Any) -> Any:
    """Client objects as plain JSON: pydantic models, enums, UUIDs, counters, dataclasses."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(jsonable(key)): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if hasattr(value, "model_dump"):
        return jsonable(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return repr(value)


class Steps:
    """Runs named steps, records each outcome, and never lets one failure stop the others."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Any] = {}

    def run(self, name: str, action: Callable[[], Any]) -> Any:
        try:
            value = action()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # pasqal-cloud's errors derive from BaseException
            self.outcomes[name] = {
                "ok": False,
                "error": {
                    "type": type(error).__name__,
                    "message": str(error),
                    "trace": traceback.format_exc()[-3000:],
                },
            }
            return None
        self.outcomes[name] = {"ok": True, "value": jsonable(value)}
        return value

    def skip(self, name: str, reason: str) -> None:
        self.outcomes[name] = {"skipped": reason}


def main(scenario: Callable[[dict[str, Any], Steps], None]) -> None:
    """Read the input, run the scenario with stdout sent to stderr, print the outcomes."""
    given = json.load(sys.stdin)
    steps = Steps()
    steps.outcomes["versions"] = {
        "ok": True,
        "value": {
            name: installed(name)
            for name in ("pasqal-cloud", "pulser-pasqal", "pulser-core", "requests")
        },
    }
    with contextlib.redirect_stdout(sys.stderr):
        try:
            scenario(given, steps)
        except BaseException:
            steps.outcomes["scenario"] = {"ok": False, "error": {"trace": traceback.format_exc()}}
    print(json.dumps(steps.outcomes))


# --- Pulser sequences, built the way a user builds them --------------------------------------


def one_atom_pi_pulse(device: Any = None) -> Any:
    """One atom, a resonant pulse of area pi: every shot ends in '1'."""
    import numpy as np
    from pulser import Pulse, Sequence
    from pulser.devices import MockDevice
    from pulser.waveforms import BlackmanWaveform

    device = device or MockDevice
    seq = Sequence(_register(device, 1), device)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    return seq


def two_atoms_for_t(device: Any = None) -> Any:
    """Two atoms driven for a variable duration `t` (ns)."""
    import numpy as np
    from pulser import Pulse, Sequence
    from pulser.devices import MockDevice

    device = device or MockDevice
    seq = Sequence(_register(device, 2), device)
    seq.declare_channel("ryd", "rydberg_global")
    duration = seq.declare_variable("t", dtype=int)
    seq.add(Pulse.ConstantPulse(duration, np.pi, 0, 0), "ryd")
    return seq


def slow(atoms: int = 6, duration: int = 20000) -> Any:
    """A sequence slow enough to emulate that a job can be canceled while it waits or runs."""
    import numpy as np
    from pulser import Pulse, Register, Sequence
    from pulser.devices import MockDevice

    register = Register.rectangle(2, atoms // 2, spacing=6, prefix="q")
    seq = Sequence(register, MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantPulse(duration, 2 * np.pi, 0.5, 0), "ryd")
    return seq


def _register(device: Any, atoms: int) -> Any:
    """`atoms` atoms 10 um apart; on a device that needs a layout, traps of its own layouts."""
    from pulser import Register

    if getattr(device, "requires_layout", False):
        layouts = list(getattr(device, "calibrated_register_layouts", {}).values())
        if layouts:
            return layouts[0].define_register(
                *range(atoms), qubit_ids=[f"q{i}" for i in range(atoms)]
            )
        from pulser.register.special_layouts import TriangularLatticeLayout

        layout = TriangularLatticeLayout(max(atoms, 4) * 4, 10)
        return layout.define_register(*range(atoms), qubit_ids=[f"q{i}" for i in range(atoms)])
    return Register.from_coordinates([(10.0 * i, 0.0) for i in range(atoms)], prefix="q")


# --- pulser's remote classes, wherever this client keeps them --------------------------------


@dataclasses.dataclass
class PulserKinds:
    """The connection and backend classes of this environment; None where it has none."""

    connection: type
    #: pulser-pasqal's EmuFreeBackend / EmuTNBackend, configured with a pulser EmulatorConfig.
    emu_free_legacy: type | None
    emu_tn: type | None
    #: Backends configured with a pulser EmulationConfig (sent as backend_configuration).
    emu_free: type | None
    emu_mps: type | None
    emu_sv: type | None

    def any_emu_free(self, sequence: Any, connection: Any, mimic_qpu: bool = False) -> Any:
        if self.emu_free is not None:
            from pulser.backend import BitStrings, EmulationConfig

            config = EmulationConfig(observables=[BitStrings(num_shots=25)])
            return self.emu_free(sequence, connection, config=config, mimic_qpu=mimic_qpu)
        assert self.emu_free_legacy is not None
        return self.emu_free_legacy(sequence, connection, mimic_qpu=mimic_qpu)


def pulser_kinds() -> PulserKinds:
    try:
        import pulser_pasqal
    except ImportError:
        import pasqal_cloud

        return PulserKinds(
            connection=pasqal_cloud.PasqalCloudConnection,
            emu_free_legacy=None,
            emu_tn=None,
            emu_free=pasqal_cloud.RemoteEmuFreeBackend,
            emu_mps=pasqal_cloud.RemoteMPSBackend,
            emu_sv=pasqal_cloud.RemoteSVBackend,
        )
    return PulserKinds(
        connection=pulser_pasqal.PasqalCloud,
        emu_free_legacy=pulser_pasqal.EmuFreeBackend,
        emu_tn=pulser_pasqal.EmuTNBackend,
        emu_free=getattr(pulser_pasqal, "EmuFreeBackendV2", None),
        emu_mps=getattr(pulser_pasqal, "EmuMPSBackend", None),
        emu_sv=getattr(pulser_pasqal, "EmuSVBackend", None),
    )
