"""EMU_FREE refuses bad batches before anything is stored, with a sentence naming the problem."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pulser import Pulse, Register, Sequence
from pulser.backend.config import EmulationConfig
from pulser.backend.default_observables import BitStrings
from pulser.devices import AnalogDevice, DigitalAnalogDevice, MockDevice
from pulser.noise_model import NoiseModel
from pulser.waveforms import BlackmanWaveform

from tweezer.devices.base import InvalidInput
from tweezer.devices.emu_free import DEFAULT_MAX_RUNS, EmuFreeDevice

DEVICE = EmuFreeDevice()


def parametrized_sequence() -> str:
    """Declares t (int), amps (float, size 2) and detuning (float)."""
    seq = Sequence(Register({"q0": (0, 0), "q1": (0, 20)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    t = seq.declare_variable("t", dtype=int)
    amps = seq.declare_variable("amps", size=2)
    detuning = seq.declare_variable("detuning")
    seq.add(Pulse.ConstantPulse(t, amps[0], detuning, 0), "ryd")
    seq.add(Pulse.ConstantPulse(t, amps[1], detuning, 0), "ryd")
    return seq.to_abstract_repr()


GOOD_VARIABLES = {"t": 100, "amps": [1.0, 2.0], "detuning": 0.5}


def plain_sequence(n_atoms: int = 1, device=MockDevice) -> str:
    reg = Register({f"q{i}": (10.0 * i, 0.0) for i in range(n_atoms)})
    seq = Sequence(reg, device)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    return seq.to_abstract_repr()


def mappable_sequence() -> str:
    layout = AnalogDevice.pre_calibrated_layouts[0]
    seq = Sequence(layout.make_mappable_register(4, prefix="q"), AnalogDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.add(Pulse.ConstantDetuning(BlackmanWaveform(1000, np.pi), 0, 0), "ryd")
    return seq.to_abstract_repr()


def refused(
    sequence: str,
    jobs,
    configuration=None,
    backend_configuration=None,
    device: EmuFreeDevice = DEVICE,
) -> str:
    with pytest.raises(InvalidInput) as caught:
        device.validate_batch(sequence, jobs, configuration, backend_configuration)
    return caught.value.description


# ---- a good batch passes ------------------------------------------------------------------


def test_a_good_batch_passes():
    jobs = [{"runs": 10, "variables": GOOD_VARIABLES}, {"runs": 1, "variables": GOOD_VARIABLES}]
    assert DEVICE.validate_batch(parametrized_sequence(), jobs, None) is None


def test_an_open_batch_may_start_without_jobs():
    assert DEVICE.validate_batch(plain_sequence(), [], {"with_noise": False}) is None


def test_a_variable_of_size_one_takes_a_number_or_a_one_item_list():
    for detuning in (0.5, [0.5], 1):
        variables = {**GOOD_VARIABLES, "detuning": detuning}
        DEVICE.validate_batch(parametrized_sequence(), [{"runs": 5, "variables": variables}], None)


def test_a_sequence_without_variables_takes_null_or_empty_variables():
    DEVICE.validate_batch(plain_sequence(), [{"runs": 5, "variables": None}, {"runs": 5}], None)
    DEVICE.validate_batch(plain_sequence(), [{"runs": 5, "variables": {}}], None)


# ---- variables ----------------------------------------------------------------------------


def test_a_missing_variable_is_named_with_its_job():
    jobs = [
        {"runs": 5, "variables": GOOD_VARIABLES},
        {"runs": 5, "variables": {"t": 100, "amps": [1.0, 2.0]}},
    ]
    sentence = refused(parametrized_sequence(), jobs)
    assert sentence.startswith("Job 1:")
    assert "missing variable 'detuning'" in sentence


def test_an_unknown_variable_is_named_with_its_job():
    jobs = [{"runs": 5, "variables": {**GOOD_VARIABLES, "omega": 3.0}}]
    sentence = refused(parametrized_sequence(), jobs)
    assert sentence.startswith("Job 0:")
    assert "unknown variable 'omega'" in sentence
    assert "amps (float, size 2)" in sentence  # says what the sequence declares


def test_missing_and_unknown_variables_are_named_together():
    sentence = refused(parametrized_sequence(), [{"runs": 5, "variables": {"x": 1}}])
    assert "missing variables 't', 'amps', 'detuning'" in sentence
    assert "unknown variable 'x'" in sentence


def test_variables_on_a_sequence_that_declares_none_are_unknown():
    sentence = refused(plain_sequence(), [{"runs": 5, "variables": {"t": 1}}])
    assert "unknown variable 't'" in sentence and "declares no variables" in sentence


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("amps", 1.0, "must be a list of 2 floats"),
        ("amps", [1.0, 2.0, 3.0], "got a list of 3 values"),
        ("amps", [[1.0], [2.0]], "got a JSON array"),
        ("detuning", [1.0, 2.0], "must be a float, got a list of 2 values"),
        ("t", 100.5, "not a whole number"),
        ("t", "100", "got a string"),
        ("t", True, "got a boolean"),
        ("detuning", None, "got null"),
    ],
)
def test_a_value_of_the_wrong_shape_or_type_is_refused(name, value, words):
    jobs = [{"runs": 5, "variables": {**GOOD_VARIABLES, name: value}}]
    sentence = refused(parametrized_sequence(), jobs)
    assert f"variable '{name}'" in sentence
    assert words in sentence


def test_variables_must_be_an_object():
    sentence = refused(parametrized_sequence(), [{"runs": 5, "variables": [1, 2]}])
    assert "variables must be an object" in sentence


def test_values_that_do_not_build_are_refused_with_pulsers_reason():
    jobs = [{"runs": 5, "variables": {**GOOD_VARIABLES, "t": -10}}]
    sentence = refused(parametrized_sequence(), jobs)
    assert sentence.startswith("Job 0: the sequence does not build with these variables")
    assert "positive duration" in sentence


# ---- qubits -------------------------------------------------------------------------------


def test_qubits_are_refused_on_a_register_that_is_not_mappable():
    jobs = [{"runs": 5, "variables": {"qubits": {"q0": 0}}}]
    sentence = refused(plain_sequence(), jobs)
    assert "'qubits'" in sentence and "not mappable" in sentence


def test_qubits_are_required_on_a_mappable_register():
    sentence = refused(mappable_sequence(), [{"runs": 5, "variables": None}])
    assert "mappable" in sentence and "must give 'qubits'" in sentence


@pytest.mark.parametrize(
    "qubits, words",
    [
        ({}, "it is empty"),
        ({"nope": 1}, "'nope' is not a qubit of the register"),
        ({"q0": -1}, "must be an integer >= 0"),
        ({"q0": "1"}, "must be an integer >= 0"),
        ({"q0": 1, "q1": 1}, "share a trap"),
        ({"q0": 1, "q2": 2}, "first 2 elements"),  # pulser's own rule, at build
        ({"q0": 9999}, "correspond to the ID of a trap"),
        ([0, 1], "must map qubit ids to trap ids"),
    ],
)
def test_bad_qubits_are_refused(qubits, words):
    sentence = refused(mappable_sequence(), [{"runs": 5, "variables": {"qubits": qubits}}])
    assert words in sentence


def test_good_qubits_pass():
    jobs = [{"runs": 5, "variables": {"qubits": {"q0": 0, "q1": 30}}}]
    assert DEVICE.validate_batch(mappable_sequence(), jobs, None) is None


# ---- runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "runs, words",
    [
        (0, "at least 1"),
        (-1, "at least 1"),
        ("10", "a string"),
        (True, "a boolean"),
        (2.5, "a number"),
        (None, "null"),
        (DEFAULT_MAX_RUNS + 1, f"over this device's limit of {DEFAULT_MAX_RUNS}"),
    ],
)
def test_bad_runs_are_refused(runs, words):
    sentence = refused(plain_sequence(), [{"runs": 5}, {"runs": runs}])
    assert sentence.startswith("Job 1: runs")
    assert words in sentence


def test_missing_runs_are_refused():
    assert "runs is missing" in refused(plain_sequence(), [{"variables": None}])


def test_the_runs_limit_is_configurable():
    device = EmuFreeDevice(max_runs=50)
    assert "limit of 50" in refused(plain_sequence(), [{"runs": 51}], device=device)


def test_jobs_must_be_a_list_of_objects():
    assert "jobs must be a list" in refused(plain_sequence(), {"runs": 5})
    assert "a job must be an object" in refused(plain_sequence(), [5])


# ---- the sequence -------------------------------------------------------------------------

PARSE = "The sequence does not parse as a pulser abstract representation: "


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", "it is not JSON"),
        ("", "it is not JSON"),
        ("[1, 2]", "it is a JSON array, not a JSON object"),
        ('"a string"', "it is a string"),
        ('{"foo": 1}', "not a sequence"),
    ],
)
def test_a_string_that_is_not_a_sequence_is_refused(text, words):
    sentence = refused(text, [{"runs": 5}])
    assert sentence.startswith(PARSE)
    assert words in sentence


def test_a_device_is_not_a_sequence():
    sentence = refused(MockDevice.to_abstract_repr(), [{"runs": 5}])
    assert sentence.startswith(PARSE) and "not a sequence" in sentence


def test_a_damaged_sequence_is_refused_with_where_it_is_damaged():
    broken = json.loads(plain_sequence())
    broken["operations"][0]["amplitude"]["area"] = "large"
    sentence = refused(json.dumps(broken), [{"runs": 5}])
    assert sentence.startswith(PARSE)
    assert "'large'" in sentence and "operations[0].amplitude" in sentence


def test_a_sequence_naming_a_channel_its_device_lacks_is_refused():
    broken = json.loads(plain_sequence())
    broken["channels"]["ryd"] = "no_such_channel"
    sentence = refused(json.dumps(broken), [{"runs": 5}])
    assert sentence.startswith(PARSE) and "no_such_channel" in sentence


def test_the_sequence_must_be_a_string():
    assert refused(None, [{"runs": 5}]).startswith(PARSE)


def test_too_many_atoms_are_refused_saying_the_limit():
    sentence = refused(plain_sequence(13), [{"runs": 5}])
    assert "13 atoms" in sentence and "at most 12" in sentence
    assert "at most 3" in refused(plain_sequence(4), [], device=EmuFreeDevice(max_atoms=3))


def test_a_mappable_job_mapping_too_many_atoms_is_refused():
    device = EmuFreeDevice(max_atoms=2)
    jobs = [{"runs": 5, "variables": {"qubits": {"q0": 0, "q1": 30, "q2": 40}}}]
    sentence = refused(mappable_sequence(), jobs, device=device)
    assert sentence.startswith("Job 0:") and "3 atoms" in sentence


def test_an_unmeasured_sequence_on_two_bases_is_refused():
    seq = Sequence(Register({"a": (0, 0)}), DigitalAnalogDevice)
    seq.declare_channel("ryd", "rydberg_global")
    seq.declare_channel("raman", "raman_local", initial_target="a")
    seq.add(Pulse.ConstantPulse(100, 1.0, 0, 0), "ryd")
    seq.add(Pulse.ConstantPulse(100, 1.0, 0, 0), "raman")
    sentence = refused(seq.to_abstract_repr(), [{"runs": 5}])
    assert "several bases" in sentence and "measure" in sentence
    seq.measure("digital")
    DEVICE.validate_batch(seq.to_abstract_repr(), [{"runs": 5}], None)


def test_a_sequence_without_pulses_is_refused():
    seq = Sequence(Register({"a": (0, 0)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    assert "nothing to emulate" in refused(seq.to_abstract_repr(), [{"runs": 5}])


# ---- configuration ------------------------------------------------------------------------


def test_unknown_configuration_keys_pass_through_and_are_reported():
    text = plain_sequence()
    config = {"with_noise": False, "dt": 10, "precision": "normal"}
    DEVICE.validate_batch(text, [{"runs": 5}], config)
    result = DEVICE.run(DEVICE.prepare(text, config), None, 5, seed=1)
    assert result["metadata"]["passed_through_configuration"] == ["dt", "precision"]


def test_a_misspelt_configuration_key_is_refused_naming_the_known_ones():
    sentence = refused(plain_sequence(), [{"runs": 5}], {"with_nosie": True})
    assert "'with_nosie'" in sentence and "did you mean 'with_noise'" in sentence
    assert "with_noise, strict_validation, result_types" in sentence


@pytest.mark.parametrize("key, value", [("with_noise", "yes"), ("strict_validation", 1)])
def test_flags_must_be_booleans(key, value):
    sentence = refused(plain_sequence(), [{"runs": 5}], {key: value})
    assert f"'{key}' must be true or false" in sentence


@pytest.mark.parametrize(
    "result_types", [None, ["counter"], ["run", "sample"], ["raw"], ["COUNTER"]]
)
def test_known_result_types_pass(result_types):
    DEVICE.validate_batch(plain_sequence(), [{"runs": 5}], {"result_types": result_types})


@pytest.mark.parametrize(
    "result_types", [["expectation"], ["counter", "histogram"], "counter", [3]]
)
def test_other_result_types_are_refused(result_types):
    sentence = refused(plain_sequence(), [{"runs": 5}], {"result_types": result_types})
    assert "counter, run, raw, sample" in sentence


def test_the_configuration_must_be_an_object():
    assert "must be a JSON object" in refused(plain_sequence(), [{"runs": 5}], ["with_noise"])


# ---- strict validation --------------------------------------------------------------------


def test_strict_validation_refuses_a_sequence_made_for_another_device():
    sentence = refused(plain_sequence(), [{"runs": 5}], {"strict_validation": True})
    assert sentence.startswith("strict_validation:") and "AnalogDevice" in sentence


def test_strict_validation_refuses_a_register_without_a_layout():
    text = plain_sequence(2, device=AnalogDevice)
    DEVICE.validate_batch(text, [{"runs": 5}], None)  # fine without strict validation
    sentence = refused(text, [{"runs": 5}], {"strict_validation": True})
    assert "RegisterLayout" in sentence


def test_strict_validation_accepts_a_fresnel_like_batch_and_caps_runs():
    jobs = [{"runs": 5, "variables": {"qubits": {"q0": 0, "q1": 30}}}]
    DEVICE.validate_batch(mappable_sequence(), jobs, {"strict_validation": True})
    jobs = [{"runs": AnalogDevice.max_runs + 1, "variables": {"qubits": {"q0": 0}}}]
    sentence = refused(mappable_sequence(), jobs, {"strict_validation": True})
    assert f"limit of {AnalogDevice.max_runs}" in sentence


# ---- backend configuration ----------------------------------------------------------------


def test_a_backend_configuration_that_does_not_parse_is_refused():
    sentence = refused(plain_sequence(), [{"runs": 5}], None, '{"a": 1}')
    assert "backend_configuration does not parse" in sentence


def test_noise_asked_twice_is_refused():
    config = EmulationConfig(
        observables=[BitStrings()], noise_model=NoiseModel(p_false_pos=0.1)
    ).to_abstract_repr()
    sentence = refused(plain_sequence(), [{"runs": 5}], {"with_noise": True}, config)
    assert "Noise is asked for twice" in sentence


# ---- run checks its input too -------------------------------------------------------------


def test_run_refuses_what_validation_refuses():
    prepared = DEVICE.prepare(parametrized_sequence(), None)
    with pytest.raises(InvalidInput, match="missing variable 'detuning'"):
        DEVICE.run(prepared, {"t": 100, "amps": [1.0, 2.0]}, 5)
    with pytest.raises(InvalidInput, match="Runs must be at least 1"):
        DEVICE.run(prepared, GOOD_VARIABLES, 0)
