"""EMU_SV, EMU_MPS, EMU_TN, EMU_FRESNEL and FRESNEL refuse bad batches before anything is stored,
each with a sentence naming the problem."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from pulser import Pulse, Register, Sequence
from pulser.backend.config import EmulationConfig
from pulser.backend.default_observables import BitStrings
from pulser.devices import AnalogDevice, DigitalAnalogDevice, MockDevice
from pulser.noise_model import NoiseModel
from pulser.waveforms import BlackmanWaveform

from tests.unit.devices.builders import CENTRE_TRAP, mappable_pi_pulse, pi_pulse
from tweezer.devices.base import InvalidInput
from tweezer.devices.emu_fresnel import EmuFresnelDevice
from tweezer.devices.emu_mps import EmuMpsDevice
from tweezer.devices.emu_sv import EmuSvDevice
from tweezer.devices.emu_tn import EmuTnDevice
from tweezer.devices.fresnel import FresnelDevice
from tweezer.devices.qpu import DigitalTwinDriver
from tweezer.devices.registry import get_device

DEVICES = {
    "EMU_SV": EmuSvDevice(),
    "EMU_MPS": EmuMpsDevice(),
    "EMU_TN": EmuTnDevice(),
    "EMU_FRESNEL": EmuFresnelDevice(),
    "FRESNEL": FresnelDevice(DigitalTwinDriver()),
}
EMULATORS = ["EMU_SV", "EMU_MPS", "EMU_TN", "EMU_FRESNEL"]
FRESNEL_LIKE = ["EMU_FRESNEL", "FRESNEL"]


def parametrized_sequence() -> str:
    """A sequence every device takes (a layout register on AnalogDevice, FRESNEL's stand-in);
    declares t (int) and amps (float, size 2)."""
    layout = AnalogDevice.pre_calibrated_layouts[0]
    seq = Sequence(layout.make_mappable_register(4, prefix="q"), AnalogDevice)
    seq.declare_channel("ryd", "rydberg_global")
    t = seq.declare_variable("t", dtype=int)
    amps = seq.declare_variable("amps", size=2)
    seq.add(Pulse.ConstantPulse(t, amps[0], 0, 0), "ryd")
    seq.add(Pulse.ConstantPulse(t, amps[1], 0, 0), "ryd")
    return seq.to_abstract_repr()


GOOD = {"qubits": {"q0": CENTRE_TRAP, "q1": 0}, "t": 100, "amps": [1.0, 2.0]}


def refused(
    name: str,
    jobs,
    configuration=None,
    backend_configuration=None,
    sequence: str | None = None,
    device=None,
) -> str:
    device = device or DEVICES[name]
    with pytest.raises(InvalidInput) as caught:
        device.validate_batch(
            sequence or parametrized_sequence(), jobs, configuration, backend_configuration
        )
    return caught.value.description


def job(runs=5, **changes):
    variables = {**GOOD, **changes}
    return {"runs": runs, "variables": {k: v for k, v in variables.items() if v is not None}}


# ---- every device -------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEVICES)
def test_a_good_batch_passes(name):
    assert DEVICES[name].validate_batch(parametrized_sequence(), [job(), job(t=200)], None) is None


@pytest.mark.parametrize("name", DEVICES)
def test_a_sequence_that_does_not_parse_is_refused(name):
    sentence = refused(name, [job()], sequence="{not json")
    assert sentence.startswith("The sequence does not parse") and "not JSON" in sentence


@pytest.mark.parametrize("name", DEVICES)
def test_missing_and_unknown_variables_are_named(name):
    sentence = refused(name, [job(), job(amps=None, omega=3.0)])
    assert sentence.startswith("Job 1:")
    assert "missing variable 'amps'" in sentence and "unknown variable 'omega'" in sentence


@pytest.mark.parametrize("name", DEVICES)
def test_a_value_of_the_wrong_shape_is_refused(name):
    assert "got a list of 3 values" in refused(name, [job(amps=[1.0, 2.0, 3.0])])


@pytest.mark.parametrize("name", DEVICES)
def test_a_mappable_register_needs_qubits(name):
    sentence = refused(name, [{"runs": 5, "variables": {"t": 100, "amps": [1.0, 2.0]}}])
    assert "must give 'qubits'" in sentence


@pytest.mark.parametrize("name", DEVICES)
@pytest.mark.parametrize("runs, words", [(0, "at least 1"), ("10", "a string"), (2.5, "a number")])
def test_bad_runs_are_refused(name, runs, words):
    sentence = refused(name, [job(runs=runs)])
    assert sentence.startswith("Job 0: runs") and words in sentence


@pytest.mark.parametrize("name", DEVICES)
def test_runs_over_the_device_limit_are_refused_saying_the_limit(name):
    limit = DEVICES[name].describe().max_runs
    assert f"limit of {limit}" in refused(name, [job(runs=limit + 1)])


@pytest.mark.parametrize("name", DEVICES)
def test_too_many_atoms_are_refused_saying_the_limit(name):
    limit = DEVICES[name].describe().max_atoms
    if name in FRESNEL_LIKE:
        text = mappable_pi_pulse(limit + 1).to_abstract_repr()
        qubits = {f"q{i}": trap for i, trap in enumerate(range(0, 61, 4))}
        qubits = dict(list(qubits.items())[: limit + 1])
        sentence = refused(name, [{"runs": 5, "variables": {"qubits": qubits}}], sequence=text)
        assert sentence.startswith("Job 0:")
    else:
        text = pi_pulse(MockDevice, n_atoms=limit + 1, spacing=10.0).to_abstract_repr()
        sentence = refused(name, [{"runs": 5}], sequence=text)
    assert f"{limit + 1} atoms" in sentence and f"at most {limit}" in sentence


@pytest.mark.parametrize("name", DEVICES)
def test_a_misspelt_configuration_key_is_refused_naming_the_known_ones(name):
    sentence = refused(name, [job()], {"strict_validaton": True})
    assert "'strict_validaton'" in sentence and "did you mean 'strict_validation'" in sentence
    assert name in sentence


@pytest.mark.parametrize("name", DEVICES)
def test_other_configuration_keys_pass_through(name):
    DEVICES[name].validate_batch(parametrized_sequence(), [job()], {"extra_flag": 1})


@pytest.mark.parametrize("name", DEVICES)
@pytest.mark.parametrize(
    "config, words",
    [
        ({"strict_validation": "yes"}, "'strict_validation' must be true or false"),
        ({"result_types": ["histogram"]}, 'Result type "histogram" is not available'),
        ({"result_types": "counter"}, "must be null or a list"),
        (["strict_validation"], "must be a JSON object"),
    ],
)
def test_bad_configuration_values_are_refused(name, config, words):
    assert words in refused(name, [job()], config)


@pytest.mark.parametrize("name", EMULATORS)
def test_a_backend_configuration_that_does_not_parse_is_refused(name):
    sentence = refused(name, [job()], None, '{"a": 1}')
    assert "backend_configuration does not parse" in sentence


@pytest.mark.parametrize("name", EMULATORS)
def test_emulators_give_expectation_values(name):
    DEVICES[name].validate_batch(
        parametrized_sequence(), [job()], {"result_types": ["counter", "expectation"]}
    )


def test_an_unknown_device_type_names_the_known_ones():
    with pytest.raises(InvalidInput) as caught:
        get_device("EMU_QPU")
    assert caught.value.description == (
        "Unknown device type 'EMU_QPU'; available: FRESNEL, EMU_FREE, EMU_TN, EMU_SV, EMU_MPS, "
        "EMU_FRESNEL."
    )


# ---- the torch emulators ------------------------------------------------------------------


def _plain(n_atoms=1, device=MockDevice) -> str:
    return pi_pulse(device, n_atoms=n_atoms, spacing=10.0).to_abstract_repr()


def test_emu_sv_refuses_the_xy_basis_and_emu_mps_takes_it():
    seq = Sequence(Register({"a": (0, 0)}), MockDevice)
    seq.declare_channel("mw", "mw_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "mw")
    sentence = refused("EMU_SV", [{"runs": 5}], sequence=seq.to_abstract_repr())
    assert "ground-rydberg basis only" in sentence and "uses XY" in sentence
    EmuMpsDevice().validate_batch(seq.to_abstract_repr(), [{"runs": 5}], None)


@pytest.mark.parametrize("name", ["EMU_SV", "EMU_MPS", "EMU_TN"])
def test_the_digital_basis_is_refused_pointing_to_emu_free(name):
    seq = Sequence(Register({"a": (0, 0), "b": (0, 50)}), DigitalAnalogDevice)
    seq.declare_channel("raman", "raman_local", initial_target="a")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "raman")
    sentence = refused(name, [{"runs": 5}], sequence=seq.to_abstract_repr())
    assert "uses digital" in sentence and "EMU_FREE emulates every basis" in sentence


def test_noise_needing_a_density_matrix_halves_emu_svs_atom_limit():
    config = EmulationConfig(
        observables=[BitStrings()], noise_model=NoiseModel(dephasing_rate=0.1)
    ).to_abstract_repr()
    device = EmuSvDevice(max_atoms=8)
    device.validate_batch(_plain(4), [{"runs": 5}], None, config)
    sentence = refused("EMU_SV", [{"runs": 5}], None, config, sequence=_plain(5), device=device)
    assert "5 atoms" in sentence and "density matrix" in sentence and "at most 4" in sentence
    device.validate_batch(_plain(8), [{"runs": 5}], None)  # without noise: the full 8


@pytest.mark.parametrize("name", ["EMU_SV", "EMU_MPS", "EMU_TN"])
def test_strict_validation_checks_against_fresnel(name):
    sentence = refused(name, [{"runs": 5}], {"strict_validation": True}, sequence=_plain())
    assert sentence.startswith("strict_validation:") and "AnalogDevice" in sentence
    assert "FRESNEL" in sentence
    sentence = refused(name, [job(runs=2001)], {"strict_validation": True})
    assert "limit of 2000" in sentence
    DEVICES[name].validate_batch(parametrized_sequence(), [job()], {"strict_validation": True})


@pytest.mark.parametrize(
    "text, words",
    [
        (
            EmulationConfig(
                observables=[BitStrings()], initial_state=None, interaction_matrix=[[0, 1], [1, 0]]
            ).to_abstract_repr(),
            "interaction_matrix",
        ),
        ("[1, 2]", "does not parse"),
    ],
)
def test_backend_configurations_the_engines_do_not_take_are_refused(text, words):
    assert words in refused("EMU_SV", [{"runs": 5}], None, text, sequence=_plain(2))


def _mps_config(**options) -> str:
    from emu_mps import MPSConfig

    return MPSConfig(
        observables=[BitStrings()], log_level=logging.WARNING, **options
    ).to_abstract_repr()


@pytest.mark.parametrize(
    "options, words",
    [
        ({"dt": -1.0}, "dt=-1.0"),
        ({"max_bond_dim": 0}, "max_bond_dim=0"),
    ],
)
def test_bad_engine_options_in_the_backend_configuration_are_refused(options, words):
    text = json.loads(_mps_config())
    text.update(options)
    sentence = refused("EMU_MPS", [{"runs": 5}], None, json.dumps(text), sequence=_plain(2))
    assert words in sentence


@pytest.mark.parametrize(
    "config, words",
    [
        ({"dt": 0}, "'dt' must be a number larger than 0 (ns), got 0"),
        ({"dt": "10"}, "'dt' must be a number larger than 0"),
        ({"precision": "fast"}, '\'precision\' must be "low", "normal" or "high"'),
        ({"precision": 1e-5}, "'precision' must be"),
        ({"max_bond_dim": 0}, "'max_bond_dim' must be a whole number of at least 1"),
        ({"max_bond_dim": 2.5}, "'max_bond_dim' must be a whole number"),
        ({"max_bond_dim": True}, "'max_bond_dim' must be a whole number"),
        ({"max_bond_dims": 10}, "did you mean 'max_bond_dim'"),
    ],
)
def test_emu_tn_checks_its_configuration(config, words):
    assert words in refused("EMU_TN", [job()], config)


def test_a_time_step_too_small_for_the_sequence_is_refused():
    sentence = refused("EMU_TN", [job(t=1000)], {"dt": 0.01})
    assert "200000 time steps of dt=0.01 ns" in sentence and "Use a larger dt" in sentence


def test_emu_tn_takes_its_documented_keys():
    EmuTnDevice().validate_batch(
        parametrized_sequence(), [job()], {"dt": 10, "precision": "LOW", "max_bond_dim": 500.0}
    )


# ---- FRESNEL and its emulation ------------------------------------------------------------


@pytest.mark.parametrize("name", FRESNEL_LIKE)
def test_fresnel_validates_strictly_even_unasked(name):
    sentence = refused(name, [{"runs": 5}], sequence=_plain())
    assert sentence.startswith("The sequence does not fit") and name in sentence
    sentence = refused(
        name, [{"runs": 5}], {"strict_validation": False}, sequence=_plain(device=AnalogDevice)
    )
    assert "RegisterLayout" in sentence


@pytest.mark.parametrize("name", FRESNEL_LIKE)
def test_fresnel_refuses_a_job_that_does_not_build_on_its_device(name):
    # 20 rad/µs is over AnalogDevice's 4π rad/µs maximum amplitude.
    sentence = refused(name, [job(amps=[1.0, 20.0])])
    assert sentence.startswith("Job 0:") and "amplitude" in sentence


def test_emu_fresnel_refuses_another_noise_model():
    config = EmulationConfig(
        observables=[BitStrings()], noise_model=NoiseModel(p_false_pos=0.1)
    ).to_abstract_repr()
    sentence = refused("EMU_FRESNEL", [job()], None, config)
    assert "FRESNEL's own noise" in sentence and "EMU_SV or EMU_MPS" in sentence


def test_fresnel_takes_no_backend_configuration():
    config = EmulationConfig(observables=[BitStrings()]).to_abstract_repr()
    sentence = refused("FRESNEL", [job()], None, config)
    assert "FRESNEL is a QPU and takes no backend_configuration" in sentence


def test_fresnel_measures_bitstrings_only():
    sentence = refused("FRESNEL", [job()], {"result_types": ["expectation"]})
    assert "not available on FRESNEL, a QPU measures bitstrings" in sentence
