"""FRESNEL through its QPUDriver (the digital twin, or a scripted stand-in for hardware), and
EMU_FRESNEL: FRESNEL's specs and noise, emulated."""

from __future__ import annotations

import json
import math

import pytest
from pulser.backend.results import Results
from pulser.constants import KB, KEFF, MASS
from pulser.json.abstract_repr.deserializer import deserialize_device

from tests.unit.devices.builders import CENTRE_TRAP, four_sigma, mappable_pi_pulse, pi_pulse
from tweezer.devices.base import (
    DeviceKind,
    DeviceStatus,
    DeviceUnavailable,
    InvalidInput,
    RunFailed,
)
from tweezer.devices.emu_fresnel import EmuFresnelDevice
from tweezer.devices.fresnel import DRIVER_ENV, FresnelDevice
from tweezer.devices.fresnel_specs import FRESNEL_NOISE, FRESNEL_NOISE_PARAMETERS, fresnel_device
from tweezer.devices.qpu import DigitalTwinDriver, QPUDriver, QPUJobState, QPUJobStatus
from tweezer.devices.registry import available_device_types, describe_devices, get_device
from tweezer.devices.torch_engine import TORCH_DEVICE_ENV

SHOTS = 2000
TRAJECTORIES = 20
CENTRE = {"qubits": {"q0": CENTRE_TRAP}}


@pytest.fixture(autouse=True)
def _on_cpu(monkeypatch):
    monkeypatch.setenv(TORCH_DEVICE_ENV, "cpu")


def run_once(device, variables=CENTRE, runs=SHOTS, seed=3, sequence=None):
    text = (sequence or mappable_pi_pulse()).to_abstract_repr()
    device.validate_batch(text, [{"runs": runs, "variables": variables}], None)
    return device.run(device.prepare(text, None), variables, runs, seed=seed)


# ---- the noisy π pulse --------------------------------------------------------------------


def noisy_pi_pulse_window(n_trajectories: int, shots: int) -> tuple[float, float]:
    """Where the fraction of '1' after a 1 µs π pulse on the centre atom must lie, from the noise.

    p, the chance that a well-prepared atom ends in |r>, loses at most (first order in each
    noise): amplitude fluctuation σ_A turns the area π into π(1 + δ), losing (π σ_A)^2 / 4;
    doppler detuning of spread σ_D (pulser's k_eff sqrt(k_B T / m)) loses about (σ_D / Ω)^2
    for a mean Ω of π rad/µs, taken twice over; dephasing at rate γ loses at most γ T / 2,
    relaxation at most γ_r T. SPAM then reads P(1) = (1 - η)[p(1 - ε') + (1 - p) ε] + η ε. The
    state-preparation error η is drawn per trajectory, so a run of n trajectories may see up to
    η + 4 sqrt(η(1 - η) / n) of them. The window adds 4 sampling standard deviations; noise-free
    shots (all '1') fall above it, since P(1) <= 1 - ε' whatever the rest does.
    """
    noise = FRESNEL_NOISE_PARAMETERS
    eta, eps, eps_neg = noise["state_prep_error"], noise["p_false_pos"], noise["p_false_neg"]
    duration_us, omega = 1.0, math.pi
    sigma_doppler = KEFF * math.sqrt(KB * noise["temperature"] * 1e-6 / MASS)
    loss = (
        (math.pi * noise["amp_sigma"]) ** 2 / 4
        + 2 * (sigma_doppler / omega) ** 2
        + noise["dephasing_rate"] * duration_us / 2
        + noise["relaxation_rate"] * duration_us
    )
    p_min = 1 - loss
    eta_max = eta + 4 * math.sqrt(eta * (1 - eta) / n_trajectories)
    low = (1 - eta_max) * p_min * (1 - eps_neg)
    high = 1 - eps_neg + eps * eta
    return low - four_sigma(low, shots), high + four_sigma(high, shots)


@pytest.fixture(scope="module")
def twin_result():
    return run_once(FresnelDevice(DigitalTwinDriver(n_trajectories=TRAJECTORIES)))


