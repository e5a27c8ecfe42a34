"""EMU_SV, EMU_MPS and EMU_TN against known physics: real emu-sv and emu-mps runs on 1-4 atoms."""

from __future__ import annotations

import json
import logging
import math
from collections import Counter

import numpy as np
import pytest
from pulser import Pulse, Register, Sequence
from pulser.backend.config import EmulationConfig
from pulser.backend.default_observables import BitStrings
from pulser.backend.results import Results
from pulser.devices import AnalogDevice, DigitalAnalogDevice, MockDevice
from pulser.noise_model import NoiseModel
from pulser.waveforms import BlackmanWaveform

from tests.unit.devices.builders import (
    SWEEP_GROUND_STATE,
    adiabatic_sweep,
    four_sigma,
    mappable_pi_pulse,
    ones_fraction,
    pi_pulse,
    rabi,
)
from tweezer.devices.base import RunFailed
from tweezer.devices.emu_mps import EmuMpsDevice
from tweezer.devices.emu_sv import EmuSvDevice
from tweezer.devices.emu_tn import PRECISIONS, EmuTnDevice
from tweezer.devices.torch_engine import PAD_ID, TORCH_DEVICE_ENV

SHOTS = 1000
DEVICES = {"EMU_SV": EmuSvDevice, "EMU_MPS": EmuMpsDevice, "EMU_TN": EmuTnDevice}


def run_once(
    device,
    sequence: Sequence,
    variables=None,
    runs=SHOTS,
    configuration=None,
    backend_configuration=None,
    seed=7,
):
    text = sequence.to_abstract_repr()
    device.validate_batch(
        text, [{"runs": runs, "variables": variables}], configuration, backend_configuration
    )
    prepared = device.prepare(text, configuration, backend_configuration)
    return device.run(prepared, variables, runs, seed=seed)


@pytest.fixture(autouse=True)
def _on_cpu(monkeypatch):
    monkeypatch.setenv(TORCH_DEVICE_ENV, "cpu")


# ---- one atom -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEVICES)
def test_pi_pulse_excites_one_atom(name):
    result = run_once(DEVICES[name](), pi_pulse(), runs=500)
    assert result["counter"].get("1", 0) > 0.95 * 500
    assert result["metadata"]["atom_order"] == ["q0"]


@pytest.mark.parametrize("name", ["EMU_MPS", "EMU_TN"])
def test_one_atom_runs_on_emu_mps_with_an_idle_atom_whose_bit_is_dropped(name):
    result = run_once(DEVICES[name](), pi_pulse(), runs=200)
    assert set(result["counter"]) <= {"0", "1"} and all(len(b) == 1 for b in result["raw"])
    assert result["metadata"]["padded_with"] == PAD_ID
    assert "idle atom" in result["metadata"]["one_atom"]
    assert result["metadata"]["engine"].startswith("emu-mps")


def test_two_distant_atoms_both_flip_on_emu_mps_itself():
    result = run_once(EmuMpsDevice(), pi_pulse(MockDevice, n_atoms=2, spacing=50.0), runs=300)
    assert result["counter"].get("11", 0) > 0.9 * 300
    assert "padded_with" not in result["metadata"]


