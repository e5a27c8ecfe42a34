"""Checks of a batch's `configuration` object that every device type shares.

Pasqal Cloud documents the keys each emulator reads (EMU_FREE `with_noise`; EMU_TN `dt`,
`precision`, `max_bond_dim`; every device `strict_validation` and `result_types`) and says that
other keys pass through: pasqal-cloud flattens a user's `extra_config` into this object and
pulser-pasqal puts leftover backend options there, so refusing them would break clients. Each
device type therefore names its keys; `check_keys` accepts the others, reports them (they go to
the result's metadata as `passed_through_configuration`), and refuses only a key so close to a
known one that it is almost surely a typo ("with_nosie"): ignoring it would silently run without
what the user asked for.

`result_types` values: "counter", "run" (alias "raw") and "sample" name the shots, which every
device returns (the wire's result always carries `counter` and `raw`); "expectation" asks for
expectation values, which only some engines compute.
"""

from __future__ import annotations

import difflib
import json
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from tweezer.devices.sequences import short_reason
from tweezer.domain.errors import InvalidInput

__all__ = [
    "SHOT_RESULT_TYPES",
    "check_keys",
    "flag",
    "parse_result_types",
    "positive_integer",
    "positive_number",
]

#: Result types that name the shots; every device returns them.
SHOT_RESULT_TYPES = ("counter", "run", "raw", "sample")
#: A key this close (difflib ratio) to a known one is taken for a typo of it.
_TYPO_CUTOFF = 0.8


def check_keys(
    configuration: Mapping[str, Any] | None, *, device_type: str, keys: Sequence[str]
) -> tuple[Mapping[str, Any], tuple[str, ...]]:
    """The configuration as a mapping (empty for null) and its keys that pass through unused."""
    if configuration is None:
        return {}, ()
    if not isinstance(configuration, Mapping):
        raise InvalidInput(
            "The configuration must be a JSON object (or null), "
            f"got {type(configuration).__name__}."
        )
    known = ", ".join(keys)
    passed: list[str] = []
    for key in configuration:
        if key in keys:
            continue
        close = difflib.get_close_matches(str(key), keys, n=1, cutoff=_TYPO_CUTOFF)
        if close:
            raise InvalidInput(
                f"Configuration key '{key}' is not known to {device_type}; did you mean "
                f"'{close[0]}'? Its keys are {known} (other keys pass through unused)."
            )
        passed.append(str(key))
    return configuration, tuple(sorted(passed))


def flag(configuration: Mapping[str, Any], key: str) -> bool:
    """A true/false key; absent or null is false."""
    value = configuration.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput(f"Configuration '{key}' must be true or false, got {_show(value)}.")
    return value


def parse_result_types(
    value: Any, *, device_type: str, allowed: Sequence[str], why: str = ""
) -> tuple[str, ...] | None:
    """`result_types` as a tuple of lower-case names, or None; `why` explains a refusal."""
    listing = ", ".join(allowed)
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidInput(
            "Configuration 'result_types' must be null or a list of result types "
            f"({listing}), got {_show(value)}."
        )
    out = []
    for item in value:
        name = item.lower() if isinstance(item, str) else item
        if name not in allowed:
            reason = f", {why}" if why else ""
            raise InvalidInput(
                f"Result type {_show(item)} is not available on {device_type}{reason}; "
                f"use {listing} (or null)."
            )
        out.append(name)
    return tuple(out)


def positive_number(configuration: Mapping[str, Any], key: str, unit: str = "") -> float | None:
    """A finite number > 0, or None when absent or null."""
    value = configuration.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not _finite(value)
        or (value <= 0)
    ):
        suffix = f" ({unit})" if unit else ""
        raise InvalidInput(
            f"Configuration '{key}' must be a number larger than 0{suffix}, got {_show(value)}."
        )
    return float(value)


def positive_integer(configuration: Mapping[str, Any], key: str) -> int | None:
    """A whole number >= 1 (500 or 500.0), or None when absent or null."""
    value = configuration.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not _finite(value)
        or float(value) != int(float(value))
        or value < 1
    ):
        raise InvalidInput(
            f"Configuration '{key}' must be a whole number of at least 1, got {_show(value)}."
        )
    return int(float(value))


def check_seed(seed: int | None) -> None:
    """A job's random seed is None or an integer NumPy and torch both take."""
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**32
    ):
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")


BACKEND_CONFIGURATION = "The backend_configuration "


def load_emulation_config(text: str | None, device_type: str) -> Any:
    """A batch's `backend_configuration`: a pulser EmulationConfig parsed from its abstract
    representation, or None when there is none. Refuses what no Tweezer engine takes: an
    initial state (every job starts in the ground state) and an interaction matrix (computed
    from the register)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if not isinstance(text, str):
        raise InvalidInput(
            BACKEND_CONFIGURATION + "must be a string holding a serialized pulser "
            f"EmulationConfig, got {type(text).__name__}."
        )
    from pulser.backend.config import EmulationConfig

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = EmulationConfig.from_abstract_repr(text)
    except Exception as exc:
        raise InvalidInput(
            BACKEND_CONFIGURATION
            + "does not parse as a pulser EmulationConfig abstract representation: "
            + short_reason(exc)
        ) from None
    if getattr(config, "initial_state", None) is not None:
        raise InvalidInput(
            BACKEND_CONFIGURATION
            + f"sets an initial_state; {device_type} starts every atom in the ground state."
        )
    if getattr(config, "interaction_matrix", None) is not None:
        raise InvalidInput(
            BACKEND_CONFIGURATION
            + f"sets an interaction_matrix; {device_type} computes interactions from the register."
        )
    return config


def _finite(value: numbers.Real) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer too large for a float
        return False


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