@pytest.fixture(scope="module")
def emu_fresnel_result():
    return run_once(EmuFresnelDevice(n_trajectories=TRAJECTORIES))


def test_the_twins_pi_pulse_shows_fresnels_noise(twin_result):
    low, high = noisy_pi_pulse_window(TRAJECTORIES, SHOTS)
    assert high < 1.0  # a noiseless emulation would fail this test
    assert low < twin_result["counter"].get("1", 0) / SHOTS < high


def test_emu_fresnels_pi_pulse_shows_fresnels_noise(emu_fresnel_result):
    low, high = noisy_pi_pulse_window(TRAJECTORIES, SHOTS)
    assert low < emu_fresnel_result["counter"].get("1", 0) / SHOTS < high
    metadata = emu_fresnel_result["metadata"]
    assert metadata["noise"] == json.loads(FRESNEL_NOISE.to_abstract_repr())
    assert metadata["noise_regime"] == "trajectories"
    assert metadata["n_trajectories"] == TRAJECTORIES
    assert metadata["with_modulation"] is True


def test_every_twin_result_says_it_comes_from_the_twin(twin_result):
    metadata = twin_result["metadata"]
    assert metadata["executed_on"] == "digital-twin" and metadata["twin_of"] == "FRESNEL"
    assert metadata["device_type"] == "FRESNEL" and metadata["atom_order"] == ["q0"]
    assert sum(twin_result["counter"].values()) == SHOTS == len(twin_result["raw"])
    restored = Results.from_abstract_repr(twin_result["serialised_results"])
    assert dict(restored.final_bitstrings) == twin_result["counter"]


def test_the_twin_validates_what_it_is_given():
    twin = DigitalTwinDriver()
    with pytest.raises(InvalidInput, match="does not fit FRESNEL"):
        twin.submit(pi_pulse(), 10)


# ---- FRESNEL in the device listing --------------------------------------------------------


def test_fresnel_is_listed_as_a_qpu_served_by_its_twin():
    info = FresnelDevice(DigitalTwinDriver()).describe()
    assert (info.kind, info.twin, info.status) == (DeviceKind.QPU, True, DeviceStatus.UP)
    assert (info.max_atoms, info.max_runs) == (12, 2000)
    assert "digital twin" in info.engine


def test_every_device_type_is_described():
    infos = describe_devices()
    assert [info.device_type for info in infos] == list(available_device_types())
    assert set(available_device_types()) == {
        "FRESNEL",
        "EMU_FREE",
        "EMU_TN",
        "EMU_SV",
        "EMU_MPS",
        "EMU_FRESNEL",
    }
    for info in infos:
        shown = json.loads(json.dumps(info.to_dict()))
        assert set(shown) == {
            "device_type",
            "kind",
            "status",
            "twin",
            "max_atoms",
            "max_runs",
            "engine",
            "status_reason",
        }
        assert shown["kind"] == ("QPU" if info.device_type == "FRESNEL" else "EMULATOR")
        assert shown["twin"] == (info.device_type == "FRESNEL")
        assert shown["status"] == "UP"


def test_specs_are_fresnel_with_what_the_twin_emulates():
    specs = deserialize_device(get_device("FRESNEL").specs())
    assert specs.name == "FRESNEL" and specs.max_atom_num == 12 and specs.max_runs == 2000
    emulated = deserialize_device(get_device("EMU_FRESNEL").specs())
    assert emulated.name == "EMU_FRESNEL" and emulated.noise_model == FRESNEL_NOISE


def test_a_twin_under_maintenance_takes_no_job():
    twin = DigitalTwinDriver()
    device = FresnelDevice(twin)
    prepared = device.prepare(mappable_pi_pulse().to_abstract_repr(), None)
    twin.set_status(DeviceStatus.MAINTENANCE, "recalibrating the traps")
    info = device.describe()
    assert info.status == DeviceStatus.MAINTENANCE
    assert info.status_reason == "recalibrating the traps"
    with pytest.raises(DeviceUnavailable, match="FRESNEL is MAINTENANCE .recalibrating"):
        device.run(prepared, CENTRE, 10)


# ---- a real machine behind the QPUDriver interface ----------------------------------------