def test_one_atom_in_the_xy_basis_runs_padded_on_emu_mps():
    seq = Sequence(Register({"a": (0, 0)}), MockDevice)
    seq.declare_channel("mw", "mw_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "mw")
    result = run_once(EmuMpsDevice(), seq, runs=200)
    assert result["counter"].get("1", 0) > 0.95 * 200
    assert result["metadata"]["measurement_basis"] == "XY"


@pytest.mark.parametrize("duration", [200, 500, 800])
def test_rabi_oscillation_matches_sin_squared_on_emu_sv(duration):
    omega = math.pi  # rad/µs: a π pulse lasts 1000 ns
    result = run_once(EmuSvDevice(), rabi(omega), {"t": duration}, seed=duration)
    expected = math.sin(omega * duration * 1e-3 / 2) ** 2
    assert abs(ones_fraction(result["counter"]) - expected) < four_sigma(expected, SHOTS)


def test_expectation_gives_the_exact_occupation_and_pulser_results_carry_it():
    omega, duration = math.pi, 500
    result = run_once(
        EmuSvDevice(),
        rabi(omega),
        {"t": duration},
        runs=100,
        configuration={"result_types": ["counter", "expectation"]},
    )
    expected = math.sin(omega * duration * 1e-3 / 2) ** 2
    (occupation,) = result["expectation"]["occupation"]
    assert abs(occupation - expected) < 1e-3
    restored = Results.from_abstract_repr(result["serialised_results"])
    assert restored.get_result("occupation", 1.0) == [occupation]
    assert dict(restored.final_bitstrings) == result["counter"]


def test_without_expectation_the_result_has_only_the_wire_keys():
    result = run_once(EmuSvDevice(), pi_pulse(), runs=10)
    assert set(result) == {"counter", "raw", "serialised_results", "metadata"}


# ---- several atoms ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweeps():
    """The 4-atom adiabatic sweep on EMU_SV and EMU_MPS, 1000 shots each, with occupations."""
    config = {"result_types": ["counter", "expectation"]}
    text = adiabatic_sweep().to_abstract_repr()
    out = {}
    for name in ("EMU_SV", "EMU_MPS"):
        device = DEVICES[name]()
        out[name] = device.run(device.prepare(text, config), None, SHOTS, seed=11)
    return out


def test_an_adiabatic_sweep_reaches_the_blockaded_ground_state_on_sv_and_mps(sweeps):
    for result in sweeps.values():
        counter = Counter(result["counter"])
        (mode, count), (_, second) = counter.most_common(2)
        assert mode == SWEEP_GROUND_STATE
        assert count - second > 4 * math.sqrt(SHOTS)  # clearly the most likely


def test_sv_and_mps_agree_on_the_sweep(sweeps):
    sv, mps = sweeps["EMU_SV"], sweeps["EMU_MPS"]
    assert np.allclose(sv["expectation"]["occupation"], mps["expectation"]["occupation"], atol=0.01)
    top = [bits for bits, _ in Counter(sv["counter"]).most_common(3)]
    for bits in top:
        p = sv["counter"][bits] / SHOTS
        assert abs(mps["counter"].get(bits, 0) / SHOTS - p) < math.sqrt(2) * four_sigma(p, SHOTS)


@pytest.mark.parametrize("name", ["EMU_SV", "EMU_MPS"])
def test_counter_sums_to_runs_and_raw_has_one_bitstring_per_shot(name):
    seq = Sequence(Register({"a": (0, 0), "b": (0, 6), "c": (6, 0)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantPulse(300, 2.0, 0.0, 0.0), "ryd")
    result = run_once(DEVICES[name](), seq, runs=321)
    assert sum(result["counter"].values()) == 321 and len(result["raw"]) == 321
    assert all(len(bits) == 3 and set(bits) <= {"0", "1"} for bits in result["raw"])
    assert Counter(result["raw"]) == Counter(result["counter"])
    json.dumps(result)  # the whole result is JSON-able as it is


def _mps_config(**options) -> str:
    from emu_mps import MPSConfig

    return MPSConfig(
        observables=[BitStrings()], log_level=logging.WARNING, **options
    ).to_abstract_repr()


@pytest.mark.parametrize(
    "name, backend_configuration",
    [("EMU_SV", None), ("EMU_MPS", None), ("EMU_MPS", "reordered")],
)
def test_bitstrings_list_atoms_in_register_order(name, backend_configuration):
    if backend_configuration == "reordered":
        backend_configuration = _mps_config(optimize_qubit_ordering=True)
    seq = Sequence(Register({"z": (0, 0), "a": (0, 50), "m": (50, 0)}), DigitalAnalogDevice)
    seq.declare_channel("local", "rydberg_local", initial_target="a")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(300, np.pi), 0, 0), "local")
    result = run_once(DEVICES[name](), seq, runs=200, backend_configuration=backend_configuration)
    assert result["metadata"]["atom_order"] == ["z", "a", "m"]
    assert result["counter"].get("010", 0) > 0.95 * 200


def test_a_mappable_register_runs_on_the_traps_a_job_maps():
    # Traps 0 and 60 are 40 µm apart (no blockade): both atoms flip.
    result = run_once(EmuSvDevice(), mappable_pi_pulse(), {"qubits": {"q0": 0, "q1": 60}}, runs=200)
    assert result["metadata"]["atom_order"] == ["q0", "q1"]
    assert result["counter"].get("11", 0) > 0.9 * 200


# ---- noise and options --------------------------------------------------------------------


def _ground_state_sequence() -> Sequence:
    """An empty pulse: the atom stays in the ground state, so every '1' is a false positive."""
    seq = Sequence(Register({"q0": (0, 0)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantPulse(100, 0.0, 0.0, 0.0), "ryd")
    return seq


@pytest.mark.parametrize("name", ["EMU_SV", "EMU_MPS"])
def test_backend_configuration_noise_model_is_honoured(name):
    config = EmulationConfig(
        observables=[BitStrings()], noise_model=NoiseModel(p_false_pos=0.2)
    ).to_abstract_repr()
    result = run_once(DEVICES[name](), _ground_state_sequence(), backend_configuration=config)
    assert abs(ones_fraction(result["counter"]) - 0.2) < four_sigma(0.2, SHOTS)
    assert result["metadata"]["noise"]["p_false_pos"] == 0.2
    assert result["metadata"]["noise_regime"] == "readout"


def test_prefer_device_noise_model_uses_the_sequences_device_noise():
    import dataclasses

    noisy_device = dataclasses.replace(MockDevice, noise_model=NoiseModel(p_false_pos=0.3))
    seq = Sequence(Register({"q0": (0, 0)}), noisy_device)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantPulse(100, 0.0, 0.0, 0.0), "ryd")
    config = EmulationConfig(
        observables=[BitStrings()], prefer_device_noise_model=True
    ).to_abstract_repr()
    result = run_once(EmuSvDevice(), seq, backend_configuration=config)
    assert abs(ones_fraction(result["counter"]) - 0.3) < four_sigma(0.3, SHOTS)


def test_dephasing_without_shot_noise_runs_as_a_density_matrix_and_damps_rabi():
    # Pure dephasing at rate γ (pulser: L = sqrt(γ/2) σz) damps the Rabi oscillation: after a
    # 2π pulse the atom is no longer exactly back in the ground state.
    config = EmulationConfig(
        observables=[BitStrings()], noise_model=NoiseModel(dephasing_rate=2.0)
    ).to_abstract_repr()
    result = run_once(EmuSvDevice(), rabi(2 * math.pi), {"t": 1000}, backend_configuration=config)
    assert result["metadata"]["noise_regime"] == "density matrix"
    assert ones_fraction(result["counter"]) > four_sigma(0.0, SHOTS)
    clean = run_once(EmuSvDevice(), rabi(2 * math.pi), {"t": 1000})
    assert ones_fraction(clean["counter"]) < four_sigma(0.0, SHOTS)


def test_another_engines_options_are_ignored_and_reported():
    config = _mps_config(precision=1e-6, max_bond_dim=8)
    result = run_once(EmuSvDevice(), pi_pulse(), runs=50, backend_configuration=config)
    ignored = result["metadata"]["ignored_backend_options"]
    assert {"precision", "max_bond_dim"} <= set(ignored)
    assert "log_level" not in ignored  # decided here, silently


def test_emu_tn_maps_its_configuration_onto_emu_mps():
    config = {"dt": 5, "precision": "high", "max_bond_dim": 16}
    result = run_once(EmuTnDevice(), pi_pulse(), runs=50, configuration=config)
    options = result["metadata"]["engine_options"]
    assert (options["dt"], options["precision"], options["max_bond_dim"]) == (
        5.0,
        PRECISIONS["high"],
        16,
    )
    assert result["metadata"]["emu_tn_configuration"] == {
        "dt": 5,
        "precision": "high",
        "max_bond_dim": 16,
    }
    defaults = run_once(EmuTnDevice(), pi_pulse(), runs=50)["metadata"]["engine_options"]
    assert (defaults["dt"], defaults["precision"], defaults["max_bond_dim"]) == (10.0, 1e-5, 500)


def test_emu_tn_configuration_wins_over_the_backend_configuration():
    backend = _mps_config(dt=2.0, max_bond_dim=7, optimize_qubit_ordering=False)
    result = run_once(
        EmuTnDevice(), pi_pulse(), runs=50, configuration={"dt": 4}, backend_configuration=backend
    )
    options = result["metadata"]["engine_options"]
    assert options["dt"] == 4.0 and options["max_bond_dim"] == 7


def test_a_seed_makes_shots_reproducible():
    def run(seed):
        return run_once(EmuSvDevice(), rabi(math.pi), {"t": 500}, runs=200, seed=seed)["raw"]

    assert run(5) == run(5)
    assert run(5) != run(6)


# ---- where it runs, and failures ----------------------------------------------------------


def test_the_worker_setting_picks_the_torch_device(monkeypatch):
    monkeypatch.setenv(TORCH_DEVICE_ENV, "cpu")
    assert run_once(EmuSvDevice(), pi_pulse(), runs=10)["metadata"]["torch_device"] == "cpu"
    monkeypatch.setenv(TORCH_DEVICE_ENV, "gpu")
    with pytest.raises(RunFailed, match="must be auto, cpu or cuda"):
        run_once(EmuSvDevice(), pi_pulse(), runs=10)


def test_asking_for_cuda_without_a_gpu_fails_with_a_sentence(monkeypatch):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this worker has a GPU")
    monkeypatch.setenv(TORCH_DEVICE_ENV, "cuda")
    with pytest.raises(RunFailed, match="no CUDA device"):
        run_once(EmuSvDevice(), pi_pulse(), runs=10)


def test_an_engine_failure_is_a_run_failed_sentence(monkeypatch):
    import emu_sv

    def out_of_memory(self):
        raise MemoryError("no room for the state")

    monkeypatch.setattr(emu_sv.SVBackend, "run", out_of_memory)
    with pytest.raises(RunFailed, match="EMU_SV ran out of memory emulating 1 atoms"):
        run_once(EmuSvDevice(), pi_pulse(AnalogDevice), runs=10)
