"""What every device type does with a pulser sequence and its jobs, before any engine runs.

- `parse_sequence`: a pulser abstract representation (JSON) -> `pulser.Sequence`, every failure
  turned into one `InvalidInput` sentence.
- `declared_variables`: the variables a sequence declares (name, type, size).
- `check_jobs` / `check_job`: each job's `runs` and `variables` against the sequence: exactly the
  declared variables, values of the right type and size, `qubits` (qubit id -> trap id) for a
  mappable register and only there; the values come back normalized for `seq.build`.
- `build_job` / `distinct_builds`: the concrete sequence of a job (`seq.build(qubits=..., **vars)`),
  one build per distinct set of values.
- `measurement_basis`: the basis a sequence is measured in (explicit, or the only one it
  addresses).

Jobs are named by their index in the list the caller sent, counted from 0 ("job 2" is the third).
Every error is `InvalidInput` with a sentence a person can act on.
"""

from __future__ import annotations

import json
import math
import numbers
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulser

from tweezer.domain.errors import InvalidInput

__all__ = [
    "CheckedJob",
    "job_error",
    "VariableSpec",
    "build_job",
    "check_job",
    "check_jobs",
    "check_runs",
    "declared_variables",
    "distinct_builds",
    "measurement_basis",
    "parse_sequence",
    "register_size",
    "short_reason",
]

_PARSE_PREFIX = "The sequence does not parse as a pulser abstract representation: "
_MAX_REASON = 240
#: Schema validators that say little on their own when a value fails every branch of an anyOf.
_WEAK_VALIDATORS = frozenset(
    {"const", "enum", "required", "additionalProperties", "anyOf", "oneOf"}
)
#: The key a serialized sequence has and a serialized device, register or config does not.
_SEQUENCE_KEY = "operations"


# ---------------------------------------------------------------------------------------------
# Reasons


def short_reason(exc: BaseException) -> str:
    """One line saying why `exc` happened, short enough for a sentence."""
    message = _schema_reason(exc)
    if message is None:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    message = " ".join(message.split())
    if len(message) > _MAX_REASON:
        message = message[: _MAX_REASON - 3] + "..."
    return message