class ScriptedQPU(QPUDriver):
    """Stands in for a physical QPU: each status call returns the next scripted state."""

    def __init__(self, states=(), status=DeviceStatus.UP, reason=None):
        self.states = list(states)
        self._status, self._reason = status, reason
        self.submitted, self.canceled, self.released = [], [], []

    def specs(self):
        return fresnel_device("FRESNEL", max_atoms=20)

    def device_status(self):
        return self._status

    def status_reason(self):
        return self._reason

    def submit(self, sequence, runs, *, seed=None):
        self.submitted.append((sequence, runs))
        return "qpu-job-1"

    def status(self, submission_id):
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def cancel(self, submission_id):
        self.canceled.append(submission_id)

    def release(self, submission_id):
        self.released.append(submission_id)


def make_scripted_qpu():
    return ScriptedQPU([QPUJobState(QPUJobStatus.DONE, ("1",), ("q0",))])


def done(*bits: str) -> QPUJobState:
    return QPUJobState(QPUJobStatus.DONE, tuple(bits), ("q0",), {"machine": "FRESNEL-1"})


def run_on(qpu: ScriptedQPU, runs=3):
    device = FresnelDevice(qpu, poll_interval_s=0.0, max_poll_interval_s=0.0)
    text = mappable_pi_pulse().to_abstract_repr()
    device.validate_batch(text, [{"runs": runs, "variables": CENTRE}], None)
    return device.run(device.prepare(text, None), CENTRE, runs)


def test_a_job_is_submitted_on_fresnels_specs_and_polled_until_done():
    qpu = ScriptedQPU(
        [QPUJobState(QPUJobStatus.PENDING), QPUJobState(QPUJobStatus.RUNNING), done("1", "0", "1")]
    )
    result = run_on(qpu)
    ((sequence, runs),) = qpu.submitted
    assert runs == 3 and sequence.device.name == "FRESNEL"
    assert not sequence.is_parametrized() and not sequence.is_register_mappable()
    assert result["counter"] == {"0": 1, "1": 2} and result["raw"] == ["1", "0", "1"]
    metadata = result["metadata"]
    assert metadata["executed_on"] == "qpu" and metadata["machine"] == "FRESNEL-1"
    assert metadata["submission_id"] == "qpu-job-1" and qpu.released == ["qpu-job-1"]
    assert FresnelDevice(qpu).describe().twin is False


@pytest.mark.parametrize(
    "state, words",
    [
        (
            QPUJobState(QPUJobStatus.ERROR, error="The trap laser tripped."),
            "The trap laser tripped.",
        ),
        (QPUJobState(QPUJobStatus.CANCELED), "canceled on FRESNEL"),
        (done("1", "0"), "returned 2 shots for 3 runs"),
    ],
)
def test_a_job_that_does_not_end_well_fails_with_a_sentence(state, words):
    with pytest.raises(RunFailed, match=words):
        run_on(ScriptedQPU([state]))


def test_a_worker_interrupted_while_waiting_cancels_the_job_on_the_machine():
    class Interrupted(ScriptedQPU):
        def status(self, submission_id):
            raise KeyboardInterrupt

    qpu = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        run_on(qpu)
    assert qpu.canceled == ["qpu-job-1"]


def test_a_machine_that_is_down_gets_no_job():
    qpu = ScriptedQPU([done("1")], status=DeviceStatus.DOWN, reason="cryostat warm-up")
    with pytest.raises(DeviceUnavailable, match="FRESNEL is DOWN .cryostat warm-up.; the job did"):
        run_on(qpu)
    assert qpu.submitted == []
    info = FresnelDevice(qpu).describe()
    assert info.status == DeviceStatus.DOWN and info.status_reason == "cryostat warm-up"


def test_the_driver_can_be_named_by_the_server_settings(monkeypatch):
    monkeypatch.setenv(DRIVER_ENV, f"{__name__}:make_scripted_qpu")
    assert isinstance(FresnelDevice().driver, ScriptedQPU)
    monkeypatch.setenv(DRIVER_ENV, f"{__name__}")
    with pytest.raises(ValueError, match="package.module:factory"):
        FresnelDevice()
