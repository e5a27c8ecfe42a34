"""The helpers every device type shares: parse, check and build a sequence's jobs."""

from __future__ import annotations

import pytest
from pulser import Pulse, Register, Sequence
from pulser.devices import MockDevice

from tweezer.devices.sequences import (
    VariableSpec,
    build_job,
    check_job,
    check_jobs,
    declared_variables,
    distinct_builds,
    measurement_basis,
    parse_sequence,
    register_size,
)
from tweezer.domain.errors import InvalidInput


def sequence() -> Sequence:
    seq = Sequence(Register({"a": (0, 0), "b": (0, 10)}), MockDevice)
    seq.declare_channel("ryd", "rydberg_global")
    t = seq.declare_variable("t", dtype=int)
    omegas = seq.declare_variable("omegas", size=3)
    seq.add(Pulse.ConstantPulse(t, omegas[0], 0, 0), "ryd")
    return Sequence.from_abstract_repr(seq.to_abstract_repr())


def test_parse_sequence_gives_back_the_sequence():
    original = sequence()
    parsed = parse_sequence(original.to_abstract_repr())
    assert parsed.is_parametrized()
    assert parse_sequence(original.to_abstract_repr().encode()).declared_variables.keys() == {
        "t",
        "omegas",
    }


def test_parse_errors_are_one_invalid_input_sentence():
    with pytest.raises(InvalidInput) as caught:
        parse_sequence("42")
    assert caught.value.description == (
        "The sequence does not parse as a pulser abstract representation: "
        "it is a number, not a JSON object."
    )
    with pytest.raises(InvalidInput, match="not UTF-8"):
        parse_sequence(b"\xff\xfe")


def test_declared_variables_say_name_type_and_size():
    assert declared_variables(sequence()) == {
        "t": VariableSpec("t", "int", 1),
        "omegas": VariableSpec("omegas", "float", 3),
    }


def test_check_job_normalizes_values_for_build():
    job = check_job(
        sequence(),
        {"runs": 3, "variables": {"t": [100.0], "omegas": [1, 2, 3]}},
        max_runs=10,
        index=4,
    )
    assert job.runs == 3 and job.index == 4
    assert job.variables == {"t": 100, "omegas": [1.0, 2.0, 3.0]}
    assert isinstance(job.variables["t"], int)


def test_equal_variables_share_one_build():
    seq = sequence()
    jobs = check_jobs(
        seq,
        [
            {"runs": 1, "variables": {"t": 100, "omegas": [1, 2, 3]}},
            {"runs": 2, "variables": {"omegas": [1.0, 2.0, 3.0], "t": [100]}},
            {"runs": 3, "variables": {"t": 200, "omegas": [1, 2, 3]}},
        ],
        max_runs=10,
    )
    assert jobs[0].key == jobs[1].key != jobs[2].key
    built = list(distinct_builds(seq, jobs))
    assert [job.index for job, _ in built] == [0, 2]
    assert [b.get_duration() for _, b in built] == [100, 200]


def test_build_job_leaves_the_parsed_sequence_reusable():
    seq = sequence()
    first = build_job(seq, {"t": 100, "omegas": [1.0, 2.0, 3.0]})
    second = build_job(seq, {"t": 300, "omegas": [1.0, 2.0, 3.0]})
    assert (first.get_duration(), second.get_duration()) == (100, 300)
    assert seq.is_parametrized()


def test_register_size_and_measurement_basis():
    seq = sequence()
    assert register_size(seq) == 2
    assert measurement_basis(seq) == "ground-rydberg"
