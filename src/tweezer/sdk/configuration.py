"""Emulator configurations: the `configuration` object of a batch, as typed dataclasses.

Each class names the keys its device reads; `to_dict()` gives the request body's object, with the
keys of `extra_config` added as they are, so options this SDK does not know still reach the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from tweezer.enums import StrEnum
from tweezer.errors import InvalidConfiguration

C = TypeVar("C", bound="BaseConfig")


class ResultType(StrEnum):
    """What an emulator puts in a job's result."""

    COUNTER = "counter"
    RUN = "run"
    SAMPLE = "sample"
    EXPECTATION = "expectation"


@dataclass
class BaseConfig:
    """Options every emulator accepts.

    Attributes:
        strict_validation: validate the sequence as though it were for the FRESNEL QPU.
        extra_config: more keys for the configuration object, sent as they are.
        result_types: what to put in the result (`ResultType` values); None lets the device choose.
    """

    strict_validation: bool = False
    extra_config: dict[str, Any] | None = None
    result_types: list[ResultType] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The configuration object of the request body; raises InvalidConfiguration if invalid."""
        self._validate()
        body: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra_config"
        }
        if self.result_types is not None:
            body["result_types"] = [ResultType(kind).value for kind in self.result_types]
        body.update(self.extra_config or {})
        return body

    @classmethod
    def from_dict(cls: type[C], conf: Mapping[str, Any]) -> C:
        """Build a configuration from its object; keys the class lacks go to extra_config."""
        known = {f.name for f in fields(cls)} - {"extra_config"}
        named = {key: value for key, value in conf.items() if key in known}
        extra = {key: value for key, value in conf.items() if key not in known}
        return cls(**named, extra_config=extra or None)

    def _validate(self) -> None:
        """Raise InvalidConfiguration for a value the device would refuse."""
        names = {f.name for f in fields(self)}
        for key in self.extra_config or {}:
            if key in names:
                raise InvalidConfiguration(
                    f"extra_config key {key!r} is a field of {type(self).__name__}; set the field."
                )
        known = [member.value for member in ResultType]
        for kind in self.result_types or []:
            if kind not in known:
                raise InvalidConfiguration(
                    f"result type {kind!r} is unknown; use one of {', '.join(known)}."
                )


@dataclass
class EmuFreeConfig(BaseConfig):
    """Options of the EMU_FREE emulator.

    Attributes:
        with_noise: add SPAM noise to the simulation.
    """

    with_noise: bool = False


@dataclass
class EmuTNConfig(BaseConfig):
    """Options of the EMU_TN tensor-network emulator.

    Attributes:
        dt: time step of the simulation, in nanoseconds (> 0).
        precision: "low", "normal" or "high".
        max_bond_dim: largest bond dimension of the matrix product state (> 0).
    """

    dt: float = 10.0
    precision: str = "normal"
    max_bond_dim: int = 500

    def _validate(self) -> None:
        if self.dt <= 0:
            raise InvalidConfiguration(f"dt must be larger than 0; got {self.dt}.")
        if self.precision not in ("low", "normal", "high"):
            raise InvalidConfiguration(
                f"precision must be 'low', 'normal' or 'high'; got {self.precision!r}."
            )
        if self.max_bond_dim <= 0:
            raise InvalidConfiguration(
                f"max_bond_dim must be larger than 0; got {self.max_bond_dim}."
            )
        super()._validate()


#: The configuration class of each device type that has one of its own.
CONFIG_CLASSES: dict[str, type[BaseConfig]] = {"EMU_FREE": EmuFreeConfig, "EMU_TN": EmuTNConfig}


def config_for_device(device_type: str, conf: Mapping[str, Any]) -> BaseConfig:
    """The configuration object `conf` of a batch on `device_type`, as the matching class."""
    return CONFIG_CLASSES.get(device_type, BaseConfig).from_dict(conf)