def _schema_reason(exc: BaseException) -> str | None:
    """The most telling failure of a JSON-schema validation error, with where it happened."""
    try:
        from jsonschema import ValidationError
    except ImportError:  # pragma: no cover - jsonschema comes with pulser-core
        return None
    if not isinstance(exc, ValidationError):
        return None

    def leaves(err: ValidationError) -> Iterator[ValidationError]:
        if not err.context:
            yield err
            return
        for sub in err.context:
            yield from leaves(sub)

    # The deepest failure is usually the one the author made; among equally deep ones, a type
    # or range failure says more than "'ramp' was expected" from a branch that did not apply.
    best = max(
        leaves(exc),
        key=lambda e: (len(e.absolute_path), e.validator not in _WEAK_VALIDATORS),
    )
    where = best.json_path
    message = best.message
    if len(message) > _MAX_REASON // 2:
        message = message[: _MAX_REASON // 2 - 3] + "..."
    return message if where == "$" else f"{message} (at {where})"


def job_error(index: int | None, text: str) -> InvalidInput:
    """`InvalidInput` for a job: "Job 2: <text>", or the text as a sentence when no index."""
    if index is None:
        return InvalidInput(text[:1].upper() + text[1:])
    return InvalidInput(f"Job {index}: {text}")


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_sequence(sequence_json: str | bytes) -> pulser.Sequence:
    """Deserialize a sequence from its pulser abstract representation."""
    if isinstance(sequence_json, (bytes, bytearray)):
        try:
            sequence_json = bytes(sequence_json).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(_PARSE_PREFIX + "it is not UTF-8 text.") from None
    if not isinstance(sequence_json, str):
        raise InvalidInput(
            _PARSE_PREFIX + f"expected a JSON string, got {_kind_of(sequence_json)}."
        )
    try:
        obj = json.loads(sequence_json)
    except ValueError as exc:
        raise InvalidInput(_PARSE_PREFIX + f"it is not JSON ({short_reason(exc)}).") from None
    if not isinstance(obj, dict):
        raise InvalidInput(_PARSE_PREFIX + f"it is {_kind_of(obj)}, not a JSON object.")
    if _SEQUENCE_KEY not in obj:
        keys = list(obj)
        shown = ", ".join(repr(k) for k in keys[:5]) + (", ..." if len(keys) > 5 else "")
        raise InvalidInput(
            _PARSE_PREFIX + f"it is a JSON object but not a sequence: it has no 'operations' "
            f"(its keys: {shown or 'none'})."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pulser.Sequence.from_abstract_repr(sequence_json)
    except Exception as exc:  # pulser raises many kinds; each becomes one sentence
        raise InvalidInput(_PARSE_PREFIX + short_reason(exc)) from None


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a JSON array"
    if isinstance(value, Mapping):
        return "a JSON object"
    return f"a {type(value).__name__}"


# ---------------------------------------------------------------------------------------------
# Variables


@dataclass(frozen=True)
class VariableSpec:
    """A variable a sequence declares."""

    name: str
    dtype: str  # "int" or "float"
    size: int

    def describe(self) -> str:
        shape = "" if self.size == 1 else f", size {self.size}"
        return f"{self.name} ({self.dtype}{shape})"


def declared_variables(seq: pulser.Sequence) -> dict[str, VariableSpec]:
    """The variables `seq` declares, in declaration order."""
    return {
        name: VariableSpec(name, "int" if var.dtype is int else "float", int(var.size))
        for name, var in seq.declared_variables.items()
    }


def register_size(seq: pulser.Sequence, variables: Mapping[str, Any] | None = None) -> int:
    """How many atoms a job of `seq` has: the register's, or the qubits a mappable one maps."""
    if seq.is_register_mappable():
        qubits = (variables or {}).get("qubits") or {}
        return len(qubits)
    return len(seq.register.qubit_ids)


def check_runs(runs: Any, max_runs: int, index: int | None = None) -> int:
    """`runs` as an int in 1..max_runs; a bool, a string or a float is refused."""
    if isinstance(runs, bool) or not isinstance(runs, numbers.Integral):
        raise job_error(
            index,
            f"runs must be a whole number of shots between 1 and {max_runs}, "
            f"got {_show(runs)} ({_kind_of(runs)}).",
        )
    runs = int(runs)
    if runs < 1:
        raise job_error(index, f"runs must be at least 1, got {runs}.")
    if runs > max_runs:
        raise job_error(index, f"runs is {runs}, over this device's limit of {max_runs}.")
    return runs


@dataclass(frozen=True)
class CheckedJob:
    """A job whose runs and variables fit its sequence."""

    index: int | None
    runs: int
    #: keyword arguments for `seq.build`: each declared variable, and "qubits" when mappable.
    variables: dict[str, Any]
    #: equal for jobs whose variables are equal: one build, one simulation serves them all.
    key: str


def check_job(
    seq: pulser.Sequence,
    job: Mapping[str, Any],
    *,
    max_runs: int,
    index: int | None = None,
    declared: Mapping[str, VariableSpec] | None = None,
) -> CheckedJob:
    """Check one job ({"runs": int, "variables": {...} or None}) against `seq`."""
    if not isinstance(job, Mapping):
        raise job_error(
            index, f"a job must be an object with 'runs' and 'variables', got {_kind_of(job)}."
        )
    if "runs" not in job:
        raise job_error(index, "runs is missing; give the number of shots.")
    runs = check_runs(job["runs"], max_runs, index)
    variables = check_variables(seq, job.get("variables"), index=index, declared=declared)
    return CheckedJob(index, runs, variables, _canonical_key(variables))


def check_jobs(
    seq: pulser.Sequence, jobs: Sequence[Mapping[str, Any]], *, max_runs: int
) -> list[CheckedJob]:
    """Check every job of a batch against `seq`; the first problem raises."""
    if isinstance(jobs, (str, bytes, Mapping)) or not isinstance(jobs, Sequence):
        raise InvalidInput(f"The jobs must be a list of jobs, got {_kind_of(jobs)}.")
    declared = declared_variables(seq)
    return [
        check_job(seq, job, max_runs=max_runs, index=i, declared=declared)
        for i, job in enumerate(jobs)
    ]


def check_variables(
    seq: pulser.Sequence,
    variables: Mapping[str, Any] | None,
    *,
    index: int | None = None,
    declared: Mapping[str, VariableSpec] | None = None,
) -> dict[str, Any]:
    """A job's variables checked against the sequence, normalized for `seq.build`."""
    declared = declared_variables(seq) if declared is None else declared
    if variables is None:
        variables = {}
    if not isinstance(variables, Mapping):
        raise job_error(
            index,
            f"variables must be an object mapping names to values, got {_kind_of(variables)}.",
        )
    mappable = seq.is_register_mappable()
    given = {k: v for k, v in variables.items() if k != "qubits"}
    out: dict[str, Any] = {}

    if "qubits" in variables and variables["qubits"] is not None:
        if not mappable:
            raise job_error(
                index,
                "variables give 'qubits', but the sequence's register is not mappable: "
                "its atoms are already placed, so remove 'qubits'.",
            )
        out["qubits"] = _check_qubits(seq, variables["qubits"], index)
    elif mappable:
        raise job_error(
            index,
            "the sequence's register is mappable, so variables must give 'qubits', "
            'a mapping of qubit id to trap id (e.g. {"q0": 0, "q1": 5}).',
        )

    missing = [name for name in declared if name not in given]
    unknown = sorted(str(name) for name in given if name not in declared)
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing " + _names(missing))
        if unknown:
            parts.append("unknown " + _names(unknown))
        wanted = (
            "the sequence declares " + ", ".join(v.describe() for v in declared.values())
            if declared
            else "the sequence declares no variables"
        )
        raise job_error(
            index, f"variables do not match the sequence: {'; '.join(parts)} ({wanted})."
        )

    for name, spec in declared.items():
        out[name] = _check_value(spec, given[name], index)
    return out


def _names(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    noun = "variable" if len(quoted) == 1 else "variables"
    return f"{noun} {', '.join(quoted)}"


def _check_value(spec: VariableSpec, value: Any, index: int | None) -> Any:
    """A value for `spec`: a number (size 1, also as a 1-list) or a flat list of `size`."""
    article = "an" if spec.dtype == "int" else "a"
    expected = (
        f"{article} {spec.dtype}" if spec.size == 1 else f"a list of {spec.size} {spec.dtype}s"
    )
    where = f"variable '{spec.name}' must be {expected}"
    if isinstance(value, (list, tuple)):
        items = list(value)
        if len(items) != spec.size:
            raise job_error(index, f"{where}, got a list of {len(items)} values.")
    elif spec.size == 1:
        items = [value]
    else:
        raise job_error(index, f"{where}, got {_kind_of(value)} ({_show(value)}).")

    clean = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise job_error(index, f"{where}, got {_kind_of(item)} ({_show(item)}).")
        number = float(item)
        if not math.isfinite(number):
            raise job_error(index, f"{where}, got {_show(item)}.")
        if spec.dtype == "int":
            if number != int(number):
                raise job_error(index, f"{where}, got {_show(item)}, which is not a whole number.")
            clean.append(int(number))
        else:
            clean.append(number)
    return clean[0] if spec.size == 1 else clean


def _check_qubits(seq: pulser.Sequence, qubits: Any, index: int | None) -> dict[str, int]:
    where = "'qubits' must map qubit ids to trap ids"
    if not isinstance(qubits, Mapping):
        raise job_error(index, f"{where}, got {_kind_of(qubits)}.")
    if not qubits:
        raise job_error(index, f"{where}, and map at least one qubit; it is empty.")
    known = {str(q): q for q in seq.get_register(include_mappable=True).qubit_ids}
    out: dict[Any, int] = {}
    for qid, trap in qubits.items():
        if str(qid) not in known:
            raise job_error(
                index,
                f"{where}; '{qid}' is not a qubit of the register "
                f"(its qubit ids are {', '.join(map(str, known))}).",
            )
        if isinstance(trap, bool) or not isinstance(trap, numbers.Integral) or trap < 0:
            raise job_error(
                index, f"{where}; trap id of '{qid}' must be an integer >= 0, got {_show(trap)}."
            )
        out[known[str(qid)]] = int(trap)
    traps = list(out.values())
    if len(set(traps)) != len(traps):
        raise job_error(index, f"{where}; two qubits share a trap ({_show(qubits)}).")
    return out


def _show(value: Any) -> str:
    text = json.dumps(value, default=repr) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _canonical_key(variables: Mapping[str, Any]) -> str:
    return json.dumps({str(k): v for k, v in variables.items()}, sort_keys=True, default=str)


# ---------------------------------------------------------------------------------------------
# Building


def build_job(
    seq: pulser.Sequence, variables: Mapping[str, Any], *, index: int | None = None
) -> pulser.Sequence:
    """The concrete sequence of a job; `variables` as `check_variables` returns them.

    A sequence with neither variables nor a mappable register is returned as it is.
    """
    if not (seq.is_parametrized() or seq.is_register_mappable()):
        return seq
    kwargs = dict(variables)
    qubits = kwargs.pop("qubits", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if qubits is not None:
                return seq.build(qubits=qubits, **kwargs)
            return seq.build(**kwargs)
    except InvalidInput:
        raise
    except Exception as exc:
        raise job_error(
            index, f"the sequence does not build with these variables: {short_reason(exc)}"
        ) from None


def distinct_builds(
    seq: pulser.Sequence, jobs: Sequence[CheckedJob]
) -> Iterator[tuple[CheckedJob, pulser.Sequence]]:
    """Each distinct job (by variables) with its concrete sequence, first occurrence first."""
    seen: set[str] = set()
    for job in jobs:
        if job.key in seen:
            continue
        seen.add(job.key)
        yield job, build_job(seq, job.variables, index=job.index)


def measurement_basis(seq: pulser.Sequence) -> str:
    """The basis the sequence is measured in: its `measure()` basis or the one it addresses."""
    if seq.is_measured():
        return str(seq.get_measurement_basis())
    bases = tuple(seq.get_addressed_bases())
    if len(bases) == 1:
        return str(bases[0])
    if not bases:
        raise InvalidInput(
            "The sequence declares no channel, so there is nothing to emulate; "
            "declare a channel and add pulses to it."
        )
    raise InvalidInput(
        f"The sequence addresses several bases ({', '.join(sorted(bases))}) and is not "
        "measured, so its measurement basis is ambiguous; call seq.measure(basis) before "
        "serializing it."
    )
