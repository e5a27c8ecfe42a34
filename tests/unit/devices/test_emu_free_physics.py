"""EMU_FREE against known physics: real pulser-simulation runs on 1-3 atoms."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest
from pulser import Pulse, Register, Sequence
from pulser.backend.config import EmulationConfig
from pulser.backend.default_observables import BitStrings
from pulser.backend.results import Results
from pulser.devices import AnalogDevice, DigitalAnalogDevice, MockDevice
from pulser.json.abstract_repr.deserializer import deserialize_device
from pulser.noise_model import NoiseModel
from pulser.waveforms import BlackmanWaveform

from tweezer.devices.emu_free import DEFAULT_SPAM, EmuFreeDevice

SHOTS = 1000


def four_sigma(p: float, n: int) -> float:
    """Four standard deviations of the frequency of a binomial(n, p), floored for p near 0/1."""
    return 4 * math.sqrt(max(p * (1 - p), 1 / n) / n)


def ones_fraction(counter: dict[str, int], position: int = 0) -> float:
    total = sum(counter.values())
    return sum(n for bits, n in counter.items() if bits[position] == "1") / total


def pi_pulse_sequence(device=AnalogDevice) -> Sequence:
    seq = Sequence(Register({"q0": (0.0, 0.0)}), device)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    return seq


def rabi_sequence(omega: float) -> Sequence:
    """One atom under a square pulse of Rabi frequency `omega` (rad/µs); duration `t` (ns)."""
    seq = Sequence(Register({"q0": (0.0, 0.0)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    t = seq.declare_variable("t", dtype=int)
    seq.add(Pulse.ConstantPulse(t, omega, 0.0, 0.0), "ryd")
    return seq


def run_once(
    sequence: Sequence,
    variables=None,
    runs=SHOTS,
    configuration=None,
    seed=7,
    device: EmuFreeDevice | None = None,
    backend_configuration=None,
):
    device = device or EmuFreeDevice()
    text = sequence.to_abstract_repr()
    jobs = [{"runs": runs, "variables": variables}]
    device.validate_batch(text, jobs, configuration, backend_configuration)
    prepared = device.prepare(text, configuration, backend_configuration)
    return device.run(prepared, variables, runs, seed=seed)


@pytest.mark.parametrize(
    "device", [AnalogDevice, DigitalAnalogDevice, MockDevice], ids=lambda d: d.name
)
def test_pi_pulse_excites_one_atom_on_every_pulser_device(device):
    result = run_once(pi_pulse_sequence(device), runs=500)
    assert result["counter"].get("1", 0) > 0.95 * 500


@pytest.mark.parametrize("duration", [200, 500, 800])
def test_rabi_oscillation_matches_sin_squared(duration):
    omega = math.pi  # rad/µs: a pi pulse lasts 1000 ns
    result = run_once(rabi_sequence(omega), {"t": duration}, seed=duration)
    expected = math.sin(omega * duration * 1e-3 / 2) ** 2
    assert abs(ones_fraction(result["counter"]) - expected) < four_sigma(expected, SHOTS)


def test_counter_sums_to_runs_and_raw_has_one_bitstring_per_shot():
    seq = Sequence(Register({"a": (0, 0), "b": (0, 6), "c": (6, 0)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantPulse(300, 2.0, 0.0, 0.0), "ryd")
    result = run_once(seq, runs=321)
    assert sum(result["counter"].values()) == 321
    assert len(result["raw"]) == 321
    assert all(len(bits) == 3 and set(bits) <= {"0", "1"} for bits in result["raw"])
    assert Counter(result["raw"]) == Counter(result["counter"])
    json.dumps(result)  # the whole result is JSON-able as it is


@pytest.mark.parametrize("driven, expected", [("a", "10"), ("b", "01")])
def test_bitstrings_list_atoms_in_register_order(driven, expected):
    seq = Sequence(Register({"a": (0, 0), "b": (0, 50)}), DigitalAnalogDevice)
    seq.declare_channel("local", "rydberg_local", initial_target=driven)
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "local")
    result = run_once(seq, runs=200)
    assert result["counter"].get(expected, 0) > 0.95 * 200
    assert result["metadata"]["atom_order"] == ["a", "b"]


def test_register_order_is_kept_even_when_ids_are_not_sorted():
    seq = Sequence(Register({"z": (0, 0), "a": (0, 50)}), DigitalAnalogDevice)
    seq.declare_channel("local", "rydberg_local", initial_target="a")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "local")
    result = run_once(seq, runs=200)
    assert result["metadata"]["atom_order"] == ["z", "a"]
    assert result["counter"].get("01", 0) > 0.95 * 200


def test_digital_and_xy_bases_read_their_excited_state_as_one():
    digital = Sequence(Register({"a": (0, 0), "b": (0, 50)}), DigitalAnalogDevice)
    digital.declare_channel("raman", "raman_local", initial_target="a")
    digital.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "raman")
    assert run_once(digital, runs=100)["counter"] == {"10": 100}

    xy = Sequence(Register({"a": (0, 0)}), MockDevice)
    xy.declare_channel("mw", "mw_global")
    xy.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "mw")
    result = run_once(xy, runs=100)
    assert result["counter"] == {"1": 100}
    assert result["metadata"]["measurement_basis"] == "XY"


def test_with_noise_adds_spam_errors_at_pulsers_rates():
    runs = 2000
    clean = run_once(pi_pulse_sequence(), runs=runs, seed=1)
    noisy = run_once(pi_pulse_sequence(), runs=runs, seed=1, configuration={"with_noise": True})
    assert clean["counter"].get("0", 0) <= 0.005 * runs
    # An atom reads '0' if it was lost at preparation (and no false positive), or was excited
    # and read falsely as '0'.
    eta, eps, eps_prime = (
        DEFAULT_SPAM[k] for k in ("state_prep_error", "p_false_pos", "p_false_neg")
    )
    expected_zeros = eta * (1 - eps) + (1 - eta) * eps_prime
    zeros = noisy["counter"].get("0", 0) / runs
    assert zeros > 0
    assert abs(zeros - expected_zeros) < four_sigma(expected_zeros, runs)
    assert noisy["metadata"]["noise"]["p_false_neg"] == DEFAULT_SPAM["p_false_neg"]
    assert clean["metadata"]["noise"] is None


def test_a_seed_makes_noisy_shots_reproducible():
    def run(seed):
        return run_once(
            pi_pulse_sequence(), runs=300, seed=seed, configuration={"with_noise": True}
        )["raw"]

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_each_job_gets_its_own_variables():
    omega = math.pi
    device = EmuFreeDevice()
    text = rabi_sequence(omega).to_abstract_repr()
    jobs = [{"runs": 500, "variables": {"t": 1000}}, {"runs": 500, "variables": {"t": 2000}}]
    device.validate_batch(text, jobs, None)
    prepared = device.prepare(text, None)
    pi, two_pi = (device.run(prepared, job["variables"], job["runs"], seed=3) for job in jobs)
    assert ones_fraction(pi["counter"]) > 0.95
    assert ones_fraction(two_pi["counter"]) < 0.05
    assert pi["metadata"]["total_duration_ns"] == 1000
    assert two_pi["metadata"]["total_duration_ns"] == 2000


def test_jobs_with_equal_variables_reuse_the_simulated_state(monkeypatch):
    import pulser_simulation

    simulations = []
    real_backend = pulser_simulation.QutipBackendV2

    def counting_backend(*args, **kwargs):
        simulations.append(1)
        return real_backend(*args, **kwargs)

    monkeypatch.setattr(pulser_simulation, "QutipBackendV2", counting_backend)
    device = EmuFreeDevice()
    prepared = device.prepare(rabi_sequence(math.pi).to_abstract_repr(), None)
    first = device.run(prepared, {"t": 500}, 400, seed=1)
    again = device.run(prepared, {"t": [500]}, 400, seed=1)  # a size-1 list is the same value
    other = device.run(prepared, {"t": 700}, 400, seed=1)
    assert len(simulations) == 2
    assert again["counter"] == first["counter"]  # same seed, same shots, cached or not
    assert other["counter"] != first["counter"]


def test_a_mappable_register_runs_on_the_traps_a_job_maps():
    layout = AnalogDevice.pre_calibrated_layouts[0]
    seq = Sequence(layout.make_mappable_register(4, prefix="q"), AnalogDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    # Traps 0 and 30 are far apart (no blockade): both atoms flip.
    variables = {"qubits": {"q0": 0, "q1": 30}}
    result = run_once(seq, variables, runs=200)
    assert result["metadata"]["atom_order"] == ["q0", "q1"]
    assert result["counter"].get("11", 0) > 0.9 * 200


def test_serialised_results_is_pulsers_own_results_object():
    result = run_once(pi_pulse_sequence(), runs=50)
    restored = Results.from_abstract_repr(result["serialised_results"])
    assert dict(restored.final_bitstrings) == result["counter"]
    assert restored.atom_order == ("q0",)


def test_backend_configuration_noise_model_is_honoured():
    # An empty pulse leaves the atom in the ground state: every '1' is a false positive.
    seq = Sequence(Register({"q0": (0, 0)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantPulse(100, 0.0, 0.0, 0.0), "ryd")
    config = EmulationConfig(
        observables=[BitStrings()], noise_model=NoiseModel(p_false_pos=0.2)
    ).to_abstract_repr()
    result = run_once(seq, runs=SHOTS, backend_configuration=config)
    assert abs(ones_fraction(result["counter"]) - 0.2) < four_sigma(0.2, SHOTS)


def test_specs_are_a_pulser_device_that_sequences_can_be_built_on():
    device = EmuFreeDevice(max_atoms=5)
    specs = deserialize_device(device.specs())
    assert specs.name == "EMU_FREE"
    assert specs.max_atom_num == 5
    seq = Sequence(Register({"q0": (0.0, 0.0)}), specs)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    assert run_once(seq, runs=100, device=device)["counter"].get("1", 0) > 95


def test_an_engine_failure_is_a_run_failed_sentence(monkeypatch):
    import pulser_simulation

    from tweezer.devices.base import RunFailed

    def broken_backend(*args, **kwargs):
        raise MemoryError("no room for the state")

    monkeypatch.setattr(pulser_simulation, "QutipBackendV2", broken_backend)
    device = EmuFreeDevice()
    prepared = device.prepare(pi_pulse_sequence().to_abstract_repr(), None)
    with pytest.raises(RunFailed, match="EMU_FREE could not emulate the sequence: no room"):
        device.run(prepared, None, 10)
